"""Counts and facets from posting bitmaps (``search/postings.py``) are the
SQL's, exactly, and stay so while the catalog changes under them.

Every search test also runs with the postings (``search_backend``'s
``postings`` variant); these tests change the catalog between a posting's
computation and the next search, which is where a cache goes stale: a
dataset made private must not be counted for a visitor from an old
``l:public`` bitmap.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from pyroaring import BitMap

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.search import client
from ckanext.govshare.search.query import match_plan, tsquery_plan
from tests import factories
from tests.search.conftest import postings_always
from tests.search.test_package_search import as_sysadmin

FACETS = '["organization", "tags", "res_format"]'
QUERIES = [
    {"q": "公交"},
    {"q": "公交 线路"},
    {"q": "公交 -线路"},
    {"q": "*:*"},
    {"fq": "tags:地铁"},
    {"q": "air quality"},  # a phrase: its posting kept in the process only
    {"q": "公交 OR 水质", "fq": "res_format:CSV"},
]
#: first pages in listing orders (``o:`` postings) and by relevance, whose
#: ties (the titles with the word once) are taken in the order after it
PAGES = [
    {"q": "公交"},
    {"q": "公交", "sort": "metadata_modified desc"},
    {"q": "公交 OR 水质", "sort": "title_string asc"},
    {"q": "公交 OR 水质", "sort": "score desc, metadata_modified desc"},
    {"fq": "tags:地铁", "sort": "metadata_modified desc"},  # no words, few match
    {"q": "air quality"},  # a phrase
]


def answer(user: dict | None, **params) -> tuple[int, dict]:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    result = helpers.call_action("package_search", context=context, include_private=True,
                                 rows=0, **{"facet.field": FACETS, **params})
    facets = {name: {item["name"]: item["count"] for item in facet["items"]}
              for name, facet in result["search_facets"].items()}
    return result["count"], facets


def page(user: dict | None, **params) -> list[tuple[str, float]]:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    result = helpers.call_action("package_search", context=context, include_private=True,
                                 fl="name,score", **params)
    return [(r["name"], r.get("score")) for r in result["results"]]


def pages_by_sql_and_by_postings(user, **params) -> tuple[list, list]:
    """The first pages, one to three datasets long, by the engine's SQL
    and then ranked from postings' candidates: few candidates are read,
    and the buckets' edge must be lowered to be sure of the last ones."""
    asked = [dict(params, rows=rows, start=start) for rows in (1, 2, 3) for start in (0, 1, 2)]
    by_sql = [page(user, **p) for p in asked]
    with postings_always():
        by_postings = [page(user, **p) for p in asked]
    return by_sql, by_postings


def by_sql_and_by_postings(user, **params) -> tuple[tuple, tuple]:
    """The same search by the engine's SQL, then by its postings."""
    by_sql = answer(user, **params)
    with postings_always():
        by_postings = answer(user, **params)
    return by_sql, by_postings


def stored_postings() -> dict[str, int]:
    rows = model.Session.execute(sa.text(
        "SELECT key, generation FROM govshare_search_posting")).fetchall()
    model.Session.remove()
    return dict(rows)


def scalar(sql: str):
    value = model.Session.execute(sa.text(sql)).scalar()
    model.Session.remove()
    return value


@pytest.fixture()
def catalog(clean_db, with_plugins):
    org = factories.Organization(name="jiaotong")
    other = factories.Organization(name="shuiwu")
    member = factories.User()
    helpers.call_action("organization_member_create", id=org["id"],
                        username=member["name"], role="member")
    made = {"org": org, "other": other, "member": member, "datasets": []}
    for i, (title, tags, fmt) in enumerate([
            ("公交线路表", ["公交", "地铁"], "CSV"), ("公交站点", ["公交"], "JSON"),
            ("地铁线路", ["地铁"], "CSV"), ("水质监测", ["水务"], "XLSX"),
            ("Air quality daily", ["空气"], "CSV"), ("公交客流", ["公交"], "CSV")]):
        made["datasets"].append(factories.Dataset(
            owner_org=(org if i % 2 == 0 else other)["id"], title=title,
            tags=[{"name": t} for t in tags],
            resources=[{"url": f"http://example.com/{i}.{fmt.lower()}", "format": fmt}]))
    made["private"] = factories.Dataset(owner_org=org["id"], title="公交内部调度", private=True,
                                        tags=[{"name": "公交"}])
    # for ``公交 OR 水质``: the first scores highest in one word (its bucket
    # is read first) and lower on average than the second, which has both
    factories.Dataset(owner_org=org["id"], title="公交 公交 公交 汇总")
    factories.Dataset(owner_org=other["id"], title="公交水质对照")
    # the planner's count of documents, against which a listing without
    # words that most of them match goes to SQL
    client.analyze()
    return made


