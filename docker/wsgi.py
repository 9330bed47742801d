"""WSGI entry point of the GovShare image: ``gunicorn -c gunicorn.conf.py wsgi:application``.

The CKAN configuration file is the one named by CKAN_INI (rendered from
config/production.ini.tmpl by docker/entrypoint.sh). CKAN's own environment
variables (CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, ...) still override it, as for
the ``ckan`` command.
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

config_file = os.path.abspath(os.environ["CKAN_INI"])

# Logging as configured in the ini file, as `ckan` commands do; gunicorn's own
# loggers (access and error log) are left alone.
fileConfig(config_file, disable_existing_loggers=False)

config = CKANConfigLoader(config_file).get_config()
application = make_app(config)
