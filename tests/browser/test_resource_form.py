"""An agency's editor adds resources through the resource form, whose
Upload / Link / Remove buttons work through GovShare's
``assets/js/upload-buttons.js`` (the portal's Content-Security-Policy runs
no inline handlers) beside CKAN's ``resource-upload-field`` module."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"
CSV = "站点编号,站点名称\n1,火车站\n2,人民广场\n".encode("utf-8")


@pytest.fixture(scope="module")
def agency(module_db):
    editor = factories.User(password=PASSWORD)
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    factories.Dataset(owner_org=org["id"], name="bus-stops", title="公交站点",
                      resources=[{"name": "线路表", "format": "CSV",
                                  "url": "http://files.example.gov.cn/routes.csv"}])
    return {"editor": {**editor, "password": PASSWORD}}


def resources() -> dict[str, dict]:
    return {r["name"]: r for r in call_action("package_show", id="bus-stops")["resources"]}


def test_uploading_a_file(open_visitor, agency):
    visitor = open_visitor(user=agency["editor"]).go("/dataset/bus-stops/resource/new")
    page = visitor.page
    with page.expect_file_chooser() as chooser:
        page.click("#resource-upload-button")             # 上传
    chooser.value.set_files(files=[{"name": "stops-2026.csv", "mimeType": "text/csv",
                                    "buffer": CSV}])
    assert page.is_checked("#resource-url-upload")
    # CKAN's module names the resource after the file
    assert page.input_value("#field-name") == "stops-2026.csv"
    page.fill("#field-description", "全市公交站点，2026 年。")
    with visitor.navigation():
        page.click("#resource-edit button[value=go-dataset-complete]")   # 新增

    assert page.locator(".resource-item", has_text="stops-2026.csv").is_visible()
    resource = resources()["stops-2026.csv"]
    assert resource["url_type"] == "upload"
    # the file as the browser downloads it
    assert page.evaluate("url => fetch(url).then(answer => answer.text())",
                         resource["url"]) == CSV.decode("utf-8")


@pytest.mark.parametrize("lang, phone", [("", False), ("en", True)], ids=["zh", "en-phone"])
def test_linking_a_url(open_visitor, agency, lang, phone):
    name = f"站点接口-{lang or 'zh'}"
    url = f"http://api.example.gov.cn/bus/stops-{lang or 'zh'}.json"
    visitor = open_visitor(lang=lang, phone=phone, user=agency["editor"])
    visitor.go("/dataset/bus-stops/resource/new")
    page = visitor.page
    url_field = page.locator("#field-resource-url")
    assert url_field.is_hidden()

    page.click("#resource-link-button")                   # 链接
    assert url_field.is_visible()
    assert url_field.evaluate("field => field === document.activeElement")
    page.keyboard.type("http://wrong.example.org/")
    # 移除: the address is emptied, the choice offered again
    page.click("#resource-url-link + .select-type .btn-remove-url")
    assert url_field.is_hidden() and page.is_visible("#resource-link-button")

    page.click("#resource-link-button")
    assert url_field.input_value() == ""
    page.keyboard.type(url)
    page.fill("#field-name", name)
    with visitor.navigation():
        page.click("#resource-edit button[value=go-dataset-complete]")

    assert page.locator(".resource-item", has_text=name).is_visible()
    assert resources()[name]["url"] == url
