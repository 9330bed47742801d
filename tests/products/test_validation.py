"""Every rule a data product's sources must meet, through package_create as
the API calls it: a refused product is not saved at all."""
from __future__ import annotations

import itertools

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests.products import conftest as products
from tests.products.conftest import days_ago, download, grant, product_count, today
from tests.tiers.conftest import World, build_world
from tests.worlds import with_own_callers

UNKNOWN = "No such dataset on this portal"


@pytest.fixture(scope="module")
def module_world(module_db) -> World:
    return build_world(with_views=False)


@pytest.fixture()
def world(module_world, with_plugins) -> World:
    """One world for the module (``tests/worlds.py``): the tests' products,
    receipts and grants are their callers' own (the updates, which change a
    dataset's tier, are in ``test_validation_updates.py`` with worlds of
    their own: the tests of a module run in random order)."""
    return with_own_callers(module_world)


_names = itertools.count()


def register(world, role, sources, **overrides) -> dict:
    """``products.register`` under a name of the product's own: the module's
    products stay while it runs."""
    overrides.setdefault("name", f"product-{next(_names)}")
    return products.register(world, role, sources, **overrides)


def refused(world, role, sources, **overrides) -> dict:
    before = product_count()
    with pytest.raises(tk.ValidationError) as e:
        register(world, role, sources, **overrides)
    assert product_count() == before
    return e.value.error_dict


def source(world, tier="unconditional", obtained=None, **extra) -> dict:
    return {"dataset": world.datasets[tier]["name"], "obtained_date": obtained or today(),
            **extra}


class TestRefused:
    def test_no_sources(self, world):
        errors = refused(world, "stranger", [])
        assert errors["sources"] == [
            "List at least one source: the dataset used and the date it was obtained"]

    def test_sources_left_out(self, world):
        data = {"type": "data_product", "name": "no-sources", "title": "T", "notes": "N",
                "product_kind": "app", "producer_type": "person", "producer_name": "李四"}
        before = product_count()
        with pytest.raises(tk.ValidationError) as e:
            helpers.call_action("package_create", context=world.context("stranger"), **data)
        assert e.value.error_dict["sources"][0].startswith("List at least one source")
        assert product_count() == before

    def test_blank_rows_are_not_sources(self, world):
        errors = refused(world, "stranger", [{"dataset": "", "obtained_date": ""}])
        assert errors["sources"][0].startswith("List at least one source")

    def test_unknown_dataset(self, world):
        errors = refused(world, "stranger", [{"dataset": "no-such-dataset",
                                              "obtained_date": today()}])
        assert errors["sources"] == [{"dataset": [UNKNOWN]}]

    def test_a_closed_dataset_reads_as_unknown(self, world):
        errors = refused(world, "stranger", [source(world, "closed")])
        assert errors["sources"] == [{"dataset": [UNKNOWN]}]

    def test_a_closed_dataset_by_id_reads_as_unknown(self, world):
        errors = refused(world, "other_org_member",
                         [{"dataset": world.datasets["closed"]["id"],
                           "obtained_date": today()}])
        assert errors["sources"] == [{"dataset": [UNKNOWN]}]

    def test_a_product_is_not_a_source(self, world):
        first = register(world, "stranger", [source(world)])
        with pytest.raises(tk.ValidationError) as e:
            register(world, "stranger", [{"dataset": first["id"], "obtained_date": today()}],
                     name="second")
        assert e.value.error_dict["sources"] == [{"dataset": [UNKNOWN]}]

    def test_a_date_in_the_future(self, world):
        errors = refused(world, "stranger", [source(world, obtained=days_ago(-1))])
        assert errors["sources"] == [{"obtained_date": [
            "The date obtained cannot be in the future"]}]

    def test_a_date_before_the_dataset_was_published(self, world):
        # the factories' release date is 2024-01-01
        errors = refused(world, "stranger", [source(world, obtained="2023-12-31")])
        assert errors["sources"] == [{"obtained_date": [
            "The date obtained cannot be before the dataset was first published (2024-01-01)"]}]

    def test_a_date_that_is_no_date(self, world):
        errors = refused(world, "stranger", [source(world, obtained="yesterday")])
        assert list(errors["sources"][0]) == ["obtained_date"]

    def test_a_missing_date(self, world):
        errors = refused(world, "stranger", [{"dataset": world.datasets["unconditional"]["name"]}])
        assert list(errors["sources"][0]) == ["obtained_date"]

    def test_a_conditional_dataset_without_a_grant(self, world):
        errors = refused(world, "stranger", [source(world, "conditional")])
        assert list(errors["sources"][0]) == ["dataset"]
        assert "open on conditions" in errors["sources"][0]["dataset"][0]

    def test_a_resource_of_another_dataset(self, world):
        other = world.uploads["conditional"]["id"]
        errors = refused(world, "stranger", [source(world, resource=other)])
        assert errors["sources"] == [{"resource": ["No such resource in this dataset"]}]

    def test_one_bad_source_refuses_all(self, world):
        errors = refused(world, "stranger", [source(world),
                                             source(world, obtained=days_ago(-3))])
        assert errors["sources"][0] == {}
        assert list(errors["sources"][1]) == ["obtained_date"]

    def test_the_api_answers_409(self, world, app):
        before = product_count()
        res = app.post("/api/action/package_create",
                       json={"type": "data_product", "name": "api-product", "title": "T",
                             "notes": "N", "product_kind": "report",
                             "producer_type": "organization", "producer_name": "某研究院",
                             "sources": [{"dataset": "no-such-dataset",
                                          "obtained_date": today()}]},
                       headers=world.headers("stranger"))
        assert res.status_code == 409
        error = res.json["error"]
        assert error["__type"] == "Validation Error"
        # in the portal's language (Chinese by default)
        assert list(error["sources"][0]) == ["dataset"]
        assert product_count() == before