@pytest.mark.usefixtures("catalog")
class TestTheSameAnswer:
    def test_each_query_for_a_visitor_and_a_member(self, catalog):
        for user in (None, catalog["member"]):
            for params in QUERIES + [{"q": "notes:信息"}]:  # a stop word: nothing
                by_sql, by_postings = by_sql_and_by_postings(user, **params)
                assert by_postings == by_sql, (user, params)
        # they came from postings: the words, the labels and the facet fields
        keys = stored_postings()
        assert {"t:公交", "l:public", "F:organization", "F:tags", "F:res_format"} <= set(keys)
        assert not any("air" in key for key in keys)  # the phrase's is not stored

    def test_first_pages_in_the_same_order(self, catalog):
        for user in (None, catalog["member"]):
            for params in QUERIES[:4] + [{"q": "公交线路表"}, {"q": "线路 OR 站点 OR 客流"},
                                         {"q": "公交 OR 水质"}]:
                by_sql, by_postings = pages_by_sql_and_by_postings(user, **params)
                assert by_postings == by_sql, (user, params)
        assert any(key.startswith("r:") for key in stored_postings())

    def test_a_member_counts_the_private_dataset_a_visitor_does_not(self, catalog):
        with postings_always():
            visitor = answer(None, q="公交")
            member = answer(catalog["member"], q="公交")
        assert member[0] == visitor[0] + 1
        assert member[1]["tags"]["公交"] == visitor[1]["tags"]["公交"] + 1

    def test_a_negated_column_holds_where_the_column_is_empty(self, catalog):
        # a document indexed without ``entity_type`` (as Solr allows): the
        # postings' NOT is every document but those with the value, which
        # is Solr's; the SQL's must be too, for counts and pages alike
        doc_id = scalar("SELECT doc_id FROM govshare_search_doc d JOIN package p"
                        " ON p.id = d.id WHERE p.title = '公交站点'")
        for table in ("govshare_search_doc", "govshare_search_text"):
            model.Session.execute(sa.text(
                f"UPDATE {table} SET entity_type = NULL WHERE doc_id = :id"), {"id": doc_id})
        model.Session.commit()
        negated = {"q": "公交", "fq": "-entity_type:organization"}
        by_sql, by_postings = by_sql_and_by_postings(None, **negated)
        assert by_postings == by_sql
        assert by_sql[0] == answer(None, q="公交")[0]
        by_sql, by_postings = pages_by_sql_and_by_postings(None, **negated)
        assert by_postings == by_sql


