"""A dataset is indexed once per commit (search/index_once.py): CKAN told
its indexer of a dataset created with resources twice in the same commit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare.search import index_once
from tests import factories
from tests.search.conftest import solr_update_requests, solr_url_or_skip


def index_writes(engine: str) -> int:
    """How many times the engine in place has been written to: the embedded
    index's generation (every write bumps it), Solr's update requests."""
    if engine in ("postgres", "postings"):
        generation = model.Session.execute(sa.text(
            "SELECT generation FROM govshare_search_meta")).scalar()
        model.Session.remove()
        return generation
    count = solr_update_requests(solr_url_or_skip())
    if count is None:
        pytest.skip("a SolrCloud collection counts forwarded updates too (make test checks this"
                    " on a standalone core)")
    return count


def search(q: str) -> list[str]:
    return [r["name"] for r in helpers.call_action("package_search", q=q)["results"]]


@pytest.mark.usefixtures("search_backend", "with_plugins", "clean_db")
class TestOncePerCommit:
    def test_a_dataset_created_with_resources_is_indexed_once(self, search_backend):
        assert index_once._original is not None  # installed by the plugin
        org = factories.Organization()
        before = index_writes(search_backend)
        factories.Dataset(name="bus-lines", owner_org=org["id"], resources=[
            {"url": "http://example.com/a.csv", "format": "CSV", "name": "Stops"},
            {"url": "http://example.com/b.csv", "format": "CSV", "name": "Timetables"}])
        assert index_writes(search_backend) - before == 1
        assert search("res_name:timetables") == ["bus-lines"]

    def test_each_later_change_is_indexed(self, search_backend):
        org = factories.Organization()
        dataset = factories.Dataset(name="bus-lines", owner_org=org["id"])
        context = {"user": factories.Sysadmin()["name"]}
        before = index_writes(search_backend)
        helpers.call_action("resource_create", context=dict(context), package_id=dataset["id"],
                            url="http://example.com/c.csv", name="Fares")
        assert index_writes(search_backend) - before == 1
        assert search("res_name:fares") == ["bus-lines"]
        helpers.call_action("package_patch", context=dict(context), id=dataset["id"],
                            title="Ferry lines")
        assert index_writes(search_backend) - before == 2
        assert search("title:ferry") == ["bus-lines"]
        helpers.call_action("package_delete", context=dict(context), id=dataset["id"])
        assert search("title:ferry") == []
