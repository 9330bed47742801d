"""The embedded engine as CKAN's Solr client sees it: Lucene syntax in, Solr results out.

These tests index hand-made Solr documents and query them with the parameters
CKAN sends, against the real PostgreSQL tables.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import pysolr
import pytest

from ckanext.govshare import options
from ckanext.govshare.search import analysis, backend, query
from ckanext.govshare.search import client as search_client
from ckanext.govshare.search.client import PostgresSearchClient, make_connection

SITE = "govshare"


def doc(id: str, **fields) -> dict:
    base = {
        "id": id, "index_id": f"idx-{id}", "name": id, "site_id": SITE,
        "entity_type": "package", "dataset_type": "dataset", "state": "active",
        "capacity": "public", "permission_labels": ["public"],
        "metadata_created": "2026-01-01T00:00:00Z",
        "metadata_modified": "2026-01-01T00:00:00Z",
        "data_dict": '{"id": "%s"}' % id,
    }
    base.update(fields)
    if "title" in base:
        base.setdefault("title_string", base["title"])
    return base


DOCS = [
    doc("a", title="城市公交线路", notes="公交线路走向", tags=["交通", "公交"],
        organization="jiaotong", res_format=["CSV", "JSON"], num_resources=2,
        metadata_modified="2026-06-01T10:00:00Z", release_date="2025-03-01"),
    doc("b", title="Bus routes and stops", notes="City bus routes", tags=["transport"],
        organization="jiaotong", res_format=["CSV"], num_resources=1,
        metadata_modified="2026-07-01T10:00:00Z", release_date="2026-03-01"),
    doc("c", title="空气质量日报", notes="PM2.5 臭氧 monitoring stations", tags=["环境"],
        organization="huanjing", res_format=["JSON"], num_resources=1,
        permission_labels=["member-org-huanjing"], capacity="private",
        metadata_modified="2025-01-01T10:00:00Z"),
    doc("d", title="企业登记信息 a:b", notes="市场主体 registration data", tags=["企业", "a:b"],
        organization="shichang", res_format=["XLSX"], num_resources=3,
        metadata_modified="2026-08-01T10:00:00Z"),
]


@pytest.fixture()
def engine(clean_db):
    client = make_connection()
    assert isinstance(client, PostgresSearchClient)
    client.add(DOCS)
    return client


def ids(results) -> list[str]:
    return [d["id"] for d in results.docs]


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL the engine runs meanwhile, as it logs it at DEBUG level."""
    logger = logging.getLogger(search_client.__name__)
    run: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: run.append(record.getMessage())  # type: ignore[method-assign]
    # the ini's logging configuration may have disabled the loggers that
    # existed when it was read
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.DEBUG)
    logger.disabled = False
    logger.addHandler(handler)
    try:
        yield run
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def find(client, q="*:*", **params):
    params.setdefault("fl", "id")
    params.setdefault("rows", 100)
    params.setdefault("sort", "id asc")
    return ids(client.search(q, **params))


