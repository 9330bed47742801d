"""Only ``http``, ``https`` and ``ftp`` URLs (CKAN's ``ckan.valid_url_schemes``)
or relative ones are stored in a URL field, and no other scheme is shown as
a link or an image source, nor redirected to by a download, also when it
was stored before the rule (ckanext/govshare/links).

URL fields: the dataset source (``url``), a resource's ``url``, a data
product's ``url``, an organization's ``image_url`` (the scheming schemas),
and the ``image_url`` of a group and of a user (CKAN's own forms).
"""
from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.lib import search
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare.links import schemes
from tests import factories
from tests.catalog.conftest import form_fields

#: what an attacker or a careless editor types, as a browser would read it
REFUSED = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "localhost:8080/data.csv",
]
ACCEPTED = [
    "https://data.example.gov.cn/bus.csv",
    "http://data.example.gov.cn/bus.csv",
    "ftp://ftp.example.gov.cn/bus.csv",
    "/dataset/bus",
    "bus.csv",
]


@pytest.fixture(scope="module")
def agency(module_db) -> dict[str, Any]:
    editor = factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    token = factories.APIToken(user=editor["name"])["token"]
    return {"org": org, "editor": editor, "token": token, "sysadmin": factories.Sysadmin()}


def as_editor(agency: dict[str, Any]) -> dict[str, Any]:
    return {"user": agency["editor"]["name"], "ignore_auth": False}


def refusal(app=None) -> str:
    """The field message: in the site's default language (as the API and the
    forms answer), or without ``app`` as an action called in Python does."""
    if app is None:
        return schemes.refusal()
    with app.flask_app.test_request_context():
        return schemes.refusal()


def api(app, action: str, data: dict[str, Any], token: str, status: int = 200) -> Any:
    return app.post(url_for("api.action", ver=3, logic_function=action), json=data,
                    headers={"Authorization": token}, status=status)


# ------------------------------------------------------------------ the rule
@pytest.mark.parametrize("url", REFUSED)
def test_other_schemes_are_not_safe(url):
    assert not schemes.is_safe_url(url)


@pytest.mark.parametrize("url", ACCEPTED + ["", "  https://x.example/a  "])
def test_allowed_schemes_and_relative_urls_are_safe(url):
    assert schemes.is_safe_url(url)


@pytest.mark.ckan_config("ckan.valid_url_schemes", "https")
def test_the_allowed_schemes_are_ckans_option():
    assert schemes.allowed_schemes() == ["https"]
    assert not schemes.is_safe_url("http://data.example.gov.cn/")


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("url", REFUSED)
def test_a_dataset_source_of_another_scheme_is_refused(app, agency, url):
    with pytest.raises(tk.ValidationError) as error:
        factories.Dataset(owner_org=agency["org"]["id"], url=url)
    assert error.value.error_dict["url"] == [refusal()]


@pytest.mark.parametrize("url", ACCEPTED)
def test_a_dataset_source_of_an_allowed_scheme_is_stored(agency, url):
    dataset = factories.Dataset(owner_org=agency["org"]["id"], url=url)
    assert dataset["url"] == url


def test_the_api_answers_409_with_the_field_message(app, agency):
    dataset = factories.Dataset(owner_org=agency["org"]["id"])
    res = api(app, "package_patch", {"id": dataset["id"], "url": "javascript:alert(1)"},
              agency["token"], status=409)
    assert res.json["error"].get("url") == [refusal(app)], res.json["error"]
    assert helpers.call_action("package_show", id=dataset["id"]).get("url") is None


@pytest.mark.parametrize("url", REFUSED[:3] + REFUSED[6:7])
def test_a_link_resource_of_another_scheme_is_refused(app, agency, url):
    dataset = factories.Dataset(owner_org=agency["org"]["id"])
    res = api(app, "resource_create", {"package_id": dataset["id"], "url": url, "name": "x"},
              agency["token"], status=409)
    assert res.json["error"]["url"] == [refusal(app)]


def test_a_link_resource_of_an_allowed_scheme_is_stored(agency):
    dataset = factories.Dataset(owner_org=agency["org"]["id"])
    resource = helpers.call_action("resource_create", context=as_editor(agency),
                                   package_id=dataset["id"], url=ACCEPTED[2], name="ftp")
    assert resource["url"] == ACCEPTED[2]


def test_a_product_url_of_another_scheme_gets_one_message(app, agency):
    source = factories.Dataset(owner_org=agency["org"]["id"])
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("package_create", context=as_editor(agency),
                            type="data_product", name="js-product", title="应用",
                            notes="说明", product_kind="app", producer_type="person",
                            producer_name="张三", url="javascript:alert(1)",
                            sources=[{"dataset": source["id"], "obtained_date": "2024-06-01"}])
    assert error.value.error_dict["url"] == [refusal()]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:image/svg+xml,<svg onload=x>"])
def test_an_organization_image_of_another_scheme_is_refused(app, agency, url):
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("organization_patch", context={"user": agency["sysadmin"]["name"]},
                            id=agency["org"]["id"], image_url=url)
    assert error.value.error_dict["image_url"] == [refusal()]


