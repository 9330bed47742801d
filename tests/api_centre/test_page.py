"""The API centre (``/api-centre``): every registered ``govshare_*`` action
with its parameters, grouped by who may call it, with examples that work on
the catalog they name; tokens, limits and the error shape.

A small catalog is built once for the module: an agency with an
unconditional dataset (one file) and a conditional one, and a topic.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.tiers import policy
from tests import factories


@pytest.fixture(scope="module")
def catalog(module_db):
    sysadmin = factories.SysadminWithToken()
    user = factories.UserWithToken()
    org = factories.Organization()
    factories.Group()
    open_data = factories.Dataset(owner_org=org["id"], name="api-centre-open",
                                  resources=[{"url": "http://files.example.org/a.csv",
                                              "format": "CSV", "name": "a"}])
    conditional = factories.Dataset(owner_org=org["id"], name="api-centre-conditional",
                                    open_tier=policy.CONDITIONAL)
    # rows in the DataStore, for the online query's example
    helpers.call_action("datastore_create", {"user": sysadmin["name"]},
                        resource_id=open_data["resources"][0]["id"], force=True,
                        fields=[{"id": "line", "type": "text"}],
                        records=[{"line": "1路"}, {"line": "2路"}])
    return {"sysadmin": sysadmin, "user": user, "org": org, "open": open_data,
            "conditional": conditional}


@pytest.fixture(scope="module")
def pages(catalog):
    """The page in Chinese (the default) and English, as an anonymous visitor."""
    from ckan.tests.helpers import CKANTestApp
    from tests import harness

    app = CKANTestApp(harness.ENVIRONMENT.app.app)
    tk.config["testing"] = True
    found = {}
    for lang in ("", "/en"):
        res = app.get(f"{lang}/api-centre")
        assert res.status_code == 200
        found[lang.strip("/") or "zh"] = BeautifulSoup(res.get_data(as_text=True), "html.parser")
    return found


def zh(app, msgid: str) -> str:
    from flask_babel import force_locale

    with app.flask_app.test_request_context("/"), force_locale("zh_Hans_CN"):
        return str(tk._(msgid))


def govshare_actions() -> list[str]:
    logic.get_action("package_show")  # fills the registry
    return sorted(name for name in logic._actions if name.startswith("govshare_"))


def action_block(page: BeautifulSoup, name: str):
    block = page.find("details", id=f"action-{name}")
    assert block is not None, f"{name} is not on the page"
    return block


def test_every_govshare_action_with_its_parameters(pages):
    page = pages["zh"]
    names = govshare_actions()
    assert len(names) > 20
    for name in names:
        block = action_block(page, name)
        documented = set(re.findall(r":param (\w+):", logic.get_action(name).__doc__ or ""))
        shown = {code.get_text() for code in block.select("table.govshare-api-params code")}
        assert documented <= shown, f"{name}: {documented - shown} not shown"
        assert block.select_one(f"#action-{name}-curl") is not None
        assert block.select_one(f"#action-{name}-ckanapi") is not None
    # CKAN's own that a data user needs come first, with their docstrings
    core = page.find("section", id="group-core")
    assert [d["id"] for d in core.find_all("details")][:3] == [
        "action-package_search", "action-package_show", "action-resource_show"]
    search = action_block(page, "package_search").get_text()
    assert "Searches for packages" in search and "GovShare: CKAN's" in search


def test_grouped_by_who_may_call(pages):
    page = pages["zh"]

    def group_of(name: str) -> str:
        return action_block(page, name).find_parent("section")["id"]

    assert group_of("govshare_label_show") == "group-public"
    assert group_of("govshare_application_create") == "group-user"
    assert group_of("govshare_grant_list") == "group-user"
    assert group_of("govshare_supervisor_grant") == "group-agency"
    assert group_of("govshare_audit_verify") == "group-agency"
    assert group_of("package_show") == "group-core"
    # the user the auth functions were asked about was never saved
    assert model.Session.query(model.User).filter(
        model.User.name.like("api-centre-%")).count() == 0


def test_examples_work_on_the_catalog(app, pages, catalog):
    """Every read-only example the page links to answers success: public
    ones anonymously, the others with a token (those naming the caller's
    own objects, in capitals, excepted)."""
    page = pages["zh"]
    tried = []
    for link in page.select("a.govshare-api-try"):
        block = link.find_parent("details")
        url = urlsplit(link["href"])
        if re.search(r"=[A-Z_]{4,}(&|$)", url.query):
            continue
        public = block.find_parent("section")["id"] in ("group-core", "group-public")
        headers = {} if public else {"Authorization": catalog["sysadmin"]["token"]}
        res = app.get(f"{url.path}?{url.query}", headers=headers)
        assert res.status_code == 200, (link["href"], res.get_data(as_text=True)[:300])
        assert res.json["success"] is True
        tried.append(block["id"])
    assert {"action-package_show", "action-resource_show", "action-datastore_search",
            "action-govshare_label_show", "action-govshare_application_list"} <= set(tried)
    show = action_block(page, "package_show").select_one("a.govshare-api-try")["href"]
    assert show.endswith("package_show?id=api-centre-open")
    # the bodies of the POST examples are JSON
    for block in page.find_all("details"):
        curl = block.select_one("pre[id$=-curl]").get_text()
        if "-X POST" in curl:
            body = re.search(r"-d '(.*)'", curl, re.S).group(1)
            assert isinstance(json.loads(body), dict)
    create = action_block(page, "govshare_application_create")
    assert "api-centre-conditional" in create.get_text()
    assert 'Authorization: $CKAN_API_TOKEN' in create.get_text()


def test_tokens_errors_and_limits(app, pages, catalog):
    page = pages["zh"]
    assert page.html["lang"].startswith("zh")
    assert page.h1.get_text(strip=True) == zh(app, "API centre")
    assert pages["en"].h1.get_text(strip=True) == "API centre"
    login = page.select_one("#token a")["href"]
    assert login.startswith("/user/login") and "api-centre" in login
    errors = page.find("section", id="errors").get_text()
    assert '"__type": "Validation Error"' in errors
    assert '"apply_url": "http://test.ckan.net/dataset/api-centre-conditional/apply"' in errors
    limits = page.find("section", id="limits").get_text()
    assert str(tk.config.get("ckan.search.rows_max")) in limits
    # every copy button has a name of its own
    names = [b["aria-label"] for b in page.select("button.govshare-copy")]
    assert len(names) == len(set(names)) > 2 * len(govshare_actions())
    # a logged-in user is led to their token page
    mine = app.get("/api-centre", extra_environ={"REMOTE_USER": catalog["user"]["name"]})
    assert f'href="/user/{catalog["user"]["name"]}/api-tokens"' in mine.get_data(as_text=True)


def test_help_show_of_a_chained_action_through_the_api(app):
    res = app.get("/api/3/action/help_show?name=package_search")
    assert "functools.partial" not in res.json["result"]
    assert helpers.call_action("help_show", name="package_search") == res.json["result"]