@pytest.mark.usefixtures("with_plugins")
class TestLuceneSyntax:
    @pytest.mark.parametrize("q, expected", [
        ("*:*", ["a", "b", "c", "d"]),
        ("公交", ["a"]),
        ("tags:交通 OR tags:环境", ["a", "c"]),
        ("tags:交通 AND res_format:JSON", ["a"]),
        ("+res_format:CSV -tags:transport", ["a"]),
        ("res_format:CSV && -organization:jiaotong", []),
        ("res_format:(CSV OR XLSX) NOT tags:交通", ["b", "d"]),
        ("-tags:交通", ["b", "c", "d"]),
        ("NOT organization:jiaotong", ["c", "d"]),
        ("(tags:交通 OR (organization:shichang AND res_format:XLSX)) AND -capacity:private",
         ["a", "d"]),
        (r"tags:a\:b", ["d"]),
        ('tags:"a:b"', ["d"]),
        ("organization:jiao*", ["a", "b"]),
        ("organization:?uanjing", ["c"]),
        ("tags:*", ["a", "b", "c", "d"]),
        ("release_date:*", ["a", "b"]),
        ("-release_date:*", ["c", "d"]),
        ("title:bus*", ["b"]),
        ('title:"routes and stops"', ["b"]),
        ('title:"stops and routes"', []),
        ('"bus stops"~3', ["b"]),
        ("title:公交^4 OR notes:臭氧^2", ["a", "c"]),
        ("registration~1", ["d"]),
        ("num_resources:[2 TO *]", ["a", "d"]),
        ("num_resources:{1 TO 3}", ["a"]),
        ("num_resources:[* TO 1]", ["b", "c"]),
        ("metadata_modified:[2026-06-01T00:00:00Z TO 2026-07-31T00:00:00Z]", ["a", "b"]),
        ("metadata_modified:{2026-06-01T10:00:00Z TO *]", ["b", "d"]),
        ("release_date:[2026-01-01T00:00:00Z TO NOW]", ["b"]),
        ("release_date:[NOW-100YEARS TO NOW/YEAR+1YEAR]", ["a", "b"]),
        ("organization:/jiao.*/", ["a", "b"]),
        ("id:(a OR c) AND NOT id:c", ["a"]),
    ])
    def test_standard_parser(self, engine, q, expected):
        assert find(engine, q, **{"q.op": "AND"}) == expected

    def test_default_operator(self, engine):
        assert find(engine, "tags:交通 tags:环境", **{"q.op": "OR"}) == ["a", "c"]
        assert find(engine, "tags:交通 tags:环境", **{"q.op": "AND"}) == []

    def test_filter_queries_are_all_applied(self, engine):
        fq = ["+site_id:\"govshare\"", "+state:active", "organization:jiaotong"]
        assert find(engine, "*:*", fq=fq) == ["a", "b"]
        assert find(engine, "*:*", fq='+site_id:"govshare" +state:active ') == [
            "a", "b", "c", "d"]
        assert find(engine, "*:*", fq=['+permission_labels:("public" OR "creator-x")']) == [
            "a", "b", "d"]

    def test_dismax_mm(self, engine):
        params = {"defType": "dismax", "qf": "name^4 title^4 tags^2 groups^2 text",
                  "mm": "2<-1 5<80%"}
        assert find(engine, "bus routes stops", **params) == ["b"]
        assert find(engine, "bus routes nothere", **params) == ["b"]
        assert find(engine, "bus nothere", **params) == []
        assert find(engine, "bus nothere none zero one two", **params) == []

    def test_dismax_is_lenient_with_syntax(self, engine):
        params = {"defType": "dismax", "qf": "text", "mm": "1"}
        assert find(engine, 'bus "routes (', **params) == ["b"]

    def test_dismax_query_fields(self, engine):
        params = {"defType": "edismax", "qf": "title", "mm": "1"}
        assert find(engine, "公交", **params) == ["a"]
        assert find(engine, "走向", **params) == []  # only in notes
        # a search box token is cut into words, each a clause of mm
        assert find(engine, "线路走向", **dict(params, mm="100%")) == []

    @pytest.mark.parametrize("q", [
        "title:(公交", "tags:[a TO", "name:", "metadata_modified:[NOW-1FORTNIGHT TO NOW]",
        "title:/x/", "title:*bus", ")(", "*:x",
    ])
    def test_malformed_queries_raise_solr_errors(self, engine, q):
        with pytest.raises(pysolr.SolrError):
            engine.search(q)

    def test_unknown_parser_is_an_error(self, engine):
        with pytest.raises(pysolr.SolrError):
            engine.search("x", defType="surround")