class TestAccepted:
    def test_an_open_dataset_is_declared(self, world):
        product = register(world, "stranger", [source(world, obtained="2025-01-02")])
        [stored] = product["sources"]
        assert stored["dataset"] == world.datasets["unconditional"]["id"]
        assert stored["obtained_date"] == "2025-01-02"
        assert stored["verification"] == "declared"
        assert product.get("owner_org") is None
        assert product["type"] == "data_product"

    def test_the_publication_day_itself(self, world):
        product = register(world, "stranger", [source(world, obtained="2024-01-01")])
        assert product["sources"][0]["obtained_date"] == "2024-01-01"

    def test_a_download_receipt_verifies_the_date(self, world, app):
        download(app, world, "stranger", "unconditional")
        product = register(world, "stranger", [
            source(world), source(world, obtained=days_ago(3))])
        first, second = product["sources"]
        assert (first["verification"], first["evidence"]) == ("verified", "receipt")
        assert second["verification"] == "declared"

    def test_a_receipt_for_the_resource(self, world, app):
        download(app, world, "stranger", "unconditional")
        product = register(world, "stranger", [
            source(world, resource=world.uploads["unconditional"]["id"]),
            source(world, resource=world.links["unconditional"]["id"])])
        assert [s["verification"] for s in product["sources"]] == ["verified", "declared"]
        assert product["sources"][0]["resource"] == world.uploads["unconditional"]["id"]

    def test_someone_elses_receipt_does_not_count(self, world, app):
        download(app, world, "member", "unconditional")
        product = register(world, "stranger", [source(world)])
        assert product["sources"][0]["verification"] == "declared"

    def test_a_grant_covering_the_date_verifies_it(self, world):
        held = grant(world, "stranger")
        product = register(world, "stranger", [source(world, "conditional")])
        [stored] = product["sources"]
        assert (stored["verification"], stored["evidence"]) == ("verified", "grant")
        assert stored["grant_id"] == held.id

    def test_a_date_before_the_grant_is_declared(self, world):
        held = grant(world, "stranger")
        product = register(world, "stranger", [source(world, "conditional", obtained="2025-01-02")])
        [stored] = product["sources"]
        assert stored["verification"] == "declared"
        assert stored["grant_id"] == held.id  # the grant it was cited under

    def test_a_past_grant_still_allows_citing(self, world):
        held = grant(world, "stranger")
        helpers.call_action("govshare_grant_revoke", context=world.context("sysadmin"),
                            id=held.id, reason="测试撤销")
        product = register(world, "stranger", [source(world, "conditional")])
        # revoked today: it still covered the earlier part of today
        assert product["sources"][0]["verification"] == "verified"
        older = register(world, "stranger", [source(world, "conditional", obtained="2025-01-02")],
                         name="older")
        assert older["sources"][0]["verification"] == "declared"

    def test_members_cite_conditional_and_closed_data(self, world):
        product = register(world, "member", [source(world, "conditional"),
                                             source(world, "closed")])
        assert [s["verification"] for s in product["sources"]] == ["declared", "declared"]

    def test_verification_cannot_be_sent(self, world):
        product = register(world, "stranger", [
            source(world, verification="verified", evidence="receipt", grant_id="x")])
        [stored] = product["sources"]
        assert stored["verification"] == "declared"
        assert "evidence" not in stored and "grant_id" not in stored

    def test_an_organization_cannot_be_given(self, world):
        product = register(world, "member", [source(world)],
                           owner_org=world.owner_org["id"])
        assert product.get("owner_org") is None
