"""A developer registers a data product: CKAN's ``slug-preview`` makes the
URL name from the title as it is typed, scheming's
``scheming-repeating-subfields`` module adds a source row ("新增"), and each
source is picked by typing words of a dataset's title (CKAN's
``autocomplete`` module asking ``govshare_products.source_autocomplete``),
Chinese or English, and choosing the suggestion."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def developer(module_db):
    org = factories.Organization()
    for name, title in [("city-bus-routes", "公交线路 City Bus Routes"),
                        ("city-metro-stations", "地铁站点 Metro Stations")]:
        factories.Dataset(owner_org=org["id"], name=name, title=title)
    user = factories.User(password=PASSWORD)
    return {**user, "password": PASSWORD}


def pick_source(visitor, index: int, typed: str, title: str) -> None:
    """Type into the source picker of row ``index`` and choose the
    suggestion with ``title`` (the typed words themselves are offered too)."""
    page = visitor.page
    page.click(f"#s2id_field-sources-{index}-dataset .select2-choice")
    page.locator("#select2-drop .select2-input").press_sequentially(typed)
    page.click(f"#select2-drop .select2-result-selectable:has-text('{title}')")


@pytest.mark.parametrize("lang, phone, title, slug, typed", [
    ("", False, "Bus Arrival 公交到站查询", "bus-arrival", ("公交", "地铁")),
    ("en", True, "Metro Map 2026", "metro-map-2026", ("bus", "metro")),
], ids=["zh", "en-phone"])
def test_registering_a_product_with_two_sources(open_visitor, developer,
                                                lang, phone, title, slug, typed):
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
    for index, (words, dataset) in enumerate(zip(typed, ["公交线路", "地铁站点"])):
        pick_source(visitor, index, words, dataset)
        # the picker shows the title, the form sends the URL name
        assert dataset in page.inner_text(f"#s2id_field-sources-{index}-dataset")
        assert page.input_value(f"#field-sources-{index}-dataset") == \
            ["city-bus-routes", "city-metro-stations"][index]
        page.fill(f"#field-sources-{index}-obtained_date", "2026-11-30")

    with visitor.navigation():
        page.click("#dataset-edit button[name=save]")
    assert page.url.endswith(f"/data_product/{slug}")
    assert page.locator("article h1", has_text=title).is_visible()
    product = call_action("package_show", id=slug)
    assert [s["dataset"] for s in product["sources"]] == \
        [call_action("package_show", id=name)["id"]
         for name in ("city-bus-routes", "city-metro-stations")]

    # editing it, each source is shown by its title, not the stored id
    visitor.go(f"/data_product/edit/{slug}")
    assert "公交线路" in page.inner_text("#s2id_field-sources-0-dataset")
    assert page.input_value("#field-sources-0-dataset") == product["sources"][0]["dataset"]
