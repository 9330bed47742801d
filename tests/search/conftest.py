"""Search tests run on the embedded engine and, where one is given, on Solr."""
from __future__ import annotations

import os

import pytest

from ckanext.govshare import options
from ckanext.govshare.search.backend import EMBEDDED_URL

SOLR_URL_VARIABLE = "GOVSHARE_TEST_SOLR_URL"


@pytest.fixture(params=["postgres", "solr"])
def search_backend(request, ckan_config, monkeypatch):
    """Selects the engine before ``with_plugins`` loads the plugin.

    Use it before ``with_plugins`` in ``usefixtures``.
    """
    if request.param == "solr":
        url = os.environ.get(SOLR_URL_VARIABLE)
        if not url:
            pytest.skip(f"{SOLR_URL_VARIABLE} is not set: no Solr to run this test against")
        ckan_config["solr_url"] = url
        monkeypatch.setenv("CKAN_SOLR_URL", url)
        ckan_config[options.SEARCH_BACKEND] = "solr"
    else:
        # solr_url is required by CKAN even while the embedded engine answers
        ckan_config["solr_url"] = EMBEDDED_URL
        monkeypatch.setenv("CKAN_SOLR_URL", EMBEDDED_URL)
        ckan_config[options.SEARCH_BACKEND] = "postgres"
    return request.param
