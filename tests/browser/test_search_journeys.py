"""A citizen on the dataset search: the sort order and the language, both
changed by CKAN's scripts (``select-switch``: the form is sent when the
select changes; there is no button to press)."""
from __future__ import annotations

import pytest

from tests import factories

TITLES = ("Alpha 公交线路", "Beta 地铁站点", "Gamma 出租车泊位")


@pytest.fixture(scope="module")
def catalog(module_db):
    org = factories.Organization(title="交通运输局")
    for title in TITLES:
        factories.Dataset(owner_org=org["id"], title=title)


def headings(visitor) -> list[str]:
    return [text.strip() for text in
            visitor.page.locator(".dataset-list .dataset-heading a").all_inner_texts()]


def choose_order(visitor, label: str) -> None:
    with visitor.navigation():
        visitor.page.select_option("#field-order-by", label=label)


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("lang, phone, ascending, descending", [
    ("", False, "按名称升序", "按名称降序"),
    ("en", False, "Name Ascending", "Name Descending"),
    ("", True, "按名称升序", "按名称降序"),
], ids=["zh", "en", "zh-phone"])
def test_changing_the_order_reorders_the_results(open_visitor, lang, phone,
                                                 ascending, descending):
    visitor = open_visitor(lang=lang, phone=phone).go("/dataset/")
    # the "Go" button is for browsers without scripts: hidden here
    assert visitor.page.locator(".control-order-by button[type=submit]").is_hidden()

    choose_order(visitor, descending)
    assert "sort=title_string+desc" in visitor.page.url
    assert headings(visitor) == sorted(TITLES, reverse=True)
    assert visitor.page.locator("#field-order-by option:checked").inner_text().strip() \
        == descending

    choose_order(visitor, ascending)
    assert "sort=title_string+asc" in visitor.page.url
    assert headings(visitor) == sorted(TITLES)


def choose_language(visitor, name: str) -> None:
    page = visitor.page
    page.click("#s2id_field-lang-select .select2-choice")
    with visitor.navigation():
        page.click(f".lang-dropdown .select2-results li:has-text('{name}')")


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_language_switcher_switches_to_english_and_back(open_visitor, phone):
    visitor = open_visitor(phone=phone).go("/dataset/?sort=title_string+asc")
    page = visitor.page
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    assert visitor.translate("Cancel") == "取消"    # the scripts' own messages

    choose_language(visitor, "English")
    assert page.url.endswith("/en/dataset/?sort=title_string+asc")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("label[for=field-order-by]").inner_text() == "Order by"
    assert headings(visitor) == sorted(TITLES)      # the same search, in English

    choose_language(visitor, "中文")
    assert "/zh_Hans_CN/dataset/" in page.url
    assert page.get_attribute("html", "lang") == "zh-Hans-CN"
    assert page.locator("label[for=field-order-by]").inner_text() == "排序"
    assert visitor.translate("Cancel") == "取消"


def search_for(visitor, typed: str) -> str:
    page = visitor.page
    page.fill("#field-giant-search", typed)
    with visitor.navigation():
        page.press("#field-giant-search", "Enter")
    return page.locator(".search-form h1, .search-form h2").first.inner_text().strip()


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("lang, phone, no_match", [
    ("", False, "没有找到与“gama”相关的数据集；以下是“gamma”的 1 个数据集"),
    ("en", False, 'No datasets found for "gama"; 1 dataset found for "gamma"'),
    ("", True, "没有找到与“gama”相关的数据集；以下是“gamma”的 1 个数据集"),
], ids=["zh", "en", "zh-phone"])
def test_a_citizen_types_as_people_type(open_visitor, lang, phone, no_match):
    """Chinese without spaces, with a word no title has (查询), finds the
    line; a typo is searched as the catalog spells it, and the page says so."""
    visitor = open_visitor(lang=lang, phone=phone).go("/dataset/")
    search_for(visitor, "公交线路查询")
    assert headings(visitor) == ["Alpha 公交线路"]
    assert search_for(visitor, "gama") == no_match
    assert headings(visitor) == ["Gamma 出租车泊位"]
