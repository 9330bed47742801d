"""Search as people type (issue 14): unspaced Chinese cut into words, stop
words, synonyms from the operator's file, agency names and short names,
typos (``word~`` and the zero-result correction, never towards a private
entry), autocomplete by any piece of a name or title, and the order of
results (title above notes, downloads before recency), through CKAN's
actions and pages, on one catalog built once for the module (the embedded
engine; the Solr variants come with a real Solr in the suite, issue 17)."""
from __future__ import annotations

import datetime as dt
import html

import pytest

import ckan.model as model
from ckan.lib import search as ckan_search
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.labelling.model import DownloadCount
from ckanext.govshare.search import lexicon, popularity
from ckanext.govshare.search.logic import action as search_action
from tests import factories


def search(q: str, **kwargs) -> dict:
    # as an anonymous visitor (call_action alone would search as a sysadmin)
    return helpers.call_action("package_search", {"user": "", "ignore_auth": False},
                               q=q, **kwargs)


def names(result: dict) -> list[str]:
    return [r["name"] for r in result["results"]]


@pytest.fixture(scope="module")
def catalog(module_db):
    # the datasets tests add to it have notes of their own: the factories'
    # are random English, which may say "hospital"
    health = factories.Organization(name="weijian", title="市卫生健康委员会",
                                    alias="卫健委、市卫健委")
    transport = factories.Organization(name="jiaotong", title="市交通运输局")
    made = {
        "stops": factories.Dataset(
            name="bus-stops", title="公交站点", notes="全市公交站点位置。",
            owner_org=transport["id"], tags=[{"name": "公交"}]),
        "noise": factories.Dataset(
            name="city-noise", title="城市声环境质量", notes="功能区噪声监测结果。",
            owner_org=transport["id"], tags=[{"name": "噪声"}]),
        "doctors": factories.Dataset(
            name="physicians", title="执业医师注册信息", notes="执业医师的注册信息。",
            owner_org=health["id"]),
        "clinics": factories.Dataset(
            name="clinics", title="预防接种门诊", notes="提供疫苗的预防接种门诊。",
            owner_org=health["id"]),
        "hospitals": factories.Dataset(
            name="hospital-directory", title="Hospital directory",
            notes="Hospitals of the city.", owner_org=health["id"]),
        "charging": factories.Dataset(
            name="charging-points", title="充电桩分布", notes="新能源汽车充电设施。",
            owner_org=transport["id"]),
        "parking": factories.Dataset(
            name="parking-lots", title="公共停车场", notes="部分停车场设有充电桩。",
            owner_org=transport["id"]),
        "secret": factories.Dataset(
            name="classified-thing", title="Zanzibarite survey", notes="不公开。",
            owner_org=transport["id"], private=True),
    }
    return made


class TestWords:
    def test_unspaced_chinese_is_cut_into_words(self, catalog):
        # 疫苗 and 接种 are apart in the text: the pair 苗接 is nowhere
        assert names(search("疫苗接种")) == ["clinics"]
        assert names(search("公交站点位置"))[0] == "bus-stops"

    def test_stop_words_are_not_required(self, catalog):
        assert names(search("公交站点数据")) == ["bus-stops"]
        assert names(search("停车场查询")) == ["parking-lots"]

    def test_a_query_of_stop_words_only_is_searched_as_typed(self, catalog):
        assert set(names(search("信息"))) == {"physicians"}

    def test_phrases_stay_exact(self, catalog):
        assert search('"疫苗接种"')["count"] == 0
        assert names(search('"疫苗的预防"')) == ["clinics"]

    def test_fielded_queries_match_the_characters_as_typed(self, catalog):
        assert search("title:疫苗接种")["count"] == 0

    def test_the_agency_name_finds_all_its_datasets(self, catalog):
        assert set(names(search("市卫生健康委员会"))) == {"physicians", "clinics",
                                                     "hospital-directory"}

    def test_a_short_name_finds_the_agency_datasets(self, catalog):
        assert set(names(search("卫健委"))) == {"physicians", "clinics", "hospital-directory"}
        assert set(names(search("卫健委 疫苗"))) == {"clinics"}


class TestForSolr:
    """What GovShare sends Solr for a plain search box query: the words the
    embedded engine requires, so that Solr's dismax requires each of them
    instead of matching any one bigram of the unspaced string."""

    def test_unspaced_chinese_as_words_without_stop_words(self, catalog):
        assert lexicon.search_box_words("水质监测") == "水质 监测"
        assert lexicon.search_box_words("公交站点数据") == "公交站点"  # a word of the catalog
        assert lexicon.search_box_words("停车场查询") == "停车场"

    def test_stop_words_alone_and_latin_stay_as_typed(self, catalog):
        assert lexicon.search_box_words("数据") == "数据"
        assert lexicon.search_box_words("PM2.5 city-bus-routes") == "PM2.5 city-bus-routes"

    @pytest.mark.parametrize("q, plain", [
        ("公交 数据", True), ("公交 OR 环境", False), ("体育 -停车", False),
        ("title:公交", False), ('"公交站点"', False), ("公交*", False), ("", False)])
    def test_only_plain_words_are_rewritten(self, q, plain):
        assert search_action.plain_words(q) is plain