@pytest.mark.usefixtures("with_plugins")
class TestResults:
    def test_sorting(self, engine):
        assert find(engine, sort="metadata_modified desc") == ["d", "b", "a", "c"]
        assert find(engine, sort="num_resources desc, id desc") == ["d", "a", "c", "b"]
        assert find(engine, sort="title_string asc")[0] == "b"
        assert find(engine, sort="release_date asc") == ["a", "b", "c", "d"]  # missing last

    def test_bad_sort_is_reported_like_solr(self, engine):
        with pytest.raises(pysolr.SolrError, match="Can't determine a Sort Order"):
            engine.search("*:*", sort="title sideways")

    def test_paging(self, engine):
        assert find(engine, rows=2, start=1, sort="id asc") == ["b", "c"]
        result = engine.search("*:*", rows=0)
        assert result.hits == 4 and result.docs == []

    def test_score_ranks_title_above_notes(self, engine):
        result = engine.search("routes OR 公交", fl="id score", sort="score desc", **{
            "q.op": "OR"})
        scores = {d["id"]: d["score"] for d in result.docs}
        assert set(scores) == {"a", "b"} and all(s > 0 for s in scores.values())

    def test_field_list(self, engine):
        result = engine.search("id:a", fl="id name data_dict")
        assert result.docs == [{"id": "a", "name": "a", "data_dict": '{"id": "a"}'}]
        everything = engine.search("id:a").docs[0]
        # stored fields come back; unstored ones (permission_labels) do not
        assert everything["tags"] == ["交通", "公交"]
        assert "permission_labels" not in everything and "validated_data_dict" not in everything

    def test_facets(self, engine):
        result = engine.search("*:*", rows=0, facet="true", **{
            "facet.field": ["organization", "res_format", "tags", "num_resources"],
            "facet.mincount": 1, "facet.limit": 50})
        facets = result.facets["facet_fields"]
        assert facets["organization"] == ["jiaotong", 2, "huanjing", 1, "shichang", 1]
        assert facets["res_format"] == ["CSV", 2, "JSON", 2, "XLSX", 1]
        assert facets["num_resources"] == ["1", 2, "2", 1, "3", 1]

    def test_facet_sort_limit_and_mincount(self, engine):
        params = {"facet": "true", "facet.field": ["organization"]}
        by_index = engine.search("*:*", **params, **{"facet.sort": "index"})
        assert by_index.facets["facet_fields"]["organization"] == [
            "huanjing", 1, "jiaotong", 2, "shichang", 1]
        limited = engine.search("*:*", **params, **{"facet.limit": 1})
        assert limited.facets["facet_fields"]["organization"] == ["jiaotong", 2]
        counted = engine.search("*:*", **params, **{"facet.mincount": 2})
        assert counted.facets["facet_fields"]["organization"] == ["jiaotong", 2]


@pytest.mark.usefixtures("with_plugins")
class TestWrites:
    def test_add_replaces_a_document_with_the_same_index_id(self, engine):
        engine.add([doc("a", title="改名后的数据集", tags=["新标签"])])
        assert find(engine, "公交") == []
        assert find(engine, "改名") == ["a"]
        facets = engine.search("*:*", facet="true", **{"facet.field": ["tags"]})
        assert "交通" not in facets.facets["facet_fields"]["tags"]

    def test_delete_by_query_and_by_id(self, engine):
        engine.delete(q='+entity_type:package AND +(id:"a" OR name:"a") AND +site_id:"govshare"')
        assert find(engine) == ["b", "c", "d"]
        engine.delete(id="idx-b")
        assert find(engine) == ["c", "d"]
        engine.delete(q='+site_id:"govshare"')
        assert find(engine) == []

    def test_uncommitted_adds_are_written_by_commit(self, engine):
        engine.add([doc("e", title="批量")], commit=False)
        other = make_connection()
        other.commit()
        assert find(other, "批量") == ["e"]

    def test_cached_counts_are_dropped_when_the_index_changes(self, engine):
        params = {"facet": "true", "facet.field": ["organization"], "rows": 0}
        assert engine.search("*:*", **params).hits == 4
        engine.add([doc("f", organization="huanjing")])
        result = engine.search("*:*", **params)
        assert result.hits == 5
        assert result.facets["facet_fields"]["organization"][:2] == ["huanjing", 2] or (
            "huanjing" in result.facets["facet_fields"]["organization"])


    def test_a_querys_first_results_are_kept_until_the_index_changes(self, engine):
        """The first pages are slices of one ranked window (Solr's
        queryResultCache): the second search and the next page do not rank
        again, a write does, and what is kept is per order and per caller."""
        many = [doc(f"w{i:03d}", title=f"公交站点 {i}",
                    metadata_modified=f"2026-05-{i % 28 + 1:02d}T10:00:00Z") for i in range(120)]
        engine.add(many)
        newest = {"sort": "metadata_modified desc", "fl": "id"}

        def ranked(**params):
            with statements() as run:
                found = ids(engine.search("公交站点", **params))
            return found, len([sql for sql in run if "ORDER BY" in sql])

        first, ranked_once = ranked(rows=20, **newest)
        assert ranked_once == 1
        assert ranked(rows=20, **newest) == (first, 0)
        # the next page, and a page across the window's end, which is ranked
        # as it is asked (LIMIT/OFFSET), as every page past it
        second, _ = ranked(rows=20, start=20, **newest)
        assert second[0] not in first and ranked(rows=20, start=20, **newest)[1] == 0
        across, ranked_again = ranked(rows=20, start=90, **newest)
        assert ranked_again == 1 and len(across) == 20
        tail = [d for d in ranked(rows=200, start=0, **newest)[0]]
        assert first + second == tail[:40] and across == tail[90:110]
        # another order, another window
        oldest, ranked_once = ranked(rows=20, sort="metadata_modified asc", fl="id")
        assert ranked_once == 1 and oldest != first
        # a write: ranked again, the new dataset first
        engine.add([doc("w-new", title="公交站点 新", metadata_modified="2026-12-01T10:00:00Z")])
        after, ranked_once = ranked(rows=20, **newest)
        assert ranked_once == 1 and after[0] == "w-new" and after[1:] == first[:19]
        # the caller's permission labels are part of the filter, and so of the key
        private = engine.search("空气质量", rows=20, fl="id",
                                fq='+permission_labels:("public")')
        assert ids(private) == []
        assert ids(engine.search("空气质量", rows=20, fl="id",
                                 fq='+permission_labels:("member-org-huanjing")')) == ["c"]

    @pytest.mark.ckan_config(options.SEARCH_FACET_CACHE_TTL, 0)
    def test_no_window_kept_when_the_cache_is_off(self, engine):
        with statements() as run:
            for _ in range(2):
                assert ids(engine.search("公交", rows=1, sort="name asc", fl="id")) == ["a"]
        limits = [sql for sql in run if "ORDER BY" in sql]
        assert len(limits) == 2 and all("LIMIT 1 OFFSET 0" in m for m in limits)


