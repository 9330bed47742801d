"""package_search and friends through CKAN's actions and API, as users call them:
queries of one catalog (the tests that change it: ``test_package_search_writes``)."""
from __future__ import annotations

import os

import pytest

import ckan.lib.search as ckan_search
from ckan.lib.search import SearchError
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from tests import factories
from tests.harness import SOLR_URL_VARIABLE
from tests.search.conftest import engine, index_everything


def names(result: dict) -> list[str]:
    return [r["name"] for r in result["results"]]


def search(**kwargs):
    return helpers.call_action("package_search", **kwargs)


def visible(user, **kwargs) -> tuple[set[str], dict]:
    """The names ``user`` (``None``: anonymous) finds, private ones included."""
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    result = helpers.call_action("package_search", context=context,
                                 include_private=True, **kwargs)
    return set(names(result)), result


def as_sysadmin(action: str, **kwargs):
    sysadmin = factories.Sysadmin()
    return helpers.call_action(action, context={"user": sysadmin["name"]}, **kwargs)


@pytest.fixture(scope="module")
def catalog(request):
    """The catalog, made once for the module's tests, which only read it, and
    indexed by both engines (Solr where there is one): each test picks the
    engine it asks. The tests that change the catalog are in
    ``test_package_search_writes.py``, each with a catalog of its own."""
    request.getfixturevalue("module_db")
    made = build_catalog()
    solr_url = os.environ.get(SOLR_URL_VARIABLE)
    if solr_url:
        with engine("solr", solr_url):
            index_everything()
    yield made
    if solr_url:
        with engine("solr", solr_url):
            ckan_search.clear_all()  # leave the core as found


