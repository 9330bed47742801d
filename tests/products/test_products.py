"""Who may register and change products, the product and dataset pages, the
product list, search and the DCAT provenance of products."""
from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD, Namespace

import ckan.plugins.toolkit as tk
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests.dcat.conftest import parse
from tests.products.conftest import (days_ago, download, grant, product_count, register,
                                     today)

PROV = Namespace("http://www.w3.org/ns/prov#")


def sources(world, *tiers, obtained=None):
    return [{"dataset": world.datasets[t]["name"], "obtained_date": obtained or today()}
            for t in tiers]


class TestAuth:
    def test_anyone_logged_in_may_register(self, world):
        nobody_special = ckan_factories.User()
        product = helpers.call_action(
            "package_create", context={"user": nobody_special["name"], "ignore_auth": False},
            type="data_product", name="p1", title="T", notes="N", product_kind="model",
            producer_type="person", producer_name="王五",
            sources=sources(world, "unconditional"))
        assert product["creator_user_id"] == nobody_special["id"]
        assert helpers.call_auth("package_create", {"user": nobody_special["name"]},
                                 type="data_product")

    def test_anonymous_may_not(self, world):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("package_create", {"user": ""}, type="data_product")

    def test_plain_users_still_may_not_create_datasets(self, world):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("package_create", {"user": world.user("stranger")},
                              type="dataset")

    def test_only_the_registrant_and_sysadmins_change_a_product(self, world):
        product = register(world, "stranger", sources(world, "unconditional"))
        for role in ("member", "other_org_member"):  # editors of some organization
            with pytest.raises(tk.NotAuthorized):
                helpers.call_auth("package_update", {"user": world.user(role)},
                                  id=product["id"])
            with pytest.raises(tk.NotAuthorized):
                helpers.call_auth("package_delete", {"user": world.user(role)},
                                  id=product["id"])
        assert helpers.call_auth("package_update", {"user": world.user("stranger")},
                                 id=product["id"])
        patched = helpers.call_action("package_patch", context=world.context("stranger"),
                                      id=product["id"], title="新名称")
        assert patched["title"] == "新名称"
        assert helpers.call_action("package_patch", context=world.context("sysadmin"),
                                   id=product["id"], notes="改")["notes"] == "改"

    def test_a_sysadmin_edit_keeps_the_registrants_verification(self, world, app):
        download(app, world, "stranger", "unconditional")
        product = register(world, "stranger", sources(world, "unconditional"))
        assert product["sources"][0]["verification"] == "verified"
        patched = helpers.call_action("package_patch", context=world.context("sysadmin"),
                                      id=product["id"], notes="改")
        assert patched["sources"][0]["verification"] == "verified"


class TestPages:
    def test_the_form_registers_a_product_in_one_step(self, world, app):
        form = {"name": "form-product", "title": "表单产品 formmark", "notes": "说明",
                "product_kind": "report", "producer_type": "organization",
                "producer_name": "某研究院", "url": "",
                "sources-0-dataset": world.datasets["unconditional"]["name"],
                "sources-0-obtained_date": "2025-03-04", "sources-0-resource": "",
                "sources-1-dataset": "", "sources-1-obtained_date": "",
                "sources-1-resource": "",
                "_ckan_phase": ["", "dataset_new_1"], "pkg_name": "", "save": ""}
        res = app.post("/data_product/new", data=form,
                       extra_environ={"REMOTE_USER": world.user("stranger")},
                       follow_redirects=False)
        assert res.status_code == 302, res.body
        assert res.headers["Location"].endswith("/data_product/form-product")
        product = helpers.call_action("package_show", id="form-product")
        assert product["state"] == "active"
        assert [s["obtained_date"] for s in product["sources"]] == ["2025-03-04"]

    def test_the_form_shows_source_errors(self, world, app):
        form = {"name": "bad-product", "title": "T", "notes": "N", "product_kind": "app",
                "producer_type": "person", "producer_name": "张三",
                "sources-0-dataset": "no-such-dataset",
                "sources-0-obtained_date": today(),
                "_ckan_phase": ["", "dataset_new_1"], "pkg_name": "", "save": ""}
        res = app.post("/en/data_product/new", data=form,
                       extra_environ={"REMOTE_USER": world.user("stranger")})
        assert res.status_code == 200
        assert "No such dataset on this portal" in res.body
        assert product_count() == 0

    def test_the_new_product_page_opens_for_a_plain_user(self, world, app):
        res = app.get("/data_product/new", extra_environ={"REMOTE_USER": world.user("stranger")})
        assert res.status_code == 200
        assert 'name="_ckan_phase" value=""' in res.body

    def test_the_dataset_page_lists_its_products(self, world, app):
        register(world, "stranger", sources(world, "unconditional"))
        res = app.get("/dataset/tier-unconditional")
        assert res.status_code == 200
        assert 'id="govshare-products"' in res.body
        assert "公交到站查询 productmark" in res.body
        other = app.get("/dataset/tier-conditional")
        assert "公交到站查询 productmark" not in other.body

    def test_the_product_page_shows_the_labels_of_its_sources(self, world, app):
        grant(world, "stranger")
        register(world, "stranger", sources(world, "unconditional", "conditional"))
        res = app.get("/data_product/bus-app")
        assert res.status_code == 200
        assert 'id="govshare-product-sources"' in res.body
        assert res.body.count('class="govshare-label-text') >= 2
        assert "数据来源：" in res.body
        assert f"获取日期：{today()}" in res.body
        assert 'data-verification="verified"' in res.body  # the grant
        assert 'data-verification="declared"' in res.body

    def test_sources_hidden_from_a_visitor_are_counted_not_shown(self, world, app):
        register(world, "member", sources(world, "unconditional", "closed"))
        res = app.get("/data_product/bus-app")
        assert "tiermark-closed" not in res.body
        assert 'data-source="tier-unconditional"' in res.body
        assert 'data-source="tier-closed"' not in res.body


