"""``ckan govshare search rebuild`` writes the documents CKAN's own rebuild
writes (search/bulk.py reads once per chunk what they need)."""
from __future__ import annotations

import copy
import datetime

import pytest
import sqlalchemy as sa

import ckan.lib.search as ckan_search
import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare.search import bulk, client
from tests import factories
from tests.search.conftest import engine, solr_update_requests, solr_url_or_skip


@pytest.fixture()
def catalog():
    """Datasets with what a document is made of: resources, tags (one in a
    vocabulary), groups, catalog extras, a relationship, tiers, a private one,
    downloads, two organizations."""
    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"], "ignore_auth": True}
    vocabulary = helpers.call_action("vocabulary_create", context=dict(context),
                                     name="topics", tags=[{"name": "交通"}])
    jiaotong = factories.Organization(title="市交通运输局")
    huanjing = factories.Organization(title="市生态环境局")
    group = factories.Group(title="交通出行")
    datasets = [
        factories.Dataset(
            owner_org=jiaotong["id"], title=" 城市公交线路 ", notes="全市公交线路走向与站点信息。",
            groups=[{"name": group["name"]}],
            tags=[{"name": "公交"}, {"name": "交通", "vocabulary_id": vocabulary["id"]}],
            resources=[{"url": "http://example.com/b.csv", "format": "CSV", "name": "线路"},
                       {"url": "http://example.com/a.json", "format": "JSON",
                        "description": "站点 stations"}]),
        factories.Dataset(owner_org=jiaotong["id"], title="Bus routes", notes="Routes and stops.",
                          open_tier="conditional",
                          resources=[{"url": "http://example.com/r.csv", "format": "CSV"}]),
        factories.Dataset(owner_org=huanjing["id"], title="地表水水质月报", private=True,
                          tags=[{"name": "水质"}]),
        factories.Dataset(owner_org=huanjing["id"], title="不予开放的名录", open_tier="closed"),
    ]
    helpers.call_action("package_relationship_create", context=dict(context),
                        subject=datasets[0]["id"], object=datasets[1]["id"],
                        type="links_to")
    model.Session.execute(sa.text(
        "INSERT INTO govshare_download_count (resource_id, day, package_id, count)"
        " VALUES (:r, :d, :p, 7), (:r, :e, :p, 5)"),
        {"r": datasets[0]["resources"][0]["id"], "p": datasets[0]["id"],
         "d": datetime.date(2026, 1, 1), "e": datetime.date(2026, 1, 2)})
    model.Session.commit()
    return [d["id"] for d in datasets]


def documents(index, monkeypatch) -> list[dict]:
    """The documents ``index()`` hands to the engine, in order."""
    sent: list[dict] = []

    def add(self, docs, commit=True, **kwargs):
        sent.extend(copy.deepcopy(list(docs)))
        return ""

    with monkeypatch.context() as patch:
        patch.setattr(client.PostgresSearchClient, "add", add)
        index()
    model.Session.remove()
    return sent


@pytest.mark.usefixtures("with_plugins", "clean_db", "with_request_context")
class TestBulkIndexing:
    def test_documents_are_those_of_ckans_rebuild(self, catalog, monkeypatch):
        ids = sorted(catalog)
        ckans = documents(lambda: ckan_search.rebuild(package_ids=ids, defer_commit=True,
                                                      quiet=True), monkeypatch)
        ours = documents(lambda: bulk.index_chunk(ids), monkeypatch)
        assert len(ckans) == len(ids)
        assert ours == ckans
        # the same text too: data_dict and the validated copy are JSON
        assert [d["data_dict"] for d in ours] == [d["data_dict"] for d in ckans]
        first = next(d for d in ours if d["id"] == catalog[0])
        assert first["resources_accessed_total"] == 12
        assert first["organization_title"] == "市交通运输局"
        assert first["vocab_topics"] == ["交通"]
        assert first["links_to"]

    def test_other_datasets_are_dictized_by_ckan(self, catalog, monkeypatch):
        """Only the chunk's own dicts are handed to package_show, and only
        while the chunk is indexed."""
        from ckan.lib.dictization import model_dictize

        original = model_dictize.package_dictize
        sent = documents(lambda: bulk.index_chunk(catalog[:1]), monkeypatch)
        assert [d["id"] for d in sent] == catalog[:1]
        assert model_dictize.package_dictize is original
        other = factories.Dataset(title="另一个数据集")
        assert helpers.call_action("package_show", id=other["id"])["title"] == "另一个数据集"

    def test_rebuild_command_indexes_with_it(self, catalog, cli):
        from ckan.cli.cli import ckan

        result = cli.invoke(ckan, ["govshare", "search", "rebuild", "--clear", "-w", "1"])
        assert result.exit_code == 0, result.output
        found = helpers.call_action("package_search", q="公交")
        assert [r["id"] for r in found["results"]] == [catalog[0]]


@pytest.mark.usefixtures("with_plugins", "clean_db", "with_request_context")
class TestBulkIndexingIntoSolr:
    def test_a_chunk_is_one_request(self, catalog):
        solr_url = solr_url_or_skip()
        with engine("solr", solr_url):
            ckan_search.clear_all()
            before = solr_update_requests(solr_url)
            bulk.index_chunk(catalog)
            if before is not None:
                # CKAN's index_package sends each dataset in a request of its own
                assert solr_update_requests(solr_url) - before == 1
            ckan_search.commit()
            found = helpers.call_action("package_search", q="*:*", rows=100,
                                        include_private=True,
                                        context={"ignore_auth": True})
            assert sorted(r["id"] for r in found["results"]) == sorted(catalog)
            ckan_search.clear_all()

    def test_a_refused_chunk_is_a_search_index_error(self, catalog):
        missing_core = solr_url_or_skip().rstrip("/") + "-no-such-core"
        with engine("solr", missing_core):
            with pytest.raises(ckan_search.SearchIndexError, match="Solr returned an error"):
                bulk.index_chunk(catalog)
