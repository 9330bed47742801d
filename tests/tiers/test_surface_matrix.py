"""Every surface × every kind of caller × every openness tier.

One agency publishes three datasets, one per tier, each with a link resource
(a unique URL), an uploaded file (unique bytes) and a preview. Five callers
look at them through every surface that shows datasets, resources or their
activities: anonymous, a logged-in stranger, a member of another
organization, a member of the owning organization and a sysadmin. The tier
table (DESIGN.md, "Openness tiers") says what each may see:

* metadata (title, page, search hit): everyone, except closed datasets, which
  only members and sysadmins see; the others get 404 on pages and
  NotAuthorized from the API, as for private datasets;
* data (resource URLs, file bytes, previews): everyone for unconditional
  datasets, members and sysadmins only otherwise; the others see the
  application page instead of the URL and get 403 with an "apply" link from
  the download routes: API clients (a token, or ``Accept: application/json``)
  in the Action API's error shape, browsers as a page. The application page
  that stands in for the URL answers 403 too.

The DCAT feeds are public, so their table does not depend on the caller:
closed datasets are never published (404 from the dataset endpoints and the
``dcat_dataset_show`` action, absent from every catalog, whatever the query),
not even to members and sysadmins, who do see them everywhere else;
conditional datasets are published without their data (every distribution
points at the application page); unconditional ones in full. How the profile
maps the catalog fields to DCAT-AP is tested in tests/dcat.

The DataStore (previews and online query) holds each upload's rows:
``datastore_search``, ``datastore_info`` and the dump route give them to those
who have the data; the dump answers like the download routes (403 with the
application page where the caller sees the dataset, else 404), and the list
of every table (``_table_metadata``) is for sysadmins only.
``datastore_search_sql`` is off (``ckan.datastore.sqlsearch.enabled``).
DCAT content negotiation (``ckanext.dcat.enable_content_negotiation``) is off;
it would go through the same ``dcat_*`` actions as the endpoints below.

The matrix only reads, so the catalog is built once for the module (in a
clean database, with the plugins of test.ini plus ``image_view`` for the
previews and ``dcat_json_interface`` for ``/dcat.json``); each cell is its own
test.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable

import pytest
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT

import ckan.plugins.toolkit as tk
from ckan.common import config
from ckan.tests import helpers

from ckanext.govshare.tiers import policy
from tests.dcat.conftest import parse as parse_rdf

from .conftest import ROLES, TIERS, World, build_world, data_in_feeds, file_bytes, has_data, \
    in_feeds, link_url, row_marker, sees_dataset

NOTICE_ZH = "有条件开放：需申请"

cells = pytest.mark.parametrize("tier", TIERS)
callers = pytest.mark.parametrize("role", ROLES)
#: an API client (its token, or ``Accept: application/json`` when anonymous)
#: and a browser (a session, HTML first)
clients = pytest.mark.parametrize("client", ["api", "browser"])
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


#: the plugins of test.ini plus ``image_view`` for the previews and
#: ``dcat_json_interface`` for ``/dcat.json``
pytestmark = pytest.mark.ckan_config(
    "ckan.plugins", " ".join(tk.aslist(config.get("ckan.plugins"))
                             + ["image_view", "dcat_json_interface"]))


@pytest.fixture(scope="module")
def matrix(module_db):
    """The catalog, built once for the whole matrix, and a test app."""
    return build_world(with_views=True)


@pytest.fixture()
def world(matrix) -> World:
    return matrix


class Web:
    """The test app, asked each distinct GET once: the matrix only reads, so
    the same request (path, query, headers) gets the same answer, and the
    cells of the three tiers share the requests that do not name a tier
    (the catalog, the feeds, the search page …)."""

    def __init__(self, app: Any, answers: dict[str, Any]) -> None:
        self.app = app
        self.flask_app = app.flask_app
        self.answers = answers

    def get(self, url: str, **kwargs: Any) -> Any:
        key = json.dumps([url, kwargs], sort_keys=True)
        if key not in self.answers:
            res = self.app.get(url, **kwargs)
            res.get_data()  # read now: the answer is read again by other cells
            self.answers[key] = res
        return self.answers[key]


@pytest.fixture(scope="module")
def answers(matrix) -> dict[str, Any]:
    """The answers of the module's catalog, by request."""
    return {}


