"""Catalog fields in the search index: plain strings usable in ``fq`` and facets,
information items as text, and a Solr-compatible document."""
from __future__ import annotations

import pytest

import ckan.lib.search.index as search_index
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.catalog import index as catalog_index
from tests import factories

#: Fields CKAN's Solr schema declares multi-valued (the rest take one value).
MULTI_VALUED = {"tags", "groups", "res_name", "res_description", "res_format", "res_url",
                "res_type", "permission_labels", "urls", "text"}


def search(**kwargs):
    return helpers.call_action("package_search", **kwargs)


def names(result) -> set[str]:
    return {r["name"] for r in result["results"]}


@pytest.fixture()
def catalog():
    org = factories.Organization(name="jiaotong", title="市交通运输局")
    return {
        "open": factories.Dataset(name="bus-routes", owner_org=org["id"],
                                  info_items=[{"name": "泊位数", "type": "integer",
                                               "description": "停车泊位的数量"}]),
        "conditional": factories.Dataset(name="licences", owner_org=org["id"],
                                         open_tier="conditional",
                                         data_format=["CSV", "XLSX"]),
        "conditional2": factories.Dataset(name="penalties", owner_org=org["id"],
                                          open_tier="conditional"),
    }


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestCatalogFieldsInSearch:
    def test_filter_on_open_tier(self, catalog):
        assert names(search(fq="open_tier:conditional")) == {"licences", "penalties"}
        assert names(search(fq="open_tier:unconditional")) == {"bus-routes"}
        assert names(search(q="open_tier:conditional AND name:licences")) == {"licences"}

    def test_open_tier_facet_with_labels(self, catalog):
        result = search(**{"facet.field": '["open_tier"]'})
        assert result["facets"]["open_tier"] == {"conditional": 2, "unconditional": 1}
        items = {i["name"]: i["display_name"]
                 for i in result["search_facets"]["open_tier"]["items"]}
        assert items == {"conditional": "有条件开放", "unconditional": "无条件开放"}

    def test_other_choice_fields_filter_too(self, catalog):
        assert names(search(fq="resource_category:basic")) == {
            "bus-routes", "licences", "penalties"}
        assert names(search(fq="extras_data_format:XLSX")) == {"licences"}

    def test_information_items_are_searchable_text(self, catalog):
        assert names(search(q="泊位数")) == {"bus-routes"}
        assert names(search(q="停车泊位")) == {"bus-routes"}

    def test_index_document_is_solr_compatible(self, catalog, monkeypatch):
        sent = []

        class Capture:
            def add(self, docs, commit=True):
                sent.extend(docs)

        # The one stand-in: Solr, which does not run here. This checks the document
        # CKAN hands to a Solr client; the embedded engine normalises values on
        # the way in, so its tables cannot show what Solr would have received.
        monkeypatch.setattr(search_index, "make_connection", lambda: Capture())
        search_index.PackageSearchIndex().index_package(
            # as CKAN's indexing reads it: unvalidated, from the database
            helpers.call_action("package_show", {"validate": False, "use_cache": False},
                                id="bus-routes"))
        (doc,) = sent
        for key, value in doc.items():
            assert not isinstance(value, dict), key
            if isinstance(value, list):
                assert key in MULTI_VALUED, key
                assert all(isinstance(v, (str, type(None))) for v in value), key
        assert doc["open_tier"] == "unconditional"
        assert doc["data_format"] == "CSV"
        # the items are text in extras_info_items* fields (copied into ``text``), never
        # the list of dicts (ckanext-dcat, when enabled, flattens them per sub-field first)
        assert "info_items" not in doc
        item_text = " ".join(v for k, v in doc.items() if k.startswith("extras_info_items"))
        assert "泊位数" in item_text and "停车泊位的数量" in item_text


class TestBeforeIndex:
    def test_information_items_as_a_list(self):
        # what the index gets once the show schema has turned the extra into a list
        doc = catalog_index.before_dataset_index({"info_items": [
            {"name": "泊位数", "type": "integer", "description": "停车泊位的数量"}]})
        assert doc == {"extras_info_items": "泊位数 停车泊位的数量"}

    def test_structured_values_become_text(self):
        doc = catalog_index.before_dataset_index({
            "info_items": '[{"name": "线路编号", "type": "string"}, {"name": "站点数"}]',
            "extras_info_items": '[{"name": "线路编号", "type": "string"}, {"name": "站点数"}]',
            "data_format": '["CSV", "JSON"]', "extras_data_format": '["CSV", "JSON"]',
            "open_method": "[]", "extras_open_method": "[]",
            "other": [{"a": 1}], "tags": ["公交"], "data_dict": "{}",
        })
        assert doc == {
            "extras_info_items": "线路编号\n站点数",
            "data_format": "CSV JSON", "extras_data_format": "CSV JSON",
            "other": '[{"a": 1}]', "tags": ["公交"], "data_dict": "{}",
        }


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestFacetOnPages:
    def test_dataset_page_shows_the_open_tier_facet(self, app, catalog):
        body = app.get(url_for("dataset.search")).get_data(as_text=True)
        with app.flask_app.test_request_context():
            title = tk._("Openness tier")
        assert title == "开放类型"
        assert title in body
        assert "有条件开放" in body and "无条件开放" in body

    def test_english_page(self, app, catalog):
        body = app.get("/en" + url_for("dataset.search")).get_data(as_text=True)
        assert "Openness tier" in body
        assert "Open on conditions" in body

    def test_organization_page_has_the_facet_too(self, app, catalog):
        body = app.get(url_for("organization.read", id="jiaotong")).get_data(as_text=True)
        assert "开放类型" in body and "有条件开放" in body


def test_open_tier_is_a_configured_facet():
    assert "open_tier" in tk.config.get("search.facets")
    assert "open_tier" in tk.config.get(options.SEARCH_FACET_FIELDS)
