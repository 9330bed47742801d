"""GovShare: the table of contents. Each interface delegates to one capability."""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.govshare import cli
from ckanext.govshare.search import backend as search_backend


@tk.blanket.config_declarations
@tk.blanket.cli(cli.get_commands)
class GovSharePlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        # Runs before CKAN initialises its Solr settings, so the embedded
        # engine is in place before the first search call.
        search_backend.install(config)