def build_catalog() -> dict:
    """A small catalog: two agencies, one topic, Chinese, English and mixed text."""
    jiaotong = factories.Organization(name="jiaotong", title="市交通运输局")
    huanjing = factories.Organization(name="huanjing", title="市生态环境局")
    traffic = factories.Group(name="traffic", title="交通出行")
    made = {
        "jiaotong": jiaotong,
        "huanjing": huanjing,
        "traffic": traffic,
    }
    made["gongjiao"] = factories.Dataset(
        name="gongjiao-xianlu", title="城市公交线路", notes="全市公交线路走向与站点信息。",
        owner_org=jiaotong["id"], groups=[{"name": "traffic"}],
        tags=[{"name": "交通"}, {"name": "公交"}], license_id="cc-by",
        resources=[{"url": "http://example.com/lines.csv", "format": "CSV"}])
    made["keyun"] = factories.Dataset(
        name="daolu-keyun", title="交通运输局道路客运数据", notes="道路客运班线、站场与运力统计。",
        owner_org=jiaotong["id"], groups=[{"name": "traffic"}],
        tags=[{"name": "交通"}, {"name": "客运"}], license_id="cc-by",
        resources=[{"url": "http://example.com/keyun.json", "format": "JSON"},
                   {"url": "http://example.com/keyun.csv", "format": "CSV"}])
    made["bus"] = factories.Dataset(
        name="bus-routes", title="Bus routes", notes="Routes and stops of the city buses.",
        owner_org=jiaotong["id"], tags=[{"name": "transport"}], license_id="odc-by",
        resources=[{"url": "http://example.com/routes.csv", "format": "CSV"}])
    made["air"] = factories.Dataset(
        name="kongqi-zhiliang", title="空气质量日报", notes="各监测站点 PM2.5、臭氧日均浓度。",
        owner_org=huanjing["id"], tags=[{"name": "环境"}], license_id="cc-by",
        resources=[{"url": "http://example.com/air.json", "format": "JSON"}])
    made["water"] = factories.Dataset(
        name="dibiaoshui", title="地表水水质月报", notes="内部核验中的水质监测数据。",
        owner_org=huanjing["id"], private=True, tags=[{"name": "环境"}, {"name": "水质"}],
        resources=[{"url": "http://example.com/water.csv", "format": "CSV"}])
    made["mixed"] = factories.Dataset(
        name="shanghai-stops", title="Shanghai 公交站点 bus stops", notes="Mixed 中英文 text.",
        owner_org=jiaotong["id"], tags=[{"name": "公交"}, {"name": "transport"}],
        resources=[{"url": "http://example.com/stops.geojson", "format": "GeoJSON"}])
    return made


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestFreeText:
    def test_chinese_word_finds_longer_title(self, catalog):
        assert names(search(q="公交")) and set(names(search(q="公交"))) == {
            "gongjiao-xianlu", "shanghai-stops"}
        # the agency's name finds all its datasets, the one that says it first
        result = names(search(q="交通运输局"))
        assert result[0] == "daolu-keyun"
        assert set(result) == {"daolu-keyun", "gongjiao-xianlu", "bus-routes",
                               "shanghai-stops"}

    def test_chinese_word_matches_tags_titles_and_agency(self, catalog):
        # 交通 is in one title, tagged on two datasets and in their agency's name
        assert set(names(search(q="交通"))) == {"gongjiao-xianlu", "daolu-keyun", "bus-routes",
                                               "shanghai-stops"}

    def test_chinese_does_not_match_scattered_characters(self, catalog):
        # 交 and 通 both occur in 城市公交线路's text but not as 交通 in every dataset
        assert "kongqi-zhiliang" not in names(search(q="交通"))
        assert search(q="通交")["count"] == 0

    def test_english_words_are_stemmed_and_case_folded(self, catalog):
        assert set(names(search(q="bus"))) == {"bus-routes", "shanghai-stops"}
        assert names(search(q="ROUTE")) == ["bus-routes"]
        assert names(search(q="stops city")) == ["bus-routes"]

    def test_mixed_chinese_and_english(self, catalog):
        assert names(search(q="公交 bus")) == ["shanghai-stops"]
        assert names(search(q="中英文")) == ["shanghai-stops"]

    def test_phrases(self, catalog):
        assert names(search(q='"bus routes"')) == ["bus-routes"]
        assert search(q='"routes bus"')["count"] == 0
        assert names(search(q='"道路客运"')) == ["daolu-keyun"]

    def test_title_matches_rank_above_notes_matches(self, catalog):
        # 站点 is in the title of shanghai-stops and only in the notes of two others
        result = search(q="站点")
        assert result["results"][0]["name"] == "shanghai-stops"
        assert set(names(result)) == {"shanghai-stops", "gongjiao-xianlu", "kongqi-zhiliang"}

    def test_dismax_minimum_match_allows_one_missing_word_of_three(self, catalog):
        # CKAN's mm is "2<-1 5<80%": of three words, two must match
        assert names(search(q="routes buses nonexistentword")) == ["bus-routes"]
        assert search(q="routes nonexistentword")["count"] == 0

    def test_operators(self, catalog):
        assert set(names(search(q="公交 OR 环境"))) == {
            "gongjiao-xianlu", "shanghai-stops", "kongqi-zhiliang"}
        assert names(search(q="公交 -bus")) == ["gongjiao-xianlu"]
        assert names(search(q="+交通 +客运")) == ["daolu-keyun"]
        assert set(names(search(q="交通 NOT 公交"))) == {"daolu-keyun", "bus-routes"}
        assert names(search(q="(公交 OR 客运) AND NOT 线路")) == ["daolu-keyun", "shanghai-stops"] \
            or set(names(search(q="(公交 OR 客运) AND NOT 线路"))) == {"daolu-keyun",
                                                                  "shanghai-stops"}


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestFieldedQueries:
    def test_string_fields_match_whole_values(self, catalog):
        assert set(names(search(q="tags:交通"))) == {"gongjiao-xianlu", "daolu-keyun"}
        assert search(q="tags:交")["count"] == 0
        assert names(search(q="name:bus-routes")) == ["bus-routes"]
        assert set(names(search(q="res_format:JSON"))) == {"daolu-keyun", "kongqi-zhiliang"}

    def test_text_fields_match_words(self, catalog):
        assert set(names(search(q="title:公交"))) == {"gongjiao-xianlu", "shanghai-stops"}
        # 站点 is in notes of gongjiao-xianlu but not in its title
        assert names(search(q="title:站点")) == ["shanghai-stops"]
        assert set(names(search(q="notes:站点"))) == {"gongjiao-xianlu", "kongqi-zhiliang"}

    def test_filters(self, catalog):
        result = search(q="*:*", fq="organization:huanjing")
        assert names(result) == ["kongqi-zhiliang"]
        result = search(fq='tags:"公交" organization:jiaotong')
        assert set(names(result)) == {"gongjiao-xianlu", "shanghai-stops"}
        result = search(fq="+groups:traffic -tags:客运")
        assert names(result) == ["gongjiao-xianlu"]

    def test_wildcards(self, catalog):
        assert search(q="*:*")["count"] == 5
        assert set(names(search(q="name:bus*"))) == {"bus-routes"}
        assert set(names(search(q="groups:*"))) == {"gongjiao-xianlu", "daolu-keyun"}
        assert set(names(search(q="-groups:*"))) == {"bus-routes", "kongqi-zhiliang",
                                                    "shanghai-stops"}
        assert set(names(search(q="title:rou*"))) == {"bus-routes"}

    def test_escaped_characters(self, catalog):
        assert names(search(q=r"name:bus\-routes")) == ["bus-routes"]
        assert names(search(q='name:"bus-routes"')) == ["bus-routes"]

    def test_date_ranges_with_date_math(self, catalog):
        assert search(q="metadata_modified:[NOW-1YEAR TO NOW+1DAY]")["count"] == 5
        assert search(q="metadata_modified:[* TO NOW-1YEAR]")["count"] == 0
        assert search(q="metadata_created:{NOW-1DAY TO *]")["count"] == 5
        assert search(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")["count"] == 5

    def test_number_ranges(self, catalog):
        # num_resources and num_tags are indexed by CKAN as plain numbers
        assert set(names(search(q="num_resources:[2 TO *]"))) == {"daolu-keyun"}
        assert set(names(search(q="num_tags:[2 TO 2]"))) == {
            "gongjiao-xianlu", "daolu-keyun", "shanghai-stops"}


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestAsSolrReadsThem:
    """Differences the differential test (test_differential.py) found, fixed
    in the embedded engine to read queries as Solr does."""

    def test_or_beside_ckan_filters_filters_nothing(self, catalog):
        # CKAN appends +capacity:public and +state:(active) to fq; Lucene's
        # classic parser then requires those only, and a OR b decides nothing
        assert search(fq="groups:traffic OR tags:环境")["count"] == 5
        assert set(names(search(fq="(groups:traffic OR tags:环境)"))) == {
            "gongjiao-xianlu", "daolu-keyun", "kongqi-zhiliang"}

    def test_operators_apply_left_to_right(self, catalog):
        # a AND b OR c: AND makes a required, OR makes b optional again
        assert names(search(q="name:bus-routes AND tags:交通 OR tags:环境")) == ["bus-routes"]

    def test_a_wildcard_term_is_not_stemmed(self, catalog):
        assert names(search(q="title:rou*")) == ["bus-routes"]
        assert search(q="title:routes*")["count"] == 0  # the index has the stem "rout"

    def test_resource_urls_are_in_urls_not_in_text(self, catalog):
        assert names(search(q="urls:lines")) == ["gongjiao-xianlu"]
        assert search(q="text:lines")["count"] == 0

    def test_stop_words_are_dropped_from_fielded_terms(self, catalog):
        assert search(q="notes:信息")["count"] == 0
        assert set(names(search(q="notes:站点"))) == {"gongjiao-xianlu", "kongqi-zhiliang"}

    def test_typed_operators_that_do_not_parse_search_the_words(self, catalog):
        # edismax, like dismax, searches what it cannot parse as plain words
        # rather than failing; the operators become words too, required as
        # the others (q.op AND), so nothing here says "or"
        assert search(q="(公交 bus")["count"] == 1
        assert search(q="(公交 OR bus")["count"] == 0


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestFacets:
    def test_facet_counts_are_exact(self, catalog):
        result = search(q="*:*", **{"facet.field": '["organization", "tags", "res_format"]'})
        facets = result["facets"]
        assert facets["organization"] == {"jiaotong": 4, "huanjing": 1}
        assert facets["tags"] == {"交通": 2, "公交": 2, "transport": 2, "客运": 1, "环境": 1}
        assert facets["res_format"] == {"CSV": 3, "JSON": 2, "GeoJSON": 1}
        titles = {i["name"]: i["display_name"]
                  for i in result["search_facets"]["organization"]["items"]}
        assert titles == {"jiaotong": "市交通运输局", "huanjing": "市生态环境局"}

    def test_facets_follow_the_query(self, catalog):
        facets = search(q="公交", **{"facet.field": '["tags", "license_id"]'})["facets"]
        assert facets["tags"] == {"公交": 2, "交通": 1, "transport": 1}
        assert facets["license_id"] == {"cc-by": 1}

    def test_facet_limit_and_sort(self, catalog):
        facets = search(**{"facet.field": '["tags"]', "facet.limit": 2})["facets"]
        # ties on count are broken by value, as Solr does
        assert list(facets["tags"].items()) == [("transport", 2), ("交通", 2)]
        facets = search(**{"facet.field": '["tags"]', "facet.mincount": 2})["facets"]
        assert set(facets["tags"]) == {"交通", "公交", "transport"}

    def test_facets_on_fields_not_encoded(self, catalog):
        facets = search(**{"facet.field": '["num_resources", "name"]'})["facets"]
        assert facets["num_resources"] == {"1": 4, "2": 1}
        assert len(facets["name"]) == 5



@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestPermissions:
    def visible(self, user, **kwargs):
        return visible(user, **kwargs)

    def test_anonymous_sees_public_datasets_only(self, catalog):
        found, result = self.visible(None, rows=100, **{"facet.field": '["organization"]'})
        assert "dibiaoshui" not in found and len(found) == 5
        assert result["facets"]["organization"] == {"jiaotong": 4, "huanjing": 1}

    def test_member_of_owner_sees_private_dataset(self, catalog):
        member = factories.User()
        as_sysadmin("organization_member_create", id="huanjing",
                    username=member["name"], role="member")
        found, result = self.visible(member, rows=100, **{"facet.field": '["organization"]'})
        assert "dibiaoshui" in found and len(found) == 6
        assert result["facets"]["organization"]["huanjing"] == 2

    def test_member_of_another_org_does_not(self, catalog):
        stranger = factories.User()
        as_sysadmin("organization_member_create", id="jiaotong",
                    username=stranger["name"], role="editor")
        found, _ = self.visible(stranger, q="水质")
        assert found == set()

    def test_sysadmin_sees_everything(self, catalog):
        found, _ = self.visible(factories.Sysadmin(), q="水质")
        assert found == {"dibiaoshui"}

    def test_private_datasets_are_hidden_unless_asked_for(self, catalog):
        sysadmin = factories.Sysadmin()
        result = helpers.call_action("package_search",
                                     context={"user": sysadmin["name"], "ignore_auth": False},
                                     include_private=False, q="水质")
        assert result["count"] == 0



@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestSortingAndPaging:
    def test_sort_by_title(self, catalog):
        result = search(sort="title_string asc", rows=100)
        titles = [r["title"] for r in result["results"]]
        assert titles == sorted(titles)

    def test_sort_by_name_descending(self, catalog):
        assert names(search(sort="name desc", rows=100)) == sorted(
            names(search(rows=100)), reverse=True)

    def test_sort_by_score_then_date(self, catalog):
        result = search(q="站点", sort="score desc, metadata_modified desc")
        assert result["results"][0]["name"] == "shanghai-stops"

    def test_paging_walks_every_result_once(self, catalog):
        seen = []
        for start in range(0, 6, 2):
            page = search(sort="name asc", rows=2, start=start)
            assert page["count"] == 5
            seen.extend(names(page))
        assert seen == sorted(seen) and len(set(seen)) == 5

    def test_field_list(self, catalog):
        result = search(q="name:bus-routes", fl="id,name,title")
        assert result["results"] == [{"id": catalog["bus"]["id"], "name": "bus-routes",
                                      "title": "Bus routes"}]


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestBadQueries:
    @pytest.mark.parametrize("q", ["title:(公交", "name:", "tags:[a TO",
                                   "metadata_modified:[NOW-X TO NOW]"])
    def test_malformed_query_is_a_409_with_a_message(self, app, catalog, q):
        response = app.get(url_for("api.action", ver=3, logic_function="package_search", q=q),
                           status=409)
        error = response.json["error"]
        assert error["__type"] == "Search Error"
        assert error["message"]

    def test_malformed_filter_is_a_409(self, app, catalog):
        response = app.get(url_for("api.action", ver=3, logic_function="package_search",
                                   fq="organization:(jiaotong"), status=409)
        assert response.json["success"] is False

    def test_bad_sort_is_refused_not_a_500(self, app, catalog):
        response = app.get(url_for("api.action", ver=3, logic_function="package_search",
                                   sort="name sideways"), status=400)
        assert "sort" in response.json["error"]["message"]

    def test_action_raises_search_error(self, catalog):
        with pytest.raises(SearchError):
            search(q="title:(公交")

    def test_dataset_page_shows_an_error_not_a_500(self, app, catalog):
        response = app.get(url_for("dataset.search", q="title:(公交"))
        assert response.status_code == 200


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestCountsAndLists:
    def test_organization_and_group_dataset_counts(self, catalog):
        orgs = helpers.call_action("organization_list", all_fields=True)
        counts = {o["name"]: o["package_count"] for o in orgs}
        assert counts == {"jiaotong": 4, "huanjing": 1}
        groups = helpers.call_action("group_list", all_fields=True)
        assert {g["name"]: g["package_count"] for g in groups} == {"traffic": 2}

    def test_organization_page_lists_its_datasets(self, app, catalog):
        response = app.get(url_for("organization.read", id="huanjing"))
        assert "空气质量日报" in response.body
        assert "地表水水质月报" not in response.body

    def test_dataset_search_page(self, app, catalog):
        response = app.get(url_for("dataset.search", q="公交"))
        assert "城市公交线路" in response.body
        assert "Bus routes" not in response.body

    def test_tag_list_and_autocomplete(self, catalog):
        tags = helpers.call_action("tag_list")
        assert {"交通", "公交", "transport"} <= set(tags)
        found = helpers.call_action("package_autocomplete", q="bus")
        assert [f["name"] for f in found] == ["bus-routes"] or "bus-routes" in [
            f["name"] for f in found]
