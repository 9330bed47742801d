"""An anonymous visitor on pages kept by the page cache (production's
``ckanext.govshare.page_cache.ttl``): the kept page's scripts start, its
inline elements run under the policy with the visitor's own nonce, the
label's copy button copies; and when the agency closes the dataset, the
next visit is refused, not served from what was kept — in Chinese, then in
English on a phone."""
from __future__ import annotations

import io
from typing import Any, Optional

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.govshare import options
from ckanext.govshare.page_cache import pages
from tests import factories
from tests.browser.test_citizen_journey import WORDS, pasted

CSV = "站点,日均客流\n人民广场,52000\n火车站,48000\n".encode()


@pytest.fixture(scope="module")
def agency(module_db) -> dict[str, Any]:
    sysadmin = factories.Sysadmin()
    return {"sysadmin": sysadmin,
            "org": factories.Organization(name="metro-company", title="市轨道交通集团")}


def dataset_with_file(agency: dict[str, Any], name: str) -> tuple[dict, dict]:
    dataset = factories.Dataset(owner_org=agency["org"]["id"], name=name,
                                title="地铁客流 Metro ridership", resources=[])
    upload = call_action(
        "resource_create", context={"user": agency["sysadmin"]["name"]},
        package_id=dataset["id"], upload=FakeFileStorage(io.BytesIO(CSV), "ridership.csv"),
        name="客流表", format="CSV")
    return dataset, upload


def open_page(visitor, path: str) -> tuple[int, Optional[str]]:
    """Open a page as the visitor's browser does; its status and whether it
    came from the page cache."""
    response = visitor.page.goto(visitor.url(path), wait_until="domcontentloaded")
    visitor.ready()
    return response.status, response.headers.get(pages.HEADER.lower())


@pytest.mark.parametrize("lang, phone", [("", False), ("en", True)], ids=["zh", "en-phone"])
def test_a_kept_page_works_and_a_closed_dataset_is_gone(open_visitor, agency, lang, phone,
                                                         monkeypatch):
    monkeypatch.setitem(tk.config, options.PAGE_CACHE_TTL, 60)
    words = WORDS[lang]
    dataset, upload = dataset_with_file(agency, f"metro-ridership-{lang or 'zh'}")
    path = f"/dataset/{dataset['name']}/resource/{upload['id']}"
    visitor = open_visitor(lang=lang, phone=phone)

    # kept at the second visit, served whole at the third
    assert [open_page(visitor, path) for _ in range(3)] == [
        (200, None), (200, None), (200, "hit")]
    page = visitor.page
    # the kept page's own scripts: the label copies as it is shown
    shown = page.locator(".govshare-label-text").inner_text().strip()
    assert "市轨道交通集团" in shown and "地铁客流 Metro ridership" in shown
    page.locator(".govshare-label").get_by_role("button", name=words["copy"]).click()
    assert page.locator(".govshare-label [role=status]").inner_text() == words["copied"]
    assert pasted(page) == "\n".join(line.strip() for line in shown.splitlines() if line.strip())
    # a search, kept too
    assert [open_page(visitor, "/dataset/?q=地铁")[1] for _ in range(3)] == [None, None, "hit"]
    assert page.locator(".dataset-heading a", has_text="地铁客流").count() == 1

    # the agency closes the dataset: nothing kept shows it any more
    call_action("package_patch", context={"user": agency["sysadmin"]["name"]},
                id=dataset["id"], open_tier="closed", open_tier_reason="涉及商业秘密",
                open_tier_basis="《测试依据》第三条")
    status, cache = open_page(visitor, path)
    assert (status, cache) == (404, None)
    status, cache = open_page(visitor, "/dataset/?q=地铁")
    assert cache is None
    assert page.locator(".dataset-heading a", has_text="地铁客流").count() == 0
