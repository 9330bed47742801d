"""Search tests run on the embedded engine and, where one is given, on Solr."""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

import ckan.lib.search as ckan_search
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.search import backend, bulk
from ckanext.govshare.search.backend import EMBEDDED_URL
from tests.harness import SOLR_URL_VARIABLE

#: set by scripts/test.sh when it tried to start Solr and could not: the
#: reason the Solr variants are skipped
SOLR_UNAVAILABLE_VARIABLE = "GOVSHARE_TEST_SOLR_UNAVAILABLE"


@pytest.fixture(params=["postgres", "postings", "solr"])
def search_backend(request, _environment):
    """Puts the engine of the test's parameter in place: ``postings`` is the
    embedded engine with its counts and facets from posting bitmaps at any
    size (``search/postings.py``), which must answer exactly as its SQL.

    The engine is chosen when the plugin loads (``search.backend.install``
    from ``update_config``), and the autouse ``_environment`` fixture has
    loaded the plugins before this fixture runs. Reloading them for each
    engine costs seconds a test, so the choice is made again here the way
    the plugin makes it, and undone after the test.
    """
    solr_url = solr_url_or_skip() if request.param == "solr" else ""
    if request.param == "postings":
        with engine("postgres"), postings_always():
            yield request.param
        return
    with engine(request.param, solr_url):
        yield request.param


@contextlib.contextmanager
def postings_always() -> Iterator[None]:
    """Counts, facets and first pages from posting bitmaps whatever the
    index's size; listing orders in chunks of two documents, and ties taken
    in order however few the candidates, so that a small catalog walks them
    as a large one does."""
    from ckanext.govshare.search import postings

    # and never from the counts the SQL left in Redis
    changed = {options.SEARCH_POSTINGS_FROM: 0, options.SEARCH_FACET_CACHE_TTL: 0,
               options.SEARCH_POSTINGS_ORDER_CHUNK: 2, options.SEARCH_POSTINGS_TIES_AFTER: 0}
    saved = {key: tk.config.get(key) for key in changed}
    tk.config.update(changed)
    postings._cache.clear()
    try:
        yield
    finally:
        tk.config.update(saved)
        postings._cache.clear()


@contextlib.contextmanager
def engine(name: str, solr_url: str = "") -> Iterator[None]:
    """The engine ``name`` (``postgres`` or ``solr``, at ``solr_url``)
    answers CKAN until the block ends, then the loaded environment's again;
    for fixtures of any scope."""
    config = tk.config
    keys = ("solr_url", options.SEARCH_BACKEND)
    saved = {key: config.get(key) for key in keys}
    saved_env = os.environ.get("CKAN_SOLR_URL")
    # solr_url is required by CKAN even while the embedded engine answers
    config["solr_url"] = solr_url if name == "solr" else EMBEDDED_URL
    config[options.SEARCH_BACKEND] = name
    os.environ["CKAN_SOLR_URL"] = config["solr_url"]
    _choose_engine(config)
    # the engine that answers is the one the test is named after (the Solr
    # variants once ran on the embedded engine, unnoticed)
    assert backend.is_installed() == (name == "postgres")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        if saved_env is None:
            os.environ.pop("CKAN_SOLR_URL", None)
        else:
            os.environ["CKAN_SOLR_URL"] = saved_env
        _choose_engine(config)


def _choose_engine(config) -> None:
    """What loading the plugins and CKAN's environment do with the engine's
    options: GovShare's ``update_config`` installs or removes the embedded
    engine, CKAN's ``load_environment`` hands ``solr_url`` to its Solr
    client's settings."""
    from ckan.lib import search

    backend.install(config)
    search.SolrSettings.init(config.get("solr_url"), config.get("solr_user"),
                             config.get("solr_password"))


def solr_url_or_skip() -> str:
    """The Solr core the Solr variants run against; without one the test
    is skipped, saying why (make test-solr starts one)."""
    url = os.environ.get(SOLR_URL_VARIABLE)
    if not url:
        reason = os.environ.get(SOLR_UNAVAILABLE_VARIABLE) or "no Solr to run this test against"
        pytest.skip(f"{SOLR_URL_VARIABLE} is not set: {reason}")
    return url


def index_everything() -> int:
    """Every active dataset into the engine in place, as a bulk re-index
    does (the index emptied first); the number indexed."""
    model.Session.expire_all()  # as stored, whatever the session read before
    ids = [row[0] for row in model.Session.execute(sa.text(
        "SELECT id FROM package WHERE type = 'dataset' AND state = 'active' ORDER BY name"))]
    ckan_search.clear_all()
    for start in range(0, len(ids), 100):
        bulk.index_chunk(ids[start:start + 100])
    ckan_search.commit()
    return len(ids)


def solr_update_requests(core_url: str) -> int | None:
    """How many update requests the core has answered (Solr's metrics);
    ``None`` for a SolrCloud collection, whose replicas also count the
    updates forwarded among them (``make test``'s standalone core counts)."""
    base, core = core_url.rstrip("/").rsplit("/", 1)
    response = requests.get(f"{base}/admin/metrics", timeout=30, params={
        "group": "core", "prefix": "UPDATE./update.requests", "wt": "json"})
    response.raise_for_status()
    metrics = response.json()["metrics"].get(f"solr.core.{core}")
    return None if metrics is None else metrics["UPDATE./update.requests"]
