"""A citizen finds open data and takes it away: searches, narrows the
results to one agency with the facet, sorts them, opens a dataset and its
file, downloads the file, and copies the source-and-date label a product
made with it must carry — in Chinese, then in English on a phone."""
from __future__ import annotations

import io

import pytest

from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from tests import factories

CSV = "线路,起止站点\nK1,火车站—人民广场\nB17,西站—东湖公园\n".encode()
#: what the pages say, by language
WORDS = {
    "": {"download": "下载", "copy": "复制标注", "copied": "已复制到剪贴板。",
         "descending": "按名称降序", "source": "来源"},
    "en": {"download": "Download", "copy": "Copy label", "copied": "Copied to the clipboard.",
           "descending": "Name Descending", "source": "Source"},
}


@pytest.fixture(scope="module")
def catalog(module_db) -> dict:
    sysadmin = factories.Sysadmin()
    transport = factories.Organization(name="city-transport", title="市交通运输局")
    other = factories.Organization(name="city-environment", title="市生态环境局")
    routes = factories.Dataset(owner_org=transport["id"], name="bus-routes",
                               title="公交线路 Bus routes", resources=[])
    upload = call_action(
        "resource_create", context={"user": sysadmin["name"]}, package_id=routes["id"],
        upload=FakeFileStorage(io.BytesIO(CSV), "bus-routes.csv"), name="线路表",
        format="CSV")
    factories.Dataset(owner_org=transport["id"], name="bus-stops", title="公交站点 Bus stops")
    factories.Dataset(owner_org=other["id"], name="bus-emissions",
                      title="公交尾气排放 Bus emissions")
    return {"resource": upload}


def headings(page) -> list[str]:
    return [t.strip() for t in page.locator(".dataset-list .dataset-heading a").all_inner_texts()]


@pytest.mark.parametrize("lang, phone", [("", False), ("en", True)], ids=["zh", "en-phone"])
def test_a_citizen_finds_downloads_and_cites_open_data(open_visitor, catalog, lang, phone):
    words = WORDS[lang]
    visitor = open_visitor(lang=lang, phone=phone).go("/dataset/")
    page = visitor.page

    page.fill("#field-giant-search", "公交")
    with visitor.navigation():
        page.press("#field-giant-search", "Enter")
    assert sorted(headings(page)) == ["公交尾气排放 Bus emissions", "公交站点 Bus stops",
                                      "公交线路 Bus routes"]

    # one agency's datasets (on a phone the filters are behind a button)
    if phone:
        page.click(".show-filters")
    with visitor.navigation():
        page.click(".secondary a[href*='organization=city-transport']")
    assert sorted(headings(page)) == ["公交站点 Bus stops", "公交线路 Bus routes"]

    # sorted by name, the query and the filter kept
    with visitor.navigation():
        page.select_option("#field-order-by", label=words["descending"])
    assert "organization=city-transport" in page.url and "sort=title_string+desc" in page.url
    assert headings(page) == ["公交线路 Bus routes", "公交站点 Bus stops"]

    with visitor.navigation():
        page.click(".dataset-heading a:has-text('公交线路')")
    with visitor.navigation():
        page.click(".resource-item a.heading:has-text('线路表')")
    assert catalog["resource"]["id"] in page.url

    # the file itself, as the portal stored it
    with page.expect_download() as started:
        page.locator("a.btn.resource-url-analytics", has_text=words["download"]).click()
    download = started.value
    assert download.suggested_filename == "bus-routes.csv"
    assert open(download.path(), "rb").read() == CSV

    # the label: copied as the page shows it, source agency first
    label = page.locator(".govshare-label-text")
    shown = label.inner_text().strip()
    assert "市交通运输局" in shown and "公交线路 Bus routes" in shown
    page.locator(".govshare-label").get_by_role("button", name=words["copy"]).click()
    assert page.locator(".govshare-label [role=status]").inner_text() == words["copied"]
    assert pasted(page) == "\n".join(line.strip() for line in shown.splitlines() if line.strip())


def pasted(page) -> str:
    """What the clipboard holds, pasted into a field as a user would paste
    it (the site is served over plain HTTP in the tests, where browsers
    offer no ``navigator.clipboard``: the page copies with execCommand)."""
    page.evaluate("""() => { const area = document.createElement('textarea');
      area.id = 'pasted'; document.body.appendChild(area); }""")
    page.focus("#pasted")
    page.keyboard.press("Control+V")
    return page.input_value("#pasted")
