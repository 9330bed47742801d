"""Puts the embedded engine in place of CKAN's Solr client.

CKAN builds index documents (``ckan.lib.search.index``) and Solr parameters
(``ckan.lib.search.query``) itself and hands them to a ``pysolr.Solr`` made by
``make_connection``. This module swaps that one factory, in every module that
imported it, for one returning :class:`~.client.PostgresSearchClient`, so every
CKAN search behaviour comes through unchanged. It is the only monkeypatching
the engine does, it runs once from ``IConfigurer.update_config``, and
``uninstall`` restores CKAN's originals.
"""
from __future__ import annotations

import logging
from typing import Any, Callable
from ckanext.govshare import options

log = logging.getLogger(__name__)

#: Placeholder for ``solr_url`` (a required CKAN option) when the embedded
#: engine answers; it is never dialled.
EMBEDDED_URL = "postgresql://embedded-govshare-search"

# (module name, attribute) pairs that hold CKAN's Solr connection factory or
# the schema check that would dial Solr over HTTP.
_FACTORY_SITES = (
    ("ckan.lib.search.common", "make_connection"),
    ("ckan.lib.search.index", "make_connection"),
    ("ckan.lib.search.query", "make_connection"),
    ("ckan.lib.search", "make_connection"),
)
_originals: dict[tuple[str, str], Callable[..., Any]] = {}


def chosen_backend(config: Any) -> str:
    """``postgres`` or ``solr``, resolving ``auto`` from ``solr_url``."""
    backend = config.get(options.SEARCH_BACKEND) or "auto"
    if backend == "auto":
        solr_url = config.get("solr_url") or ""
        return "solr" if solr_url and solr_url != EMBEDDED_URL else "postgres"
    return backend


def is_installed() -> bool:
    return bool(_originals)


def install(config: Any) -> None:
    """Answer CKAN's Solr client from PostgreSQL unless Solr is chosen."""
    if chosen_backend(config) != "postgres":
        uninstall()
        return
    if not config.get("solr_url"):
        config["solr_url"] = EMBEDDED_URL
    if is_installed():
        return
    import importlib

    from ckanext.govshare.search import client

    for module_name, attr in _FACTORY_SITES:
        module = importlib.import_module(module_name)
        _originals[(module_name, attr)] = getattr(module, attr)
        setattr(module, attr, client.make_connection)
    search = importlib.import_module("ckan.lib.search")
    _originals[("ckan.lib.search", "check_solr_schema_version")] = (
        search.check_solr_schema_version
    )
    search.check_solr_schema_version = client.check_schema_version
    log.info("GovShare embedded PostgreSQL search engine answers CKAN's Solr client")


def uninstall() -> None:
    """Give CKAN its own Solr client back."""
    import importlib

    for (module_name, attr), original in _originals.items():
        setattr(importlib.import_module(module_name), attr, original)
    _originals.clear()