@pytest.fixture()
def web(app, answers):
    return Web(app, answers)


@functools.lru_cache(maxsize=64)
def parse(body: str, fmt: str = "ttl") -> Any:
    """The body's graph, parsed once for the cells that read the same body
    (they only read it)."""
    return parse_rdf(body, fmt)


# --------------------------------------------------------------------- helpers
def call(world: World, role: str, action: str, **data: Any) -> Any:
    return helpers.call_action(action, context=world.context(role), **data)


def denied(fn: Callable[[], Any]) -> bool:
    try:
        fn()
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return True
    return False


def apply_page(tier: str) -> str:
    return f"http://test.ckan.net/dataset/tier-{tier}/apply"


def upload_path(world: World, tier: str) -> str:
    return f"/resource/{world.uploads[tier]['id']}/download"


def as_client(world: World, role: str, client: str) -> dict[str, Any]:
    """The request options of ``role`` asking as ``client``."""
    if client == "api":
        return {"headers": world.headers(role) or {"Accept": "application/json"}}
    user = world.user(role)
    return {"headers": {"Accept": BROWSER_ACCEPT},
            "extra_environ": {"REMOTE_USER": user} if user else {}}


def assert_refusal(res: Any, client: str, status: int, tier: str) -> None:
    """A download refused with ``status``: the Action API's error shape to
    an API client (403 with the application page), a page to a browser."""
    assert res.status_code == status
    if client == "api":
        assert res.content_type.startswith("application/json")
        answer = res.json
        assert answer["success"] is False
        if status == 403:
            assert answer["error"]["__type"] == "Authorization Error"
            assert answer["error"]["apply_url"] == apply_page(tier)
        else:
            assert answer["error"]["__type"] == "Not Found Error"
    else:
        assert res.content_type.startswith("text/html")
        if status == 403:
            body = res.get_data(as_text=True)
            assert NOTICE_ZH in body
            assert apply_page(tier) in body


def assert_data_shown(world: World, tier: str, role: str, text: str) -> None:
    """The serialized output shows the data locations iff the caller has the data."""
    if has_data(role, tier):
        assert link_url(tier) in text, f"{role} should see the {tier} link"
        assert upload_path(world, tier) in text, f"{role} should see the {tier} upload URL"
    else:
        assert link_url(tier) not in text, f"{role} sees the {tier} link URL"
        assert upload_path(world, tier) not in text, f"{role} sees the {tier} upload URL"


def assert_resources(world: World, tier: str, role: str, resources: list[dict]) -> None:
    by_id = {r["id"]: r for r in resources}
    link, upload = by_id[world.links[tier]["id"]], by_id[world.uploads[tier]["id"]]
    if has_data(role, tier):
        assert link["url"] == link_url(tier)
        assert upload["url_type"] == "upload"
        assert upload_path(world, tier) in upload["url"]
    else:
        for resource in (link, upload):
            assert resource["url"] == apply_page(tier)
            assert resource["url_type"] == policy.RESTRICTED_URL_TYPE
    assert_data_shown(world, tier, role, json.dumps(resources))