class TestListAndSearch:
    def test_products_by_dataset_and_by_grant(self, world):
        held = grant(world, "stranger")
        a = register(world, "stranger", sources(world, "unconditional"), name="product-a")
        b = register(world, "stranger", sources(world, "unconditional", "conditional"),
                     name="product-b")
        by_open = helpers.call_action("govshare_product_list",
                                      package_id=world.datasets["unconditional"]["name"])
        assert by_open["count"] == 2
        assert {p["id"] for p in by_open["results"]} == {a["id"], b["id"]}
        by_conditional = helpers.call_action(
            "govshare_product_list", package_id=world.datasets["conditional"]["id"])
        assert [p["id"] for p in by_conditional["results"]] == [b["id"]]
        by_grant = helpers.call_action("govshare_product_list", grant_id=held.id)
        assert [p["id"] for p in by_grant["results"]] == [b["id"]]
        assert helpers.call_action("govshare_product_list")["count"] == 2

    def test_the_application_page_shows_the_products_citing_its_grant(self, world, app):
        """Usage feedback: the applicant is asked to register products, and
        the applicant and reviewers see which products cite the grant."""
        held = grant(world, "stranger")
        page = tk.url_for("govshare_applications.read", id=held.application_id)
        applicant = app.get(page, extra_environ={"REMOTE_USER": world.user("stranger")}).body
        assert tk.url_for("data_product.new") in applicant
        assert "product-with-grant" not in applicant
        register(world, "stranger", sources(world, "conditional"), name="product-with-grant",
                 title="公交客流分析报告")
        reviewer = app.get(page, extra_environ={"REMOTE_USER": world.user("sysadmin")}).body
        assert "公交客流分析报告" in reviewer
        assert tk.url_for("data_product.new") not in reviewer  # the prompt is the applicant's

    def test_an_unknown_dataset_is_not_found(self, world):
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("govshare_product_list", package_id="no-such-dataset")

    def test_products_are_their_own_type_with_a_facet(self, world):
        register(world, "stranger", sources(world, "unconditional"))
        result = helpers.call_action("package_search", fq="dataset_type:data_product",
                                     **{"facet.field": '["dataset_type"]'})
        assert [r["name"] for r in result["results"]] == ["bus-app"]
        everything = helpers.call_action("package_search",
                                         context={"user": "", "ignore_auth": False},
                                         **{"facet.field": '["dataset_type"]'})
        items = {i["name"]: i for i in everything["search_facets"]["dataset_type"]["items"]}
        assert items["data_product"]["count"] == 1
        assert items["dataset"]["count"] == 2  # the closed one is not visible
        assert items["data_product"]["display_name"] == "Data product"

    def test_the_type_facet_is_offered(self, world, app):
        register(world, "stranger", sources(world, "unconditional"))
        res = app.get("/data_product/")
        assert res.status_code == 200
        assert "公交到站查询 productmark" in res.body
        assert "dataset_type" in res.body
        # the page names products in the page's language, not "data_product"
        assert "共1个数据产品" in res.body and "搜索数据产品" in res.body
        assert "data_product found" not in res.body and "Data_Product" not in res.body
        english = app.get("/en/data_product/").body
        assert "1 data product found" in english and "Search data products..." in english

    def test_the_catalog_search_finds_products_and_narrows_by_type(self, world, app):
        """/dataset lists catalog entries and products side by side (linked
        to their own pages); the type facet narrows to either; the main
        navigation has a 数据产品 entry."""
        register(world, "stranger", sources(world, "unconditional"))
        both = app.get("/dataset/", query_string={"q": "productmark OR 公交"}).body
        assert "公交到站查询 productmark" in both
        assert 'href="/data_product/bus-app"' in both
        assert both.count("govshare-product-badge") == 1  # the product says what it is
        assert world.datasets["unconditional"]["title"] in both
        assert "数据产品" in both and "目录数据集" in both  # the type facet's items
        only = app.get("/dataset/", query_string={"dataset_type": "data_product"}).body
        assert "公交到站查询 productmark" in only
        assert world.datasets["unconditional"]["title"] not in only
        catalog = app.get("/dataset/", query_string={"dataset_type": "dataset"}).body
        assert "公交到站查询 productmark" not in catalog
        assert 'href="/data_product/"' in both  # main navigation


