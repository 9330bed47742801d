"""A citizen at the front door: the home page's tier counts are what the
search finds, its search box leads to the results, About and Help are in
the header, and what a sysadmin writes into Help at /ckan-admin/config is
what a visitor reads. Then English, and the home page on a phone."""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.lib import app_globals
from ckan.logic.schema import update_configuration_schema
from ckan.tests.helpers import call_action

from ckanext.govshare import options

from tests import factories

PASSWORD = "Correct-Horse-2026"
CONTACT = "政务服务热线 12345（工作日 9:00–17:00）"


@pytest.fixture(scope="module")
def catalog(module_db):
    org = factories.Organization(title="交通运输局")
    for title, tier in (("公交线路", "unconditional"), ("地铁站点", "unconditional"),
                        ("施工许可", "conditional"), ("内部名册", "closed")):
        factories.Dataset(owner_org=org["id"], title=title, open_tier=tier)
    admin = factories.Sysadmin(password=PASSWORD)
    yield {"admin": {**admin, "password": PASSWORD}}
    # the admin form saved every option of its page into the database and
    # the running config: put them back as CKAN's "Reset" button does
    for key in update_configuration_schema():
        model.delete_system_info(key)
    app_globals.reset()


def public_count(tier: str) -> int:
    return call_action("package_search", {"user": "", "ignore_auth": False}, rows=0,
                       fq=f"+dataset_type:dataset +open_tier:{tier}")["count"]


def test_the_front_door_in_chinese(open_visitor, catalog):
    visitor = open_visitor().go("/")
    page = visitor.page
    for tier, label in (("unconditional", "无条件开放"), ("conditional", "有条件开放")):
        tile = page.locator(f".govshare-home-tier-{tier}")
        assert tile.locator(".govshare-home-tier-label").inner_text() == label
        assert int(tile.locator(".govshare-home-count").inner_text()) == public_count(tier)
    assert page.locator(".govshare-home-tier-closed").count() == 0
    assert "内部名册" not in page.inner_text("body")

    page.fill("#govshare-home-q", "公交")
    with visitor.navigation():
        page.press("#govshare-home-q", "Enter")
    assert "/dataset/?q=" in page.url
    results = page.locator(".dataset-list .dataset-heading a").all_inner_texts()
    assert [t.strip() for t in results] == ["公交线路"]

    with visitor.navigation():
        page.locator("header").get_by_role("link", name="关于").click()
    assert "向社会开放其所掌握数据的统一平台" in page.inner_text("main, [role=main]")
    with visitor.navigation():
        page.locator("header").get_by_role("link", name="帮助").click()
    assert page.locator("h1").inner_text() == "帮助"
    assert "平台运营单位在此公布的联系方式" in page.locator("#contact").inner_text()

    # a sysadmin writes the contact section in the admin form
    admin = open_visitor(user=catalog["admin"]).go("/ckan-admin/config")
    field = admin.page.locator(f'textarea[name="{options.PORTAL_HELP_CONTACT}"]')
    assert admin.page.locator(f'label[for="{field.get_attribute("id")}"]').inner_text() \
        == "帮助页面：联系我们"
    field.fill(f"**{CONTACT}**")
    with admin.navigation():
        admin.page.locator("#admin-config-form button[name=save]").click()
    assert field.input_value() == f"**{CONTACT}**"

    page.reload(wait_until="domcontentloaded")
    visitor.ready()
    assert page.locator("#contact strong").inner_text() == CONTACT
    assert "平台运营单位在此公布的联系方式" not in page.locator("#contact").inner_text()


@pytest.mark.parametrize("lang, phone", [("en", False), ("", True), ("en", True)],
                         ids=["en", "zh-phone", "en-phone"])
def test_the_home_page_in_english_and_on_a_phone(open_visitor, catalog, lang, phone):
    visitor = open_visitor(lang=lang, phone=phone).go("/")
    page = visitor.page
    label = "Open unconditionally" if lang == "en" else "无条件开放"
    assert page.locator(".govshare-home-tier-unconditional .govshare-home-tier-label") \
        .inner_text() == label
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    box = page.locator("#govshare-home-q")
    assert box.is_visible()
    box.tap() if phone else box.click()
    box.fill("地铁")
    with visitor.navigation():
        page.locator(".govshare-home-search button[type=submit]").click()
    assert page.url.startswith(visitor.url("/dataset/?q="))
    assert [t.strip() for t in page.locator(".dataset-list .dataset-heading a")
            .all_inner_texts()] == ["地铁站点"]