# --------------------------------------------------------------------- Action API
@cells
@callers
class TestActions:
    def test_package_show(self, world, tier, role):
        show = lambda: call(world, role, "package_show", id=world.datasets[tier]["id"])  # noqa
        if not sees_dataset(role, tier):
            assert denied(show)
            return
        pkg = show()
        assert pkg["title"] == world.datasets[tier]["title"]
        assert_resources(world, tier, role, pkg["resources"])

    def test_resource_show(self, world, tier, role):
        for resource in (world.links[tier], world.uploads[tier]):
            show = lambda: call(world, role, "resource_show", id=resource["id"])  # noqa
            if not sees_dataset(role, tier):
                assert denied(show)
        if sees_dataset(role, tier):
            resources = [call(world, role, "resource_show", id=r["id"])
                         for r in (world.links[tier], world.uploads[tier])]
            assert_resources(world, tier, role, resources)

    def test_package_search_results(self, world, tier, role):
        result = call(world, role, "package_search", q="tiermark", include_private=True,
                      rows=100)
        hits = {r["name"]: r for r in result["results"]}
        name = world.datasets[tier]["name"]
        assert (name in hits) is sees_dataset(role, tier)
        assert result["count"] == sum(sees_dataset(role, t) for t in TIERS)
        if name in hits:
            assert_resources(world, tier, role, hits[name]["resources"])
        else:
            assert world.datasets[tier]["title"] not in json.dumps(result, ensure_ascii=False)

    def test_package_search_facets(self, world, tier, role):
        result = call(world, role, "package_search", q="tiermark",
                      **{"facet.field": json.dumps(["organization", "res_url", "tags"])})
        facets = result["facets"]
        org = world.owner_org["name"]
        assert facets["organization"].get(org, 0) == sum(sees_dataset(role, t) for t in TIERS)
        assert link_url(tier) not in json.dumps(facets) or has_data(role, tier)

    def test_package_search_fields(self, world, tier, role):
        result = call(world, role, "package_search", q="tiermark", rows=100,
                      fl=["name", "res_url", "data_dict", "validated_data_dict"])
        hits = {r["name"]: r for r in result["results"]}
        name = world.datasets[tier]["name"]
        assert (name in hits) is sees_dataset(role, tier)
        if name in hits:
            text = json.dumps(hits[name])
            if has_data(role, tier):
                assert link_url(tier) in text
            else:
                assert link_url(tier) not in text
                assert upload_path(world, tier) not in text
                assert set(hits[name]) == {"name", "res_url", "data_dict", "validated_data_dict"}

    def test_package_search_cannot_probe_urls(self, world, tier, role):
        result = call(world, role, "package_search", q=f'res_url:"{link_url(tier)}"')
        if not has_data(role, tier):
            assert result["count"] == 0
        result = call(world, role, "package_search", q="secret-link-9c1e")
        names = {r["name"] for r in result["results"]}
        if not has_data(role, tier):
            assert world.datasets[tier]["name"] not in names

    def test_current_package_list_with_resources(self, world, tier, role):
        result = call(world, role, "current_package_list_with_resources", limit=100)
        hits = {r["name"]: r for r in result}
        name = world.datasets[tier]["name"]
        assert (name in hits) is sees_dataset(role, tier)
        if name in hits:
            assert_resources(world, tier, role, hits[name]["resources"])

    def test_package_list(self, world, tier, role):
        # like private datasets, closed ones are never listed by package_list
        names = call(world, role, "package_list")
        assert (world.datasets[tier]["name"] in names) is (tier != policy.CLOSED)

    def test_package_autocomplete(self, world, tier, role):
        names = {r["name"] for r in call(world, role, "package_autocomplete", q="tiermark")}
        assert (world.datasets[tier]["name"] in names) is sees_dataset(role, tier)

    def test_resource_view_list(self, world, tier, role):
        upload_id = world.uploads[tier]["id"]
        views = lambda: call(world, role, "resource_view_list", id=upload_id)  # noqa
        if not sees_dataset(role, tier):
            assert denied(views)
        elif has_data(role, tier):
            assert [v["id"] for v in views()] == [world.views[tier]["id"]]
        else:
            assert views() == []

    def test_resource_view_show(self, world, tier, role):
        show = lambda: call(world, role, "resource_view_show", id=world.views[tier]["id"])  # noqa
        if has_data(role, tier):
            assert show()["id"] == world.views[tier]["id"]
        else:
            assert denied(show)

    def test_resource_search(self, world, tier, role):
        result = call(world, role, "resource_search", query="name:upload")
        by_id = {r["id"]: r for r in result["results"]}
        upload = world.uploads[tier]["id"]
        assert (upload in by_id) is sees_dataset(role, tier)
        assert result["count"] == sum(sees_dataset(role, t) for t in TIERS)
        if upload in by_id:
            assert (by_id[upload]["url_type"] == "upload") is has_data(role, tier)
        probe = call(world, role, "resource_search", query="url:secret-link-9c1e")
        assert (world.links[tier]["id"] in {r["id"] for r in probe["results"]}) is \
            has_data(role, tier)

    def test_tag_show(self, world, tier, role):
        tag = call(world, role, "tag_show", id="tiermark", include_datasets=True)
        hits = {p["name"]: p for p in tag["packages"]}
        assert (world.datasets[tier]["name"] in hits) is sees_dataset(role, tier)
        if world.datasets[tier]["name"] in hits:
            assert_resources(world, tier, role, hits[world.datasets[tier]["name"]]["resources"])

    def test_organization_show_count(self, world, tier, role):
        org = call(world, role, "organization_show", id=world.owner_org["id"],
                   include_datasets=True)
        assert org["package_count"] == sum(sees_dataset(role, t) for t in TIERS)
        names = {p["name"] for p in org["packages"]}
        assert (world.datasets[tier]["name"] in names) is sees_dataset(role, tier)

    def test_organization_list_count(self, world, tier, role):
        orgs = call(world, role, "organization_list", all_fields=True)
        count = {o["name"]: o["package_count"] for o in orgs}[world.owner_org["name"]]
        assert count == sum(sees_dataset(role, t) for t in TIERS)


