"""Search tests run on the embedded engine and, where one is given, on Solr."""
from __future__ import annotations

import os

import pytest

from ckanext.govshare import options
from ckanext.govshare.search import backend
from ckanext.govshare.search.backend import EMBEDDED_URL

SOLR_URL_VARIABLE = "GOVSHARE_TEST_SOLR_URL"
#: set by scripts/test.sh when it tried to start Solr and could not: the
#: reason the Solr variants are skipped
SOLR_UNAVAILABLE_VARIABLE = "GOVSHARE_TEST_SOLR_UNAVAILABLE"


@pytest.fixture(params=["postgres", "solr"])
def search_backend(request, ckan_config, monkeypatch, _environment):
    """Puts the engine of the test's parameter in place.

    The engine is chosen when the plugin loads (``search.backend.install``
    from ``update_config``), and the autouse ``_environment`` fixture has
    loaded the plugins before this fixture runs. Reloading them for each
    engine costs seconds a test, so the choice is made again here the way
    the plugin makes it, and undone after the test.
    """
    keys = ("solr_url", options.SEARCH_BACKEND)
    loaded = {key: ckan_config.get(key) for key in keys}
    if request.param == "solr":
        ckan_config["solr_url"] = solr_url_or_skip()
        ckan_config[options.SEARCH_BACKEND] = "solr"
    else:
        # solr_url is required by CKAN even while the embedded engine answers
        ckan_config["solr_url"] = EMBEDDED_URL
        ckan_config[options.SEARCH_BACKEND] = "postgres"
    monkeypatch.setenv("CKAN_SOLR_URL", ckan_config["solr_url"])
    _choose_engine(ckan_config)
    # the engine that answers is the one the test is named after (the Solr
    # variants once ran on the embedded engine, unnoticed)
    assert backend.is_installed() == (request.param == "postgres")
    yield request.param
    # the loaded environment's engine again, for the tests that follow
    for key, value in loaded.items():
        if value is None:
            ckan_config.pop(key, None)
        else:
            ckan_config[key] = value
    _choose_engine(ckan_config)


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
