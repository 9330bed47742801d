"""A citizen finds data by its openness tier: searches, reads each result's
tier badge and what it means, filters by the tier facet (the first one),
opens an entry and finds the one action that fits at the top of the page —
apply for a conditional entry, download an open one — in Chinese, in
English, and on a phone, where the action is on the first screen and the
resources' download menus are there too."""
from __future__ import annotations

import re

import pytest

from tests import factories

SEARCH = "交通运输"
#: what the pages say, by language
WORDS = {
    "": {"tier": "开放类型", "unconditional": "无条件开放", "conditional": "有条件开放",
         "apply": "申请获取", "download": "下载数据", "filter": "过滤结果"},
    "en": {"tier": "Openness tier", "unconditional": "Open unconditionally",
           "conditional": "Open on conditions", "apply": "Apply for access",
           "download": "Download data", "filter": "Filter Results"},
}


@pytest.fixture(scope="module")
def catalog(module_db):
    org = factories.Organization(title="市交通运输局")
    factories.Dataset(
        owner_org=org["id"], name="bus-routes", title="交通运输 公交线路",
        notes="全市公交线路的走向、站点和首末班时间。" * 4,
        resources=[{"url": f"http://files.example.org/bus/{name}.csv", "format": "CSV",
                    "name": title} for name, title in (("lines", "线路表"), ("stops", "站点表"))],
        info_items=[{"name": f"字段{i}", "type": "string"} for i in range(11)])
    factories.Dataset(owner_org=org["id"], name="operator-credit", title="交通运输 企业信用",
                      open_tier="conditional",
                      resources=[{"url": "http://files.example.org/credit.csv",
                                  "format": "CSV", "name": "信用表"}])
    factories.Dataset(owner_org=org["id"], name="staff-list", title="交通运输 内部名单",
                      open_tier="closed")


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two CSS ``rgb(...)`` colours."""
    def luminance(css: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def results(page) -> dict[str, str]:
    """Each result's title and the words of its tier badge."""
    out = {}
    for item in page.locator(".dataset-list .dataset-item").all():
        badge = item.locator(".govshare-tier")
        out[item.locator(".dataset-heading a").inner_text().strip()] = \
            badge.inner_text().strip() if badge.count() else ""
    return out


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("lang, phone", [("", False), ("en", False), ("", True)],
                         ids=["zh", "en", "zh-phone"])
def test_finding_and_getting_data_by_its_tier(open_visitor, lang, phone):
    words = WORDS[lang]
    visitor = open_visitor(lang=lang, phone=phone).go("/dataset/")
    page = visitor.page
    page.fill("#field-giant-search", SEARCH)
    with visitor.navigation():
        page.press("#field-giant-search", "Enter")

    # every result shows its tier in words, with its meaning; the closed one is not there
    shown = results(page)
    assert set(shown) == {"交通运输 公交线路", "交通运输 企业信用"}
    assert words["unconditional"] in shown["交通运输 公交线路"]
    assert words["conditional"] in shown["交通运输 企业信用"]
    for badge in page.locator(".dataset-item .govshare-tier").all():
        colours = badge.evaluate("(e) => [getComputedStyle(e).color,"
                                 " getComputedStyle(e).backgroundColor]")
        assert contrast(*colours) >= 4.5, colours
        assert badge.locator("xpath=following-sibling::*[1]").inner_text().strip()  # meaning

    # the tier facet is the first; choosing "conditional" keeps that entry only
    if phone:
        page.click(f".show-filters:has-text('{words['filter']}')")
    facets = page.locator(".secondary section.module-shallow")
    assert facets.first.locator("h2").inner_text().strip() == words["tier"]
    with visitor.navigation():
        facets.first.locator(".item-label", has_text=words["conditional"]).click()
    assert "open_tier=conditional" in page.url
    assert list(results(page)) == ["交通运输 企业信用"]

    # the entry's page: its tier, and the action that fits — apply
    with visitor.navigation():
        page.click(".dataset-heading a")
    panel = page.locator(".govshare-tier-panel")
    assert words["conditional"] in panel.inner_text()
    apply = panel.locator(".govshare-tier-action a.btn")
    assert apply.inner_text().strip() == words["apply"]
    assert apply.get_attribute("href").endswith("/dataset/operator-credit/apply")
    if phone:
        box = apply.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box

    # an open entry: download, here a list of two files, whose menus phones show too
    visitor.go("/dataset/bus-routes")
    download = page.locator(".govshare-tier-action a.btn")
    assert download.inner_text().strip() == words["download"]
    if phone:
        box = download.bounding_box()
        assert box["y"] + box["height"] <= 844, box
    download.click()
    explore = page.locator(".resource-item .dropdown-toggle").first
    assert explore.is_visible() and explore.bounding_box()["y"] < 844
    explore.click()
    assert page.locator(".resource-item .dropdown-menu a[href='http://files.example.org"
                        "/bus/lines.csv']").is_visible()

    # the eleven information items are one table; empty fields have no row
    assert page.locator("table.govshare-info-items tbody tr").count() == 11
    assert page.locator(".additional-info tr", has_text=words["tier"]).is_visible()
    empty = "空间范围" if not lang else "Spatial coverage"
    assert page.locator(".additional-info tr", has_text=empty).is_hidden()