# --------------------------------------------------------------------- activities
def _package_activities(world: World, tier: str) -> list[dict]:
    """The dataset's own activities (``new package``, ``changed package``), newest first."""
    activities = helpers.call_action("package_activity_list", context=world.context("sysadmin"),
                                     id=world.datasets[tier]["id"])
    return [a for a in activities if a["activity_type"].endswith("package")]


@cells
@callers
class TestActivities:
    def test_package_activity_list(self, world, tier, role):
        activities = lambda: call(world, role, "package_activity_list",  # noqa
                                  id=world.datasets[tier]["id"])
        if not sees_dataset(role, tier):
            assert denied(activities)
            return
        result = activities()
        assert result
        assert_data_shown(world, tier, role, json.dumps(result))

    @pytest.mark.parametrize("action, by", [
        ("organization_activity_list", "owner_org"),
        ("recently_changed_packages_activity_list", None),
        ("user_activity_list", "sysadmin"),
    ])
    def test_activity_streams(self, world, tier, role, action, by):
        data: dict[str, Any] = {"limit": 100}
        if by == "owner_org":
            data["id"] = world.owner_org["id"]
        elif by == "sysadmin":
            data["id"] = world.user("sysadmin")
        if action == "user_activity_list" and role == "anonymous":
            # ckan.auth.public_user_details = false: no user pages for anonymous
            assert denied(lambda: call(world, role, action, **data))
            return
        result = call(world, role, action, **data)
        mine = [a for a in result if a["object_id"] == world.datasets[tier]["id"]]
        assert bool(mine) is sees_dataset(role, tier)
        if mine:
            assert_data_shown(world, tier, role, json.dumps(mine))
        else:
            assert world.datasets[tier]["title"] not in json.dumps(result, ensure_ascii=False)

    @pytest.mark.parametrize("action", ["activity_show", "activity_data_show"])
    def test_activity_detail_for_editors(self, world, tier, role, action):
        # CKAN's default: the stored dataset copy only for those who may edit it
        activity = _package_activities(world, tier)[0]
        show = lambda: call(world, role, action, id=activity["id"], include_data=True)  # noqa
        if role != "sysadmin":
            assert denied(show)
        else:
            assert_data_shown(world, tier, role, json.dumps(show()))

    @pytest.mark.ckan_config("ckan.auth.public_activity_stream_detail", True)
    @pytest.mark.parametrize("action", ["activity_show", "activity_data_show"])
    def test_activity_detail_public(self, world, tier, role, action):
        activity = _package_activities(world, tier)[0]
        show = lambda: call(world, role, action, id=activity["id"], include_data=True)  # noqa
        if not sees_dataset(role, tier):
            assert denied(show)
            return
        assert_data_shown(world, tier, role, json.dumps(show()))

    @pytest.mark.ckan_config("ckan.auth.public_activity_stream_detail", True)
    def test_activity_diff(self, world, tier, role):
        activity = _package_activities(world, tier)[0]
        diff = lambda: call(world, role, "activity_diff", id=activity["id"],  # noqa
                            object_type="package")
        if not sees_dataset(role, tier):
            assert denied(diff)
            return
        result = diff()
        text = json.dumps(result)
        if not has_data(role, tier):
            assert link_url(tier) not in text
            assert upload_path(world, tier) not in text
        else:
            assert upload_path(world, tier) in result["diff"]