class TestSynonyms:
    def test_the_starter_list(self, catalog):
        assert names(search("噪音")) == ["city-noise"]
        assert names(search("医生")) == ["physicians"]

    def test_the_operator_edits_the_file_and_it_applies_without_restart(
            self, catalog, ckan_config, tmp_path, monkeypatch):
        synonyms = tmp_path / "synonyms.txt"
        synonyms.write_text("# none yet\n", encoding="utf-8")
        monkeypatch.setitem(ckan_config, options.SEARCH_SYNONYMS_FILE, str(synonyms))
        assert search("噪音")["count"] == 0
        synonyms.write_text("噪音, 噪声\n大夫 => 医师\n", encoding="utf-8")
        assert names(search("噪音")) == ["city-noise"]
        assert names(search("大夫")) == ["physicians"]
        # one way: 医师 does not find what 大夫 would
        assert lexicon.current().synonyms.get("医师") is None


class TestTypos:
    def test_fuzzy_operator_is_an_edit_distance(self, catalog):
        assert names(search("hospitl~")) == ["hospital-directory"]
        assert names(search("hospitl~1")) == ["hospital-directory"]
        assert search("hospitalxyz~1")["count"] == 0

    def test_a_query_that_finds_nothing_is_corrected(self, catalog):
        result = search("hospitl")
        assert names(result) == ["hospital-directory"]
        assert result["corrected_q"] in ("hospital", "hospitals")
        result = search("公交战点")
        assert (names(result), result["corrected_q"]) == (["bus-stops"], "公交站点")

    def test_a_query_that_finds_something_is_left_alone(self, catalog):
        assert "corrected_q" not in search("hospital")

    def test_lucene_syntax_is_never_corrected(self, catalog):
        assert "corrected_q" not in search("title:hospitl")

    def test_private_words_are_never_suggested_nor_expanded_to(self, catalog):
        result = search("zanzibarit")
        assert (result["count"], result.get("corrected_q")) == (0, None)
        assert search("zanzibarit~")["count"] == 0

    def test_the_search_page_says_what_it_searched(self, app, catalog):
        page = app.get("/dataset/", query_string={"q": "hospitl"}).body
        assert "/dataset/hospital-directory" in page
        corrected = search("hospitl")["corrected_q"]
        assert f"没有找到与“hospitl”相关的数据集；以下是“{corrected}”的 1 个数据集" in page
        english = html.unescape(app.get("/en/dataset/", query_string={"q": "hospitl"}).body)
        assert f'No datasets found for "hospitl"; 1 dataset found for "{corrected}"' in english


class TestAutocomplete:
    @pytest.mark.parametrize("typed", ["bu", "stops", "bus-st", "公交", "站点"])
    def test_any_piece_of_the_name_or_title(self, catalog, typed):
        found = helpers.call_action("package_autocomplete", {"user": "", "ignore_auth": False},
                                    q=typed)
        assert "bus-stops" in [x["name"] for x in found]

    def test_private_datasets_are_not_offered(self, catalog):
        found = helpers.call_action("package_autocomplete", {"user": "", "ignore_auth": False},
                                    q="zanzi")
        assert found == []


class TestOrder:
    def test_a_title_match_ranks_above_a_newer_notes_match(self, catalog):
        # parking-lots was made after charging-points and mentions 充电桩 once
        assert names(search("充电桩")) == ["charging-points", "parking-lots"]

    def test_a_typed_url_name_comes_first(self, catalog):
        assert names(search("bus-stops"))[0] == "bus-stops"

    def test_ties_go_to_the_most_downloaded(self, catalog):
        older = factories.Dataset(name="route-a", notes="供测试。", title="线路走向图",
                                  owner_org=catalog["stops"]["owner_org"])
        newer = factories.Dataset(name="route-b", notes="供测试。", title="线路走向图",
                                  owner_org=catalog["stops"]["owner_org"])
        assert names(search("线路走向图")) == ["route-b", "route-a"]
        resource = factories.Resource(package_id=older["id"])
        model.Session.add(DownloadCount(resource_id=resource["id"], package_id=older["id"],
                                        day=dt.date(2026, 1, 5), count=7))
        model.Session.commit()
        ckan_search.rebuild(older["id"])
        assert names(search("线路走向图")) == ["route-a", "route-b"]
        assert newer["id"]


@pytest.mark.usefixtures("clean_queues")
def test_downloads_re_rank_within_the_hour(app, catalog):
    first = factories.Dataset(name="timetable-a", notes="供测试。", title="时刻表汇编",
                              owner_org=catalog["stops"]["owner_org"])
    second = factories.Dataset(name="timetable-b", notes="供测试。", title="时刻表汇编",
                               owner_org=catalog["stops"]["owner_org"])
    assert names(search("时刻表汇编")) == ["timetable-b", "timetable-a"]   # newest first
    link = factories.Resource(package_id=first["id"], url="http://example.com/t.csv")
    for _ in range(2):
        app.get(f"/dataset/{first['id']}/resource/{link['id']}/download",
                follow_redirects=False)
    jobs = [j for j in helpers.call_action("job_list", queues=[popularity.QUEUE])
            if first["id"] in j["title"]]
    assert len(jobs) == 1                   # one re-index for both downloads
    popularity.reindex(first["id"])         # what the worker runs
    assert names(search("时刻表汇编")) == ["timetable-a", "timetable-b"]
    assert second["id"]


def test_synonym_file_format():
    parsed = lexicon.parse_synonyms(["a, b, c", "x => y, z", "Hospital, 医院"])
    assert parsed["a"] == ("a", "b", "c")
    assert parsed["x"] == ("y", "z") and "y" not in parsed
    # words are compared in lower case, as typed (not stemmed: Solr matches
    # the list before its stemmer)
    assert parsed[lexicon.key("HOSPITAL")] == ("Hospital", "医院")
    assert lexicon.key("hospitals") not in parsed