class TestProvenance:
    def product_graph(self, world, fmt="ttl"):
        body = helpers.call_action("dcat_dataset_show", id="bus-app", format=fmt)
        return parse(body, fmt)

    @pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
    def test_a_product_is_derived_from_its_sources(self, world, fmt):
        grant(world, "stranger")
        register(world, "stranger", [
            {"dataset": "tier-unconditional", "obtained_date": "2025-03-04"},
            {"dataset": "tier-conditional", "obtained_date": days_ago(0)}])
        g = self.product_graph(world, fmt)
        [product] = set(g.subjects(PROV.qualifiedDerivation, None))
        expected = {
            URIRef(f"http://test.ckan.net/dataset/{world.datasets[t]['id']}"): day
            for t, day in (("unconditional", "2025-03-04"), ("conditional", today()))}
        assert set(g.objects(product, PROV.wasDerivedFrom)) == set(expected)
        assert set(g.objects(product, DCTERMS.source)) == set(expected)
        derivations = list(g.objects(product, PROV.qualifiedDerivation))
        assert len(derivations) == 2
        found = {}
        for d in derivations:
            assert isinstance(d, BNode)
            assert (d, RDF.type, PROV.Derivation) in g
            [entity] = g.objects(d, PROV.entity)
            [at] = g.objects(d, PROV.atTime)
            assert at.datatype == XSD.dateTime
            assert str(at).endswith("T00:00:00+08:00")
            found[entity] = str(at)[:10]
            assert (entity, RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")) in g
        assert found == expected

    def test_unpublished_sources_are_left_out(self, world):
        register(world, "member", sources(world, "unconditional", "closed"))
        g = self.product_graph(world)
        derived = {str(o) for o in g.objects(None, PROV.wasDerivedFrom)}
        assert derived == {f"http://test.ckan.net/dataset/{world.datasets['unconditional']['id']}"}
        assert world.datasets["closed"]["id"] not in g.serialize(format="turtle")

    def test_a_dataset_is_referenced_by_its_products(self, world, app):
        product = register(world, "stranger", sources(world, "unconditional"))
        res = app.get("/dataset/tier-unconditional.ttl")
        assert res.status_code == 200
        g = parse(res.body, "ttl")
        dataset = URIRef(f"http://test.ckan.net/dataset/{world.datasets['unconditional']['id']}")
        assert set(g.objects(dataset, DCTERMS.isReferencedBy)) == {
            URIRef(f"http://test.ckan.net/dataset/{product['id']}")}
        other = parse(app.get("/dataset/tier-conditional.ttl").body, "ttl")
        assert not list(other.objects(None, DCTERMS.isReferencedBy))
        assert Literal  # noqa: B018 - rdflib imported for the graph types