# --------------------------------------------------------------------- DataStore
@cells
@callers
class TestDatastore:
    """The online query (``datastore_search``), the table's description
    (``datastore_info``) and the dump route: rows to those who have the data."""

    def test_datastore_search(self, world, tier, role):
        search = lambda: call(world, role, "datastore_search",  # noqa: E731
                              resource_id=world.uploads[tier]["id"], q="datastore")
        if not has_data(role, tier):
            assert denied(search)
            return
        assert [r["name"] for r in search()["records"]] == [row_marker(tier)]

    def test_datastore_info(self, world, tier, role):
        info = lambda: call(world, role, "datastore_info",  # noqa: E731
                            id=world.uploads[tier]["id"])
        if not has_data(role, tier):
            assert denied(info)
            return
        assert [f["id"] for f in info()["fields"]] == ["id", "name"]

    def test_datastore_table_list(self, world, tier, role):
        # Filtered by the table's name: the test database keeps every
        # DataStore table earlier runs made, well over any page's limit.
        resource_id = world.uploads[tier]["id"]
        tables = lambda: call(world, role, "datastore_search",  # noqa: E731
                              resource_id="_table_metadata",
                              filters={"name": resource_id})
        if role != "sysadmin":
            assert denied(tables)
            return
        assert [r["name"] for r in tables()["records"]] == [resource_id]

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    def test_dump(self, world, web, tier, role, fmt):
        res = web.get(f"/datastore/dump/{world.uploads[tier]['id']}?format={fmt}",
                      headers=world.headers(role))
        body = res.get_data(as_text=True)
        if not sees_dataset(role, tier):
            assert res.status_code == 404
        elif not has_data(role, tier):
            assert res.status_code == 403
            assert apply_page(tier) in body
        else:
            assert res.status_code == 200
        assert (row_marker(tier) in body) is has_data(role, tier)


