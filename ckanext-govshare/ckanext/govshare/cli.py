"""``ckan govshare ...`` commands. Each capability adds its own sub-group."""
from __future__ import annotations

import contextlib
from typing import Any

import click


@click.group(short_help="GovShare portal commands")
def govshare() -> None:
    """GovShare: demo data, search engine and portal maintenance."""


def request_context(ctx: click.Context) -> Any:
    """A request context of the command's app: actions and messages use
    Flask's request globals (and the configured language)."""
    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()


def site_context() -> dict[str, Any]:
    """An action context for the site user (what cron's commands act as)."""
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"]}


def get_commands() -> list[click.Command]:
    from ckanext.govshare.search.cli import search
    from ckanext.govshare.demo.cli import demo
    from ckanext.govshare.catalog_review.cli import catalog
    from ckanext.govshare.workdays_cli import cli as workdays

    govshare.add_command(search)
    govshare.add_command(demo)
    govshare.add_command(catalog)
    govshare.add_command(workdays)
    from ckanext.govshare.applications.cli import applications
    govshare.add_command(applications)
    from ckanext.govshare.audit.cli import audit
    from ckanext.govshare.database.cli import db
    govshare.add_command(audit)
    govshare.add_command(db)
    from ckanext.govshare.stats.cli import stats
    govshare.add_command(stats)
    return [govshare]