def test_group_and_user_images_of_another_scheme_are_refused(app, agency):
    sysadmin = {"user": agency["sysadmin"]["name"]}
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("group_create", context=sysadmin, name="js-group",
                            image_url="javascript:alert(1)")
    assert error.value.error_dict == {"image_url": [refusal()]}
    group = factories.Group(image_url="https://img.example.gov.cn/g.png")
    with pytest.raises(tk.ValidationError):
        helpers.call_action("group_patch", context=sysadmin, id=group["id"],
                            image_url="vbscript:x")
    user = factories.User()
    res = api(app, "user_patch", {"id": user["id"], "image_url": "javascript:alert(1)"},
              factories.APIToken(user=user["name"])["token"], status=409)
    assert res.json["error"]["image_url"] == [refusal(app)]
    with pytest.raises(tk.ValidationError):
        helpers.call_action("user_create", context=sysadmin, name="js-user",
                            email="js@example.gov.cn", password="correct-horse-1",
                            image_url="data:text/html,x")
    assert helpers.call_action("group_show", id=group["id"])["image_url"] == \
        "https://img.example.gov.cn/g.png"


def test_the_dataset_form_shows_the_error_and_saves_nothing(app, agency):
    res = app.post(url_for("dataset.new"), headers={"Authorization": agency["token"]},
                   data=form_fields(agency["org"]["id"], name="js-source-form",
                                    resource_code="GS-JS-0001", url="javascript:alert(1)"),
                   follow_redirects=False)
    assert res.status_code == 200
    body = res.get_data(as_text=True)
    assert refusal(app) in body and 'class="error-block"' in body
    assert model.Package.by_name("js-source-form") is None


# ------------------------------------------------------------------ stored before
def store_raw(table: str, row_id: str, column: str, value: str,
              package_id: str | None = None) -> None:
    """Write a value as it was before the validator (or through a path that
    skips it): straight into the table, then into the dataset's index
    document (package_show reads it from there)."""
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text(f'UPDATE "{table}" SET {column} = :v WHERE id = :id'),
                     {"v": value, "id": row_id})
    model.Session.remove()
    if package_id:
        search.rebuild(package_id)


def links_and_sources(body: str) -> list[str]:
    return re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', body)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>"])
def test_stored_urls_of_another_scheme_are_never_links(app, agency, url):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], url="https://data.example.gov.cn/x")
    resource = helpers.call_action("resource_create", context={"user": agency["sysadmin"]["name"]},
                                   package_id=dataset["id"], url="https://x.example/a.csv",
                                   name="link")
    store_raw("package", dataset["id"], "url", url)
    store_raw("resource", resource["id"], "url", url, package_id=dataset["id"])
    group = factories.Group()
    # CKAN shows an image URL starting with "http" as it is
    for group_id in (org["id"], group["id"]):
        store_raw("group", group_id, "image_url", "httpx:alert(2)")
    pages = [f"/dataset/{dataset['name']}", f"/dataset/{dataset['name']}/resource/{resource['id']}",
             f"/organization/{org['name']}", "/organization/", f"/organization/about/{org['name']}",
             f"/group/{group['name']}", "/group/", f"/group/about/{group['name']}",
             f"/dataset/{dataset['name']}/resource/{resource['id']}/edit"]
    env = {"REMOTE_USER": agency["sysadmin"]["name"]}
    for page in pages:
        body = app.get(page, extra_environ=env).get_data(as_text=True)
        bad = [link for link in links_and_sources(body)
               if link.strip().lower().startswith(("javascript:alert", "data:text", "httpx:"))]
        assert bad == [], page
    body = app.get(pages[0], extra_environ=env).get_data(as_text=True)
    assert "javascript:alert(1)" in body or "data:text/html" in body  # shown, as text


# ------------------------------------------------------------------ downloads
@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/csv,a,b", " javascript:x", ""])
def test_downloading_a_link_that_cannot_be_followed_is_a_404(app, agency, url):
    dataset = factories.Dataset(owner_org=agency["org"]["id"])
    resource = helpers.call_action("resource_create", context={"user": agency["sysadmin"]["name"]},
                                   package_id=dataset["id"], url="https://x.example/a.csv",
                                   name="link")
    store_raw("resource", resource["id"], "url", url, package_id=dataset["id"])
    for route in ("/dataset/{id}/resource/{rid}/download",
                  "/dataset/{id}/resource/{rid}/download/a.csv"):
        res = app.get(route.format(id=dataset["name"], rid=resource["id"]),
                      follow_redirects=False)
        assert res.status_code == 404, (route, res.status_code)
        assert "Location" not in res.headers


def test_downloading_a_link_of_an_allowed_scheme_redirects(app, agency):
    dataset = factories.Dataset(owner_org=agency["org"]["id"])
    resource = helpers.call_action("resource_create", context={"user": agency["sysadmin"]["name"]},
                                   package_id=dataset["id"], url="ftp://ftp.example.gov.cn/a.csv",
                                   name="link")
    res = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}/download",
                  follow_redirects=False)
    assert res.status_code == 302 and res.headers["Location"] == "ftp://ftp.example.gov.cn/a.csv"