# --------------------------------------------------------------------- pages
@cells
@callers
class TestPages:
    def test_dataset_page(self, world, web, tier, role):
        res = web.get(f"/dataset/{world.datasets[tier]['name']}", headers=world.headers(role))
        if not sees_dataset(role, tier):
            assert res.status_code == 404
            assert world.datasets[tier]["title"] not in res.get_data(as_text=True)
            return
        body = res.get_data(as_text=True)
        assert res.status_code == 200
        assert world.datasets[tier]["title"] in body
        assert_data_shown(world, tier, role, body)
        assert (NOTICE_ZH in body) is (not has_data(role, tier))
        if not has_data(role, tier):
            assert apply_page(tier) in body

    @pytest.mark.parametrize("kind", ["links", "uploads"])
    def test_resource_page(self, world, web, tier, role, kind):
        resource = getattr(world, kind)[tier]
        res = web.get(f"/dataset/{world.datasets[tier]['name']}/resource/{resource['id']}",
                      headers=world.headers(role))
        if not sees_dataset(role, tier):
            assert res.status_code == 404
            return
        body = res.get_data(as_text=True)
        assert res.status_code == 200
        assert world.datasets[tier]["title"] in body
        secret = link_url(tier) if kind == "links" else upload_path(world, tier)
        assert (secret in body) is has_data(role, tier)
        assert (NOTICE_ZH in body) is (not has_data(role, tier))
        if not has_data(role, tier):
            assert apply_page(tier) in body

    def test_resource_view_page(self, world, web, tier, role):
        upload = world.uploads[tier]
        res = web.get(f"/dataset/{world.datasets[tier]['name']}/resource/{upload['id']}"
                      f"/view/{world.views[tier]['id']}", headers=world.headers(role))
        assert (res.status_code == 200) is has_data(role, tier)
        if not has_data(role, tier):
            assert upload_path(world, tier) not in res.get_data(as_text=True)

    @clients
    @pytest.mark.parametrize("with_name", [False, True])
    def test_download_upload(self, world, web, tier, role, with_name, client):
        upload = world.uploads[tier]
        url = f"/dataset/{world.datasets[tier]['name']}/resource/{upload['id']}/download"
        if with_name:
            url += f"/{upload['url'].rsplit('/', 1)[-1]}"
        res = web.get(url, follow_redirects=False, **as_client(world, role, client))
        data = res.get_data()
        if not sees_dataset(role, tier):
            assert_refusal(res, client, 404, tier)
        elif not has_data(role, tier):
            assert_refusal(res, client, 403, tier)
        else:
            assert res.status_code == 200
            assert data == file_bytes(tier)
            assert res.headers["Content-Disposition"].startswith("attachment;")
        if not has_data(role, tier):
            assert file_bytes(tier)[:40] not in data

    @clients
    def test_download_link(self, world, web, tier, role, client):
        link = world.links[tier]
        res = web.get(f"/dataset/{world.datasets[tier]['name']}/resource/{link['id']}/download",
                      follow_redirects=False, **as_client(world, role, client))
        if not sees_dataset(role, tier):
            assert_refusal(res, client, 404, tier)
        elif not has_data(role, tier):
            assert_refusal(res, client, 403, tier)
            assert link_url(tier) not in res.get_data(as_text=True)
        else:
            assert res.status_code == 302
            assert res.headers["Location"] == link_url(tier)

    def test_search_page(self, world, web, tier, role):
        body = web.get("/dataset/?q=tiermark", headers=world.headers(role)).get_data(as_text=True)
        assert (world.datasets[tier]["title"] in body) is sees_dataset(role, tier)
        assert link_url(tier) not in body

    def test_organization_page(self, world, web, tier, role):
        res = web.get(f"/organization/{world.owner_org['name']}", headers=world.headers(role))
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        assert (world.datasets[tier]["title"] in body) is sees_dataset(role, tier)

    @pytest.mark.parametrize("feed", ["/feeds/dataset.atom", "/feeds/custom.atom?q=tiermark",
                                      "/feeds/organization/{org}.atom", "/feeds/tag/tiermark.atom"])
    def test_atom_feeds(self, world, web, tier, role, feed):
        res = web.get(feed.format(org=world.owner_org["name"]), headers=world.headers(role))
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        assert (world.datasets[tier]["title"] in body) is sees_dataset(role, tier)
        assert link_url(tier) not in body or has_data(role, tier)

    def test_activity_page(self, world, web, tier, role):
        res = web.get(f"/dataset/activity/{world.datasets[tier]['name']}",
                      headers=world.headers(role))
        if not sees_dataset(role, tier):
            assert res.status_code in (403, 404)
            assert world.datasets[tier]["title"] not in res.get_data(as_text=True)
            return
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        assert link_url(tier) not in body or has_data(role, tier)

    @pytest.mark.parametrize("accept", ["text/html", "application/json"])
    def test_apply_page(self, world, web, tier, role, accept):
        """The page a conditional resource's URL leads to: 403 to whoever
        has not the data (in JSON to a client asking for JSON), so that a
        client following the URL is not served a page as the data."""
        res = web.get(f"/dataset/{world.datasets[tier]['name']}/apply",
                      headers={**world.headers(role), "Accept": accept})
        if not sees_dataset(role, tier):
            assert res.status_code == 404
        elif tier == policy.CONDITIONAL and not has_data(role, tier) and accept == "text/html":
            assert res.status_code == 403
            assert NOTICE_ZH in res.get_data(as_text=True)
        elif tier == policy.CONDITIONAL and not has_data(role, tier):
            assert_refusal(res, "api", 403, tier)
        else:
            assert res.status_code == 200
            assert res.content_type.startswith("text/html")


