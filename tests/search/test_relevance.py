"""Search relevance over the demo catalog: the judged queries of
``relevance.yaml``, searched as an anonymous visitor does (``package_search``
with ``q`` and ``rows`` only, the default sort), must reach P@3 and MRR of
0.9, find something for every query, and hit at least once in every kind.

A failure prints the whole table (query, kind, rank of the first relevant
result, count, top 3) and the figures. ``bench/relevance.py`` prints the same
against a running portal.

The demo's metadata is loaded once for the module, through the create actions
with the loader's own dictionaries (``loader.group_dict``,
``loader.dataset_dict``), its files as link resources: the files' contents are
never indexed, and uploading them (with the DataStore jobs and the personal
data scan of the review) is what makes a full demo load take 20-35 s.
"""
from __future__ import annotations

from pathlib import PurePosixPath

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.demo import loader
from tests.search import relevance

CATALOG = loader.load_catalog()
KINDS, QUERIES = relevance.load_set()
AGENCY_KINDS = ("agency", "agency_short")


def _open(ds: dict) -> bool:
    return (ds.get("catalog") or {}).get("open_tier") != "closed"


OPEN_DATASETS = {ds["name"]: ds for ds in CATALOG["datasets"] if _open(ds)}
CLOSED_DATASETS = {ds["name"] for ds in CATALOG["datasets"] if not _open(ds)}


def _load_demo_metadata() -> None:
    """The demo's organizations, groups and datasets, as the loader would
    create them, each dataset with its resources in one ``package_create``."""
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    site_url = tk.config.get("ckan.site_url")
    # as the loader: a new group has no datasets, so no counting search
    no_counts: dict[str, dict[str, int]] = {"owner_org": {}, "groups": {}}
    for item in CATALOG["organizations"]:
        tk.get_action("organization_create")(
            {"user": user, "dataset_counts": no_counts}, loader.group_dict(item, is_org=True))
    for item in CATALOG["groups"]:
        tk.get_action("group_create")(
            {"user": user, "dataset_counts": no_counts}, loader.group_dict(item))
    for ds in CATALOG["datasets"]:
        data = loader.dataset_dict(ds)
        data["resources"] = [demo_resource(res, site_url) for res in ds["resources"]]
        tk.get_action("package_create")({"user": user, "return_id_only": True}, data)


def demo_resource(res: dict, site_url: str) -> dict:
    """A demo catalog resource as a link (the index reads its URL, not its
    bytes), for ``package_create``."""
    if res.get("file"):
        # an uploaded file's URL ends with its name, as here
        url = f"{site_url}/download/{PurePosixPath(res['file']).name}"
    else:
        url = loader.resource_url(res["url"], site_url)
    return {"name": res["name"], "description": (res.get("description") or "").strip(),
            "format": res["format"], "url": url}


@pytest.fixture(scope="module")
def outcomes(module_db) -> list[relevance.Outcome]:
    """Every query of the set, searched once as an anonymous visitor."""
    _load_demo_metadata()
    found = []
    for query in QUERIES:
        # call_action skips authorization unless told not to: package_search
        # would then search as a sysadmin, closed datasets included
        result = helpers.call_action("package_search", {"user": "", "ignore_auth": False},
                                     q=query.q, rows=relevance.ROWS)
        found.append(relevance.Outcome(
            query=query, count=result["count"],
            names=tuple(r["name"] for r in result["results"]),
            corrected_q=result.get("corrected_q")))
    return found


# ------------------------------------------------------------------ the set itself
def test_the_set_is_large_and_varied():
    assert len(QUERIES) >= 60
    texts = [q.q for q in QUERIES]
    assert len(set(texts)) == len(texts), "a query is in the set twice"
    used = {q.kind for q in QUERIES}
    assert used == set(KINDS), "every declared kind is used, and only those"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.q)
def test_answers_are_open_datasets_of_the_demo(query):
    """Judged answers exist and are open to the public: a closed dataset is
    never the answer to an anonymous visitor's query."""
    assert query.relevant
    assert not set(query.relevant) & CLOSED_DATASETS
    assert set(query.relevant) <= set(OPEN_DATASETS)


@pytest.mark.parametrize("query", [q for q in QUERIES if q.kind in AGENCY_KINDS],
                         ids=lambda q: q.q)
def test_agency_queries_are_answered_by_all_the_agency_open_datasets(query):
    orgs = {OPEN_DATASETS[name]["organization"] for name in query.relevant}
    assert len(orgs) == 1
    (org,) = orgs
    assert set(query.relevant) == {name for name, ds in OPEN_DATASETS.items()
                                   if ds["organization"] == org}


# ------------------------------------------------------------------ the engine
def test_the_searches_are_the_public_s(outcomes):
    """Searched as an anonymous visitor: no closed dataset in any result."""
    shown = {o.query.q: sorted(set(o.names) & CLOSED_DATASETS) for o in outcomes}
    assert not {q: names for q, names in shown.items() if names}


def test_every_query_finds_something(outcomes):
    result = relevance.figures(outcomes)
    assert not result.zero_results, relevance.report(outcomes)


def test_precision_at_3(outcomes):
    result = relevance.figures(outcomes)
    assert result.precision_at_3 >= relevance.MIN_PRECISION_AT_3, relevance.report(outcomes)


def test_mean_reciprocal_rank(outcomes):
    result = relevance.figures(outcomes)
    assert result.mrr >= relevance.MIN_MRR, relevance.report(outcomes)


def test_every_kind_has_a_hit(outcomes):
    """No kind of query is silently broken."""
    result = relevance.figures(outcomes)
    assert not result.kinds_without_a_hit, relevance.report(outcomes)