@pytest.mark.usefixtures("catalog")
class TestChangesAfterThePostings:
    """Each change comes after the postings were computed and stored."""

    @pytest.fixture(autouse=True)
    def computed(self, catalog):
        for params in QUERIES:
            by_sql_and_by_postings(None, **params)
        for params in PAGES:
            pages_by_sql_and_by_postings(None, **params)
        assert {"o:metadata_modified DESC", "o:title_string ASC",
                "o:resources_accessed_total DESC,metadata_modified DESC"} <= set(stored_postings())

    def same_answers(self, catalog) -> None:
        for user in (None, catalog["member"]):
            for params in QUERIES:
                by_sql, by_postings = by_sql_and_by_postings(user, **params)
                assert by_postings == by_sql, (user, params)
            for params in PAGES:
                by_sql, by_postings = pages_by_sql_and_by_postings(user, **params)
                assert by_postings == by_sql, (user, params)

    def test_a_phrase_kept_in_the_process_sees_the_changes_after_it(self, catalog):
        from ckanext.govshare.search import postings

        with postings_always():
            before = answer(None, q="air quality")
            phrases = [key for key in postings._cache.items if key.startswith("q:")]
            assert phrases and not set(phrases) & set(stored_postings())
            as_sysadmin("package_patch", id=catalog["datasets"][4]["id"], private=True)
            assert postings._cache.get(phrases[0]).generation < scalar(
                "SELECT generation FROM govshare_search_meta")
            after = answer(None, q="air quality")
        assert after[0] == before[0] - 1
        assert after == answer(None, q="air quality")  # by SQL

    def test_a_dataset_modified_moves_in_the_orders(self, catalog):
        # its words' postings computed after the change, the orders before:
        # its place in them is not the one they keep
        as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], notes="改过")
        model.Session.execute(sa.text(
            "DELETE FROM govshare_search_posting WHERE key NOT LIKE 'o:%'"))
        model.Session.commit()
        self.same_answers(catalog)

    def test_a_dataset_made_private(self, catalog):
        before = answer(None, q="公交")[0]
        as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], private=True)
        with postings_always():
            assert answer(None, q="公交")[0] == before - 1
        self.same_answers(catalog)

    def test_a_private_dataset_made_public(self, catalog):
        before = answer(None, q="公交")[0]
        as_sysadmin("package_patch", id=catalog["private"]["id"], private=False)
        with postings_always():
            assert answer(None, q="公交")[0] == before + 1
        self.same_answers(catalog)

    def test_a_dataset_deleted_and_one_created(self, catalog):
        as_sysadmin("package_delete", id=catalog["datasets"][1]["id"])
        factories.Dataset(owner_org=catalog["other"]["id"], title="公交票价",
                          tags=[{"name": "票价"}])
        self.same_answers(catalog)

    def test_tags_and_formats_changed(self, catalog):
        dataset = catalog["datasets"][2]
        as_sysadmin("package_patch", id=dataset["id"],
                            tags=[{"name": "公交"}, {"name": "新标签"}])
        as_sysadmin("resource_patch", id=dataset["resources"][0]["id"], format="XML")
        self.same_answers(catalog)

    @pytest.mark.ckan_config(options.SEARCH_POSTINGS_REFRESH_AFTER, 1)
    def test_many_changes_bring_the_postings_up_to_date(self, catalog):
        generation_before = max(stored_postings().values())
        as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], private=True)
        as_sysadmin("package_patch", id=catalog["datasets"][3]["id"],
                            tags=[{"name": "公交"}])
        self.same_answers(catalog)
        generation = scalar("SELECT generation FROM govshare_search_meta")
        assert stored_postings()["t:公交"] == generation > generation_before
        # the changes no stored posting needs are forgotten, the horizon with them
        horizon = scalar("SELECT postings_horizon FROM govshare_search_meta")
        assert horizon == min(stored_postings().values())
        assert scalar(f"SELECT count(*) FROM govshare_search_change"
                      f" WHERE generation <= {horizon}") == 0

    @pytest.mark.ckan_config(options.SEARCH_POSTINGS_REFRESH_AFTER, 0)
    def test_a_posting_older_than_the_horizon_is_computed_again(self, catalog):
        # only this query's postings, so that bringing them up to date moves
        # the horizon past every change
        model.Session.execute(sa.text("DELETE FROM govshare_search_posting"))
        model.Session.commit()
        by_sql_and_by_postings(None, q="公交")
        # a process that computed ``l:public`` before the change and stores it
        # only after the changes it would need were forgotten
        late = model.Session.execute(sa.text(
            "SELECT generation, bits FROM govshare_search_posting WHERE key = 'l:public'")
        ).fetchone()
        model.Session.remove()
        before = answer(None, q="公交")[0]
        as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], private=True)
        by_sql_and_by_postings(None, q="公交")  # up to date; the changes forgotten
        assert scalar("SELECT count(*) FROM govshare_search_change") == 0
        model.Session.execute(sa.text(
            "UPDATE govshare_search_posting SET generation = :generation, bits = :bits"
            " WHERE key = 'l:public'"), {"generation": late[0], "bits": late[1]})
        model.Session.commit()
        with postings_always():
            assert answer(None, q="公交")[0] == before - 1

    @pytest.mark.ckan_config(options.SEARCH_POSTINGS_KEEP_GENERATIONS, 0)
    @pytest.mark.ckan_config(options.SEARCH_POSTINGS_REFRESH_AFTER, 0)
    def test_postings_nobody_brought_up_to_date_are_dropped(self, catalog):
        as_sysadmin("package_patch", id=catalog["datasets"][3]["id"], private=True)
        by_sql_and_by_postings(None, q="水质")  # its postings brought up to date, stored
        generation = scalar("SELECT generation FROM govshare_search_meta")
        # the others were older than the last generation: dropped, and with
        # them every change they kept
        assert set(stored_postings().values()) == {generation}
        assert "t:线路" not in stored_postings()
        assert scalar("SELECT count(*) FROM govshare_search_change") == 0
        self.same_answers(catalog)

    def test_a_rebuild_forgets_every_posting(self, catalog):
        from tests import cli_runner

        result = cli_runner.invoke("govshare", "search", "rebuild", "-w", "1")
        assert result.exit_code == 0, result.output
        # a small index (under postings_from) has no use for them
        assert "正在计算检索位图" not in result.output
        assert stored_postings() == {}
        with postings_always():
            result = cli_runner.invoke("govshare", "search", "rebuild", "-w", "1")
        assert result.exit_code == 0, result.output
        assert scalar("SELECT count(*) FROM govshare_search_change") == 0
        # and computes the broad ones again, at the rebuilt index's generation
        assert "正在计算检索位图" in result.output
        generation = scalar("SELECT generation FROM govshare_search_meta")
        warmed = stored_postings()
        assert {"*", "l:public", "c:state:active", "F:organization", "F:tags",
                "F:res_format"} <= set(warmed)
        assert set(warmed.values()) == {generation}
        # the words: the vectors' most common lexemes in the planner's statistics
        common = scalar("SELECT most_common_elems::text::text[] FROM pg_stats WHERE"
                        " tablename = 'govshare_search_text' AND attname = 'tsv'") or []
        assert {k for k in warmed if k.startswith("t:")} == {f"t:{x}" for x in common}
        self.same_answers(catalog)

    def test_the_postings_command_computes_them_again(self, catalog):
        from ckanext.govshare.search.postings import Posting, orders
        from tests import cli_runner

        # postings of the index's generation kept another way (an older
        # version's score buckets): the command replaces them too
        old_way = Posting(0, values={"3": BitMap([1])}).serialize()
        model.Session.execute(sa.text(
            "UPDATE govshare_search_posting SET bits = :bits WHERE key LIKE 'r:%'"),
            {"bits": old_way})
        model.Session.commit()
        assert scalar("SELECT count(*) FROM govshare_search_posting WHERE key LIKE 'r:%'")
        with postings_always():
            result = cli_runner.invoke("govshare", "search", "postings")
        assert result.exit_code == 0, result.output
        assert "正在计算检索位图" in result.output
        assert scalar(f"SELECT count(*) FROM govshare_search_posting"
                      f" WHERE bits = '\\x{old_way.hex()}'::bytea") == 0
        generation = scalar("SELECT generation FROM govshare_search_meta")
        warmed = stored_postings()
        assert {"*", "l:public", *orders()} <= set(warmed)
        assert set(warmed.values()) == {generation}
        self.same_answers(catalog)


