"""Accessibility of the key pages: axe-core (vendored from npm,
``tests/browser/vendor``) on each page, in Chinese and in English, as an
anonymous visitor or as a user who applies for data and reviews it for
their own agency. A critical or serious violation fails the page, with the
rule, the elements and the rule's help page.

One browser context per language and role, for the whole module: the pages
are read, not changed, so they need no fresh context each.
"""
from __future__ import annotations

import io
from typing import Any, Iterator

import pytest

from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from tests import factories
from tests.applications.conftest import application_data
from tests.browser.conftest import Visitor

PASSWORD = "Correct-Horse-2026"
CSV = "线路,起止站点\nK1,火车站—人民广场\nK2,机场—会展中心\n".encode()

#: page id → (who visits it, its path; ``{name}`` fields from the catalog)
PAGES = {
    "home": ("anonymous", "/"),
    "search": ("anonymous", "/dataset/"),       # datasets and products
    "dataset-unconditional": ("anonymous", "/dataset/{open}"),
    "dataset-conditional": ("anonymous", "/dataset/{conditional}"),
    "dataset-closed": ("user", "/dataset/{closed}"),
    "resource": ("anonymous", "/dataset/{open}/resource/{resource}"),
    "login": ("anonymous", "/user/login"),
    "register": ("anonymous", "/user/register"),
    "dashboard": ("user", "/dashboard/"),
    "api-tokens": ("user", "/user/{user}/api-tokens"),
    "application-form": ("user", "/dataset/{apply_to}/apply"),
    "application": ("user", "/application/{application}"),
    "reviewer-inbox": ("user", "/organization/{own_org}/applications"),
    "publication-inbox": ("user", "/organization/{own_org}/publication"),
    "organization": ("anonymous", "/organization/{org}"),
    "help": ("anonymous", "/help"),
    "api-centre": ("anonymous", "/api-centre"),
}


@pytest.fixture(scope="module")
def catalog(module_db) -> dict[str, str]:
    """An agency's open, conditional and closed entries (the open one with
    a file and a product built on it); a user who administers another
    agency, whose inbox holds an application, and who applied for data."""
    sysadmin = factories.Sysadmin()
    user = factories.User(password=PASSWORD, fullname="李明")
    org = factories.Organization(title="市交通运输局", name="a11y-transport")
    own_org = factories.Organization(title="市卫生健康委员会", name="a11y-health",
                                     users=[{"name": user["name"], "capacity": "admin"}])
    opened = factories.Dataset(owner_org=org["id"], name="a11y-bus", title="交通 公交线路",
                               notes="全市公交线路的走向、站点和首末班时间。", resources=[])
    resource = call_action(
        "resource_create", context={"user": sysadmin["name"]}, package_id=opened["id"],
        upload=FakeFileStorage(io.BytesIO(CSV), "公交线路.csv"), name="线路表", format="CSV")
    conditional = factories.Dataset(owner_org=org["id"], name="a11y-credit",
                                    title="交通 企业信用", open_tier="conditional",
                                    resources=[{"url": "http://files.example.org/c.csv",
                                                "format": "CSV", "name": "信用表"}])
    apply_to = factories.Dataset(owner_org=org["id"], name="a11y-permits",
                                 title="交通 施工许可", open_tier="conditional",
                                 resources=[{"url": "http://files.example.org/p.csv",
                                             "format": "CSV", "name": "许可表"}])
    closed = factories.Dataset(owner_org=own_org["id"], name="a11y-staff",
                               title="卫健 内部名册", open_tier="closed")
    reviewed = factories.Dataset(owner_org=own_org["id"], name="a11y-clinics",
                                 title="卫健 诊所名录", open_tier="conditional",
                                 resources=[{"url": "http://files.example.org/h.csv",
                                             "format": "CSV", "name": "诊所表"}])
    mine = call_action("govshare_application_create", context={"user": user["name"]},
                       **application_data(conditional["id"]))
    call_action("govshare_application_create", context={"user": factories.User()["name"]},
                **application_data(reviewed["id"]))
    call_action("package_create", context={"user": user["name"]},
                type="data_product", name="a11y-bus-app", title="公交到站查询",
                notes="用公交线路数据做的到站查询应用", product_kind="app",
                producer_type="person", producer_name="李明",
                sources=[{"dataset": opened["name"], "obtained_date": "2026-01-05"}])
    return {"user": user["name"], "user_id": user["id"], "org": org["name"],
            "own_org": own_org["name"], "open": opened["name"], "resource": resource["id"],
            "conditional": conditional["name"], "closed": closed["name"],
            "apply_to": apply_to["name"], "application": mine["id"]}


@pytest.fixture(scope="module")
def visitors(contexts, catalog) -> Iterator[dict[tuple[str, str], Visitor]]:
    """One visitor per language and role, opened on first use."""
    user = {"name": catalog["user"], "id": catalog["user_id"], "password": PASSWORD}

    class Lazy(dict):
        def __missing__(self, key: tuple[str, str]) -> Visitor:
            lang, role = key
            # kept in the dict: one context per language and role for the
            # module, not one per page
            self[key] = contexts.visitor(lang, user if role == "user" else None)
            return self[key]

    opened = Lazy()
    yield opened
    for visitor in opened.values():
        contexts.hand_back(visitor)


@pytest.mark.parametrize("lang", ["", "en"], ids=["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_no_serious_accessibility_violation(visitors, catalog: dict[str, Any], request,
                                            page: str, lang: str) -> None:
    role, path = PAGES[page]
    visitor = visitors[lang, role]
    visitor.forget_problems()
    try:
        visitor.go(path.format(**catalog))
        assert visitor.page.get_attribute("html", "lang") == ("en" if lang else "zh-Hans-CN")
        visitor.check_accessibility()
    except Exception:
        visitor.screenshot(request.node.nodeid)
        raise