# --------------------------------------------------------------------- DCAT
FEED_FORMATS = ("ttl", "rdf", "xml", "jsonld", "n3")
ACCESS_RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"


def site_url() -> str:
    return tk.config.get("ckan.site_url").rstrip("/")


def dataset_ref(world: World, tier: str) -> URIRef:
    return URIRef(f"{site_url()}/dataset/{world.datasets[tier]['id']}")


def data_urls(world: World, tier: str) -> set[str]:
    """The real locations of the tier's link and upload (absolute URLs)."""
    upload = helpers.call_action("resource_show", context=world.context("sysadmin"),
                                 id=world.uploads[tier]["id"])
    return {link_url(tier), upload["url"]}


def assert_data_in_feed(world: World, tier: str, role: str, body: str) -> None:
    """The feed carries the data locations iff the tier publishes them."""
    if data_in_feeds(role, tier):
        assert link_url(tier) in body, f"{role}: the {tier} link is not in the feed"
        assert upload_path(world, tier) in body, f"{role}: the {tier} upload is not in the feed"
    else:
        assert link_url(tier) not in body, f"{role}: the feed has the {tier} link URL"
        assert upload_path(world, tier) not in body, f"{role}: the feed has the {tier} upload URL"


def assert_distributions(world: World, tier: str, role: str, graph: Any) -> None:
    """A published dataset's two distributions: the data itself, or the
    application page and no download URL."""
    distributions = list(graph.objects(dataset_ref(world, tier), DCAT.distribution))
    assert len(distributions) == 2
    access = {str(url) for dist in distributions for url in graph.objects(dist, DCAT.accessURL)}
    download = [url for dist in distributions for url in graph.objects(dist, DCAT.downloadURL)]
    if data_in_feeds(role, tier):
        assert access == data_urls(world, tier)
        assert len(download) == 1  # the upload; a link is not known to be a file
    else:
        assert access == {apply_page(tier)}
        assert download == []