@pytest.mark.usefixtures("catalog")
def test_with_no_posting_stored_writes_keep_no_changes(catalog):
    model.Session.execute(sa.text("DELETE FROM govshare_search_posting"))
    model.Session.commit()
    as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], private=True)
    assert scalar("SELECT count(*) FROM govshare_search_change") == 0
    assert scalar("SELECT postings_horizon = generation FROM govshare_search_meta")
    # postings computed now are exact, and keep the changes after them
    by_sql, by_postings = by_sql_and_by_postings(None, q="公交")
    assert by_postings == by_sql
    as_sysadmin("package_patch", id=catalog["datasets"][0]["id"], private=False)
    assert scalar("SELECT count(*) FROM govshare_search_change") == 1
    by_sql, by_postings = by_sql_and_by_postings(None, q="公交")
    assert by_postings == by_sql


def test_the_orders_the_search_page_offers_are_kept_as_postings(app):
    from ckanext.govshare.search import postings

    page = app.get("/dataset/").body
    offered = re.findall(r'<option value="([^"]+)"', page.split('name="sort"', 1)[1]
                         .split("</select>", 1)[0])
    assert len(offered) >= 5
    for sort in offered:
        assert postings.sort_key(sort) in postings.orders(), sort
    # a made-up order is not: SQL answers it
    assert postings.order_key([("name", "DESC"), ("id", "ASC")]) is None


def test_plans_of_tsqueries():
    assert tsquery_plan("('公交' & '线路')") == ("and", (("key", "t:公交"), ("key", "t:线路")))
    assert tsquery_plan("'a' | !'b'") == ("or", (("key", "t:a"), ("not", ("key", "t:b"))))
    # positions, prefixes and weights are not in the words' postings
    for tsquery in ("'air' <-> 'qualiti'", "'bu':*", "'a':A", "'a\\\\b'", "('a' & 'b'"):
        assert tsquery_plan(tsquery) is None, tsquery
    # a phrase is a posting of its own, matched by the same SQL
    phrase = "'water' & ('air' <-> 'qualiti')"
    assert match_plan(phrase) == ("key", f"q:{phrase}")
    for tsquery in ("'bu':*", "'a':A", "'bu':* <-> 'x'", "'a' <-> " * 60 + "'b'"):
        assert match_plan(tsquery) is None, tsquery