class TestAnalysis:
    def test_chinese_characters_bigrams_and_jieba_words(self):
        lexemes = {t.lexeme for t in analysis.tokens("交通运输局道路客运数据")}
        assert {"交", "通", "交通", "通运", "运输", "交通运输", "客运", "数据"} <= lexemes

    def test_english_is_stemmed_and_full_width_folded(self):
        assert [t.lexeme for t in analysis.tokens("Routes ＢＵＳ２０２４")] == ["rout", "bus2024"]

    def test_term_query_matches_chinese_as_a_character_sequence(self):
        assert analysis.term_query("公交") == "'公交'"
        assert analysis.term_query("交通运输") == "('交通' & '通运' & '运输')"
        assert analysis.term_query("交通运输", phrase=True) == "('交通' <-> '通运' <-> '运输')"
        assert analysis.term_query("局") == "'局'"
        assert analysis.term_query("上海 bus", phrase=True) == "('上海' <2> 'bus')"
        assert analysis.term_query("bus routes", phrase=True) == "('bus' <-> 'rout')"
        assert analysis.term_query("bus-routes") == "('bus' & 'rout')"
        assert analysis.term_query("!!!") is None

    def test_quotes_in_lexemes_are_escaped(self):
        assert analysis.quote_lexeme("it's") == "'it''s'"

    def test_minimum_should_match(self):
        mm = "2<-1 5<80%"
        assert [query.minimum_should_match(mm, n) for n in range(1, 8)] == [1, 2, 2, 3, 4, 4, 5]
        assert query.minimum_should_match("75%", 4) == 3
        assert query.minimum_should_match("-1", 4) == 3


@pytest.mark.usefixtures("with_plugins")
class TestBackendSwitch:
    def test_embedded_engine_answers_ckans_solr_client(self):
        import ckan.lib.search.common as common
        import ckan.lib.search.index as index
        import ckan.lib.search.query as ckan_query

        assert backend.is_installed()
        for module in (common, index, ckan_query):
            assert isinstance(module.make_connection(), PostgresSearchClient)

    def test_choosing_solr_restores_ckans_client(self, ckan_config):
        import ckan.lib.search.query as ckan_query

        ckan_config[options.SEARCH_BACKEND] = "solr"
        try:
            backend.install(ckan_config)
            assert not backend.is_installed()
            assert ckan_query.make_connection.__module__ == "ckan.lib.search.common"
        finally:
            ckan_config[options.SEARCH_BACKEND] = "postgres"
            backend.install(ckan_config)
        assert backend.is_installed()

    def test_auto_picks_solr_only_when_a_url_is_set(self):
        assert backend.chosen_backend({options.SEARCH_BACKEND: "auto",
                                       "solr_url": ""}) == "postgres"
        assert backend.chosen_backend({options.SEARCH_BACKEND: "auto",
                                       "solr_url": "http://solr:8983/solr/ckan"}) == "solr"
