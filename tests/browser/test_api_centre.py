"""A developer in the API centre: opens an action, copies its example with
the button, runs the example from the browser and finds the token page, in
Chinese; then English on a phone, where the examples scroll inside their
boxes, not the page."""
from __future__ import annotations

import pytest

from ckanext.govshare.tiers import policy

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def catalog(module_db):
    org = factories.Organization(title="交通运输局")
    dataset = factories.Dataset(owner_org=org["id"], name="bus-routes-api", title="公交线路",
                                resources=[{"url": "http://files.example.org/bus.csv",
                                            "format": "CSV", "name": "线路表"}])
    factories.Dataset(owner_org=org["id"], name="permits-api", title="施工许可",
                      open_tier=policy.CONDITIONAL)
    developer = factories.User(password=PASSWORD)
    return {"dataset": dataset, "developer": {**developer, "password": PASSWORD}}


def pasted(page) -> str:
    """What the clipboard holds, pasted into a text box of its own."""
    page.evaluate("""() => { const area = document.createElement('textarea');
        area.id = 'paste-here'; document.body.appendChild(area); area.focus(); }""")
    page.keyboard.press("Control+V")
    text = page.input_value("#paste-here")
    page.evaluate("() => document.getElementById('paste-here').remove()")
    return text


def test_the_api_centre_in_chinese(open_visitor, catalog):
    developer = catalog["developer"]
    visitor = open_visitor(user=developer).go("/api-centre")
    page = visitor.page
    assert page.locator("h1").inner_text() == "API 服务中心"
    assert page.locator("#group-core h2").inner_text() == "数据查询与获取"

    action = page.locator("#action-package_show")
    example = action.locator("#action-package_show-curl")
    assert not example.is_visible()
    action.locator("summary").click()                        # expand
    assert example.is_visible()
    assert "id=bus-routes-api" in example.inner_text()
    action.get_by_role("button", name="复制 package_show 的 curl 示例").click()
    status = action.locator("#action-package_show-curl-status")
    status.filter(has_text="已复制到剪贴板。").wait_for()
    # each line as the page shows it (the copy trims the lines' indentation,
    # which a shell ignores after "\")
    assert pasted(page).splitlines() == [
        line.strip() for line in example.inner_text().strip().splitlines()]

    # the example runs as it stands
    href = action.get_by_role("link", name="在浏览器中打开此调用").get_attribute("href")
    answer = page.evaluate("(url) => fetch(url).then((r) => r.json())", href)
    assert answer["success"] is True and answer["result"]["name"] == "bus-routes-api"

    with visitor.navigation():
        page.get_by_role("link", name="创建或撤销 API 令牌").click()
    assert page.url.endswith(f"/user/{developer['name']}/api-tokens")


def test_the_api_centre_in_english_on_a_phone(open_visitor, catalog):
    visitor = open_visitor(lang="en", phone=True).go("/api-centre")
    page = visitor.page
    assert page.locator("h1").inner_text() == "API centre"
    action = page.locator("#action-govshare_application_create")
    action.locator("summary").click()
    assert action.locator(".badge", has_text="Token needed").is_visible()
    example = action.locator("#action-govshare_application_create-ckanapi")
    assert "package_id=permits-api" in example.inner_text()
    action.get_by_role(
        "button", name="Copy the ckanapi example of govshare_application_create").click()
    action.locator("#action-govshare_application_create-ckanapi-status").filter(
        has_text="Copied to the clipboard.").wait_for()
    # long commands scroll in their box; the page itself does not scroll sideways
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.get_by_role("link", name="Log in to create an API token").is_visible()
