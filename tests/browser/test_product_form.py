"""A developer registers a data product: CKAN's ``slug-preview`` makes the
URL name from the title as it is typed, and scheming's
``scheming-repeating-subfields`` module adds a source row ("新增")."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def developer(module_db):
    org = factories.Organization()
    for name, title in [("city-bus-routes", "公交线路"), ("city-metro-stations", "地铁站点")]:
        factories.Dataset(owner_org=org["id"], name=name, title=title)
    user = factories.User(password=PASSWORD)
    return {**user, "password": PASSWORD}


@pytest.mark.parametrize("lang, phone, title, slug", [
    ("", False, "Bus Arrival 公交到站查询", "bus-arrival"),
    ("en", True, "Metro Map 2026", "metro-map-2026"),
], ids=["zh", "en-phone"])
def test_registering_a_product_with_two_sources(open_visitor, developer,
                                                lang, phone, title, slug):
    visitor = open_visitor(lang=lang, phone=phone, user=developer)
    visitor.go("/data_product/new")
    page = visitor.page
    # the URL name is not asked for: it follows the title
    assert page.locator("#field-name").is_hidden()
    page.click("#field-title")
    page.keyboard.type(title)
    assert page.inner_text(".slug-preview-value") == slug

    page.fill("#field-notes", "到站时间查询，使用公交线路和地铁站点数据。")
    page.select_option("#field-product_kind", "app")
    page.select_option("#field-producer_type", "person")
    page.fill("#field-producer_name", "张三")

    rows = page.locator(".scheming-repeating-subfields-group .scheming-subfield-group")
    assert rows.count() == 1
    page.click("a[name=repeating-add]")                       # 新增
    assert rows.count() == 2
    for index, dataset in enumerate(["city-bus-routes", "city-metro-stations"]):
        page.fill(f"#field-sources-{index}-dataset", dataset)
        page.fill(f"#field-sources-{index}-obtained_date", "2026-11-30")

    with visitor.navigation():
        page.click("#dataset-edit button[name=save]")
    assert page.url.endswith(f"/data_product/{slug}")
    assert page.locator("article h1", has_text=title).is_visible()
    product = call_action("package_show", id=slug)
    assert [s["dataset"] for s in product["sources"]] == \
        [call_action("package_show", id=name)["id"]
         for name in ("city-bus-routes", "city-metro-stations")]