@cells
@callers
class TestDcat:
    @pytest.mark.parametrize("path, fmt", [
        *(("/dataset/{name}.{fmt}", fmt) for fmt in FEED_FORMATS),
        ("/dataset/{id}.{fmt}", "ttl"),
        ("/dataset_series/{name}.{fmt}", "ttl"),  # ckanext-dcat's other door to the action
    ])
    def test_dataset_endpoint(self, world, web, tier, role, path, fmt):
        dataset = world.datasets[tier]
        res = web.get(path.format(fmt=fmt, **dataset), headers=world.headers(role))
        body = res.get_data(as_text=True)
        if not in_feeds(role, tier):
            assert res.status_code == 404
            assert dataset["title"] not in body
            assert_data_in_feed(world, tier, role, body)
            return
        assert res.status_code == 200
        graph = parse(body, fmt)
        assert_distributions(world, tier, role, graph)
        assert_data_in_feed(world, tier, role, body)

    @pytest.mark.parametrize("profiles", ["euro_dcat_ap_3", "euro_dcat_ap_2", "schemaorg",
                                          "govshare_dcat_ap_3,euro_dcat_ap_3"])
    def test_dataset_endpoint_whatever_profiles_are_asked_for(self, world, web, tier, role,
                                                              profiles):
        res = web.get(f"/dataset/{world.datasets[tier]['name']}.ttl?profiles={profiles}",
                      headers=world.headers(role))
        body = res.get_data(as_text=True)
        assert_data_in_feed(world, tier, role, body)
        if not in_feeds(role, tier):
            assert res.status_code == 404
            return
        assert res.status_code == 200
        right = "PUBLIC" if data_in_feeds(role, tier) else "RESTRICTED"
        assert list(parse(body).objects(dataset_ref(world, tier), DCT.accessRights)) == [
            URIRef(ACCESS_RIGHTS + right)]

    def test_dataset_endpoint_refuses_unknown_profiles(self, world, web, tier, role):
        res = web.get(f"/dataset/{world.datasets[tier]['name']}.ttl?profiles=no_such_profile",
                      headers=world.headers(role))
        assert res.status_code == (409 if in_feeds(role, tier) else 404)
        body = res.get_data(as_text=True)
        assert link_url(tier) not in body and upload_path(world, tier) not in body

    def test_dataset_action(self, world, web, tier, role):
        show = lambda: call(world, role, "dcat_dataset_show",  # noqa
                            id=world.datasets[tier]["name"], format="ttl")
        with web.flask_app.test_request_context():
            if not in_feeds(role, tier):
                assert denied(show)
                return
            body = show()
        assert_distributions(world, tier, role, parse(body))
        assert_data_in_feed(world, tier, role, body)

    @pytest.mark.parametrize("fmt", FEED_FORMATS)
    def test_catalog_endpoint(self, world, web, tier, role, fmt):
        res = web.get(f"/catalog.{fmt}", headers=world.headers(role))
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        graph = parse(body, fmt)
        listed = set(graph.objects(URIRef(site_url()), DCAT.dataset))
        assert listed == {dataset_ref(world, t) for t in TIERS if in_feeds(role, t)}
        assert (world.datasets[tier]["id"] in body) is in_feeds(role, tier)
        assert (world.datasets[tier]["title"] in body) is in_feeds(role, tier)
        if in_feeds(role, tier):
            assert_distributions(world, tier, role, graph)
        assert_data_in_feed(world, tier, role, body)

    @pytest.mark.parametrize("query", [
        "q=tiermark", "fq=open_tier:{tier}", "q=open_tier:{tier}", "fq=name:tier-{tier}",
        "fq=*:* OR open_tier:{tier}", "fq=(*:*) OR (open_tier:{tier})",
        # "a or not a" as Lucene reads it (Solr and the embedded engine: a
        # bare -b beside a SHOULD clause excludes b, so "a OR -a" is empty)
        "fq=open_tier:{tier} OR (*:* -open_tier:{tier})"])
    def test_catalog_queries(self, world, web, tier, role, query):
        """A query that finds the dataset lists it in the catalog iff it is
        published: no query brings a closed dataset back."""
        res = web.get(f"/catalog.ttl?{query.format(tier=tier)}", headers=world.headers(role))
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        listed = set(parse(body).objects(URIRef(site_url()), DCAT.dataset))
        assert (dataset_ref(world, tier) in listed) is in_feeds(role, tier)
        assert (world.datasets[tier]["title"] in body) is in_feeds(role, tier)
        assert_data_in_feed(world, tier, role, body)

    @pytest.mark.parametrize("action", ["dcat_catalog_show", "dcat_catalog_search"])
    def test_catalog_actions(self, world, web, tier, role, action):
        with web.flask_app.test_request_context():
            body = call(world, role, action, format="ttl")
        listed = set(parse(body).objects(URIRef(site_url()), DCAT.dataset))
        assert (dataset_ref(world, tier) in listed) is in_feeds(role, tier)
        assert (world.datasets[tier]["id"] in body) is in_feeds(role, tier)
        assert_data_in_feed(world, tier, role, body)

    def test_legacy_json(self, world, web, tier, role):
        """ckanext-dcat's ``/dcat.json`` bypasses the RDF profiles."""
        res = web.get("/dcat.json", headers=world.headers(role))
        assert res.status_code == 200
        body = res.get_data(as_text=True)
        datasets = {d["title"]: d for d in json.loads(body)}
        title = world.datasets[tier]["title"]
        assert set(datasets) == {world.datasets[t]["title"] for t in TIERS if in_feeds(role, t)}
        if in_feeds(role, tier):
            access = {d["accessURL"] for d in datasets[title]["distribution"]}
            assert access == (data_urls(world, tier) if data_in_feeds(role, tier)
                              else {apply_page(tier)})
        assert_data_in_feed(world, tier, role, body)
