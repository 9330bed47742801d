"""Anonymous visitors' public pages kept whole (``page_cache``).

The pages kept are found from the app: every GET route whose view is in
``CACHEABLE_VIEWS`` (each dataset type's blueprint, the API's read
actions) is visited, so a route added to a cacheable view is tested
without anyone listing it. Each test runs with the cache on
(``ckanext.govshare.page_cache.ttl``), as production does.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit
from typing import Any, Iterator

import flask
import pytest
import sqlalchemy as sa
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories as ckan_factories
from ckan.lib import search
from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.page_cache import pages
from ckanext.govshare.page_cache import writes
from ckanext.govshare.tiers import policy
from tests import cli_runner
from tests.products.conftest import product_data
from tests.tiers.conftest import World, build_world

pytestmark = [pytest.mark.ckan_config(options.PAGE_CACHE_TTL, 60),
              pytest.mark.usefixtures("with_plugins", "clean_db")]

OPEN = policy.UNCONDITIONAL
#: the response secrets as they are written in a page: CKAN's CSRF token (a
#: meta element, hidden inputs) and the Content-Security-Policy nonce
SECRETS = re.compile(r'(name="_csrf_token" (?:content|value)=")[^"]+(")|(nonce=")[^"]+(")')


def normalized(body: str) -> str:
    return SECRETS.sub(lambda m: (m.group(1) or m.group(3)) + "…" + (m.group(2) or m.group(4)),
                       body)


def csrf_token(body: str) -> str:
    return re.search(r'<meta name="_csrf_token" content="([^"]+)"', body).group(1)


@pytest.fixture()
def world() -> dict[str, Any]:
    world = build_world(with_views=False)
    sysadmin = world.context("sysadmin")
    topic = ckan_factories.Group(name="page-cache-topic", title="页面缓存专题")
    helpers.call_action("member_create", context=sysadmin, id=topic["id"],
                        object=world.datasets[OPEN]["id"], object_type="package",
                        capacity="public")
    product = helpers.call_action("package_create", context=sysadmin, **product_data(
        [{"dataset": world.datasets[OPEN]["name"], "obtained_date": "2026-01-05"}],
        name="page-cache-product"))
    return {"world": world, "topic": topic, "product": product}


def cacheable_rules(flask_app: flask.Flask) -> Iterator[Any]:
    for rule in flask_app.url_map.iter_rules():
        view = flask_app.view_functions.get(rule.endpoint)
        if "GET" in rule.methods and (getattr(view, "__module__", None),
                                      getattr(view, "__name__", None)) in pages.CACHEABLE_VIEWS:
            yield rule


def urls(app, world: dict[str, Any]) -> dict[str, str]:
    """A URL of each cacheable route, about the open dataset (or its agency,
    topic, product): endpoint -> URL, one endpoint per URL (CKAN's home
    page and GovShare's share ``/``)."""
    dataset = world["world"].datasets[OPEN]
    product = world["product"]
    resource = world["world"].uploads[OPEN]
    found: dict[str, str] = {}
    with app.flask_app.test_request_context():
        for rule in cacheable_rules(app.flask_app):
            view = app.flask_app.view_functions[rule.endpoint]
            values: dict[str, Any] = {}
            if view.__module__ == "ckan.views.api":
                for action, params in {
                        "package_search": {"q": "tiermark"},
                        "package_show": {"id": dataset["name"]},
                        "resource_show": {"id": resource["id"]},
                        "package_list": {},
                        "organization_list": {"all_fields": "true"},
                        "organization_show": {"id": dataset["organization"]["name"]},
                        "group_list": {"all_fields": "true"},
                        "group_show": {"id": world["topic"]["name"]}}.items():
                    found[f"{rule.endpoint}:{action}"] = tk.h.url_for(
                        rule.endpoint, ver=3, logic_function=action, **params)
                continue
            is_product = rule.endpoint.startswith("data_product")
            if view.__module__ == "ckan.views.group":
                values["id"] = (dataset["organization"]["name"]
                                if rule.endpoint.startswith("organization")
                                else world["topic"]["name"])
            elif "id" in rule.arguments:
                values["id"] = product["name"] if is_product else dataset["name"]
            if "resource_id" in rule.arguments:
                if is_product:
                    continue  # a product has no files
                values["resource_id"] = resource["id"]
            if view.__name__ == "search":
                values["q"] = "tiermark" if not is_product else "productmark"
            found[rule.endpoint] = tk.h.url_for(rule.endpoint, **values)
    return {endpoint: url for url, endpoint in {url: e for e, url in found.items()}.items()}


def visit(app, url: str, **kwargs: Any):
    """An anonymous visitor's first request (no cookies)."""
    return app.test_client().get(url, **kwargs)


def fresh(app, url: str) -> str:
    """The page as the view renders it now, past the cache."""
    ttl = tk.config[options.PAGE_CACHE_TTL]
    tk.config[options.PAGE_CACHE_TTL] = 0
    try:
        return visit(app, url).get_data(as_text=True)
    finally:
        tk.config[options.PAGE_CACHE_TTL] = ttl


def kept(app, url: str):
    """Ask until the page comes from the cache (it is kept at its second
    request): the first answer and the kept one."""
    # a Solr write of an earlier test moves the version again when Solr
    # shows it (writes.SOLR_VISIBLE_WITHIN): let that happen first
    deadline = time.monotonic() + writes.SOLR_VISIBLE_WITHIN + 1
    while writes._later_due is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    first = visit(app, url)
    assert first.status_code == 200, url
    for _ in range(2):
        response = visit(app, url)
        if response.headers.get(pages.HEADER) == "hit":
            return first, response
    raise AssertionError(f"{url} is not kept")


def test_every_cacheable_view_is_a_route(app):
    """The allow-list names views that exist (a renamed view would silently
    stop being kept)."""
    present = {(view.__module__, view.__name__)
               for view in app.flask_app.view_functions.values()}
    assert pages.CACHEABLE_VIEWS <= present


def test_the_second_visitor_gets_the_page_kept(app, world):
    """Every cacheable route: kept at the second request, the same page
    as the view's, with secrets of its own."""
    for endpoint, url in urls(app, world).items():
        first, hit = kept(app, url)
        assert hit.headers.get(pages.HEADER) == "hit", endpoint
        assert hit.status_code == 200, endpoint
        for header in ("Content-Type", "Cache-Control", "Vary"):
            assert hit.headers.get(header) == first.headers.get(header), (endpoint, header)
        assert normalized(hit.get_data(as_text=True)) == normalized(
            first.get_data(as_text=True)), endpoint


def test_a_write_makes_every_kept_page_unreachable(app, world):
    """Closing the open dataset: no kept page still shows it; every route
    answers as its view does now. Then withdrawing the product."""
    found = urls(app, world)
    for url in found.values():
        kept(app, url)
    dataset = world["world"].datasets[OPEN]
    helpers.call_action("package_patch", context=world["world"].context("sysadmin"),
                        id=dataset["id"], open_tier=policy.CLOSED,
                        open_tier_reason="涉及国家秘密", open_tier_basis="《测试依据》第二条")
    for endpoint, url in found.items():
        response = visit(app, url)
        assert pages.HEADER not in response.headers, endpoint
        body = response.get_data(as_text=True)
        assert normalized(body) == normalized(fresh(app, url)), endpoint
        if not endpoint.startswith("data_product"):
            assert dataset["title"] not in body, endpoint
    for url in found.values():
        if visit(app, url).status_code == 200:
            kept(app, url)
    helpers.call_action("package_delete", context=world["world"].context("sysadmin"),
                        id=world["product"]["id"])
    for endpoint, url in found.items():
        response = visit(app, url)
        assert pages.HEADER not in response.headers, endpoint
        body = response.get_data(as_text=True)
        assert normalized(body) == normalized(fresh(app, url)), endpoint
        assert world["product"]["title"] not in body, endpoint


def test_logged_in_callers_are_never_served_nor_kept(app, world):
    """A member sees the closed dataset: neither they nor an API token are
    given the page kept for anonymous visitors, and nothing they were shown
    is kept for anyone."""
    w: World = world["world"]
    closed = "tiermark-closed"  # in its title
    page = "/dataset/?q=tiermark"
    api = "/api/3/action/package_search?q=tiermark"
    member = {"REMOTE_USER": w.user("member")}
    for _ in range(3):
        response = app.get(page, extra_environ=member)
        assert closed in response.get_data(as_text=True)
        assert pages.HEADER not in response.headers
        response = app.get(api, headers=w.headers("member"))
        assert closed in response.get_data(as_text=True)
        assert pages.HEADER not in response.headers
    for url in (page, api):
        first, hit = kept(app, url)
        assert closed not in hit.get_data(as_text=True)
    # the anonymous page is kept now: the member still gets their own
    for response in (app.get(page, extra_environ=member),
                     app.get(api, headers=w.headers("member"))):
        assert pages.HEADER not in response.headers
        assert closed in response.get_data(as_text=True)


def test_a_visitor_with_a_message_waiting_gets_the_view(app, world):
    """A flash message is shown once, to its visitor: their page is the
    view's, and it is not kept."""
    url = "/dataset/?q=tiermark"
    kept(app, url)
    flask_app = app.flask_app
    # the session cookie a view's h.flash_notice would have set
    cookie = flask_app.session_interface.get_signing_serializer(flask_app).dumps(
        {"_flashes": [("alert-info", "页面缓存测试消息")]})
    visitor = app.test_client()
    visitor.set_cookie(flask_app.config["SESSION_COOKIE_NAME"], cookie,
                       domain=urlsplit(tk.config["ckan.site_url"]).hostname)
    response = visitor.get(url)
    assert pages.HEADER not in response.headers
    assert "页面缓存测试消息" in response.get_data(as_text=True)
    assert "页面缓存测试消息" not in visit(app, url).get_data(as_text=True)


def test_a_get_with_a_body_is_neither_served_nor_kept(app, world):
    """CKAN's API reads a GET's JSON body when its URL has no query string:
    such a request must not choose what the plain URL's visitors get."""
    url = "/api/3/action/package_search"
    for _ in range(3):
        response = visit(app, url, json={"q": "no-such-word-anywhere", "rows": 0})
        assert pages.HEADER not in response.headers
        assert response.json["result"]["count"] == 0
    first, hit = kept(app, url)
    assert hit.json["result"]["count"] == first.json["result"]["count"] > 0
    assert pages.HEADER not in visit(app, url, json={"q": "tiermark"}).headers


def test_a_write_to_the_search_index_alone_moves_the_version(app, search_backend, world):
    """The index is written after the database in places (and alone by a
    re-index): its writes move the version too, on either engine."""
    url = "/dataset/?q=tiermark"
    first, _ = kept(app, url)
    assert "tiermark-unconditional" in first.get_data(as_text=True)
    search.clear_all()  # the index emptied, the database untouched
    response = visit(app, url)
    assert pages.HEADER not in response.headers
    assert "tiermark-unconditional" not in response.get_data(as_text=True)
    kept(app, url)
    search.rebuild(defer_commit=True)  # written, then committed
    search.commit()
    assert pages.HEADER not in visit(app, url).headers
    kept(app, url)
    search.clear(world["world"].datasets[OPEN]["id"])  # one dataset out
    assert pages.HEADER not in visit(app, url).headers


def test_a_dataset_made_private_in_bulk_is_gone(app, search_backend, world):
    """CKAN's bulk_update_private commits the database, then updates the
    index (and Solr shows it only once a searcher opens): a page rendered in
    between is not served once the index shows the change."""
    w: World = world["world"]
    url = "/dataset/?q=tiermark"
    kept(app, url)
    helpers.call_action("bulk_update_private", context=w.context("sysadmin"),
                        datasets=[w.datasets[OPEN]["id"]], org_id=w.owner_org["id"])
    for _ in range(2):  # asked for at once: kept, maybe from Solr's old searcher
        visit(app, url)
    if search_backend == "solr":
        before = writes.current()
        time.sleep(writes.SOLR_VISIBLE_WITHIN + 0.5)
        assert int(writes.current()) > int(before)  # the later bump, with no write
    for _ in range(3):
        assert "tiermark-unconditional" not in visit(app, url).get_data(as_text=True)


def test_without_a_version_nothing_is_served(app, world):
    """Fail closed: when Redis refuses to move the version, it is dropped,
    and no page is served until a new one, above every earlier one, is made."""
    url = "/dataset/?q=tiermark"
    kept(app, url)
    redis = connect_to_redis()
    before = int(writes.current())
    redis.set(writes.VERSION_KEY, "not-a-number")  # INCR is refused
    writes.bump()
    assert writes.current() is None
    for _ in range(3):
        assert pages.HEADER not in visit(app, url).headers
    writes.start()  # a web process starting
    assert int(writes.current()) > before
    kept(app, url)
    redis.delete(writes.VERSION_KEY)
    writes.bump()  # or the next write
    assert int(writes.current()) > before
    kept(app, url)


def test_the_deployment_is_in_every_key(app, world):
    """A new version's processes (other code, templates, ini) never serve
    what the old one's rendered, nor the reverse."""
    kept(app, "/")
    prefix = f"{pages.PREFIX}{writes.current().decode()}:"
    keys = [k.decode() for k in connect_to_redis().scan_iter(prefix + "*")
            if not k.endswith(b":seen")]
    assert keys and all(k.startswith(prefix + pages.deployment() + ":") for k in keys)


def test_each_visitor_has_secrets_of_their_own(app, world):
    """The CSRF token and the nonce are made for each visitor: a visitor's
    token is valid in their session, another visitor's is not; a kept
    page's inline elements carry its own response's nonce."""
    first, _ = kept(app, "/")
    visitor = app.test_client()
    hit = visitor.get("/")
    assert hit.headers.get(pages.HEADER) == "hit"
    token = csrf_token(hit.get_data(as_text=True))
    stranger = csrf_token(first.get_data(as_text=True))
    assert token != stranger
    cookie = visitor.get_cookie(app.flask_app.config["SESSION_COOKIE_NAME"],
                                domain=urlsplit(tk.config["ckan.site_url"]).hostname)
    with app.flask_app.test_request_context(
            "/", headers={"Cookie": f"{cookie.key}={cookie.value}"}):
        validate_csrf(token)  # the visitor's own session
        with pytest.raises(ValidationError):
            validate_csrf(stranger)

    with_nonces = 0
    for url in urls(app, world).values():
        first, hit = kept(app, url)
        nonces = set(re.findall(r'nonce="([^"]+)"', hit.get_data(as_text=True)))
        if nonces:
            with_nonces += 1
            assert len(nonces) == 1, url
            nonce = nonces.pop()
            assert f"'nonce-{nonce}'" in hit.headers["Content-Security-Policy"], url
            assert f'nonce="{nonce}"' not in first.get_data(as_text=True), url
    assert with_nonces  # the dataset pages have inline elements


def test_a_page_asked_for_once_is_not_kept(app, world):
    url = "/dataset/?q=tiermark"
    assert pages.HEADER not in visit(app, url).headers
    version = pages.PREFIX + writes.current().decode() + ":"
    assert not [k for k in connect_to_redis().scan_iter(version + "*") if not k.endswith(b":seen")]
    assert pages.HEADER not in visit(app, url).headers  # kept now
    assert visit(app, url).headers.get(pages.HEADER) == "hit"


def test_nothing_is_kept_without_a_ttl(app, world, monkeypatch):
    monkeypatch.setitem(tk.config, options.PAGE_CACHE_TTL, 0)  # the default
    for _ in range(3):
        assert pages.HEADER not in visit(app, "/").headers


def test_a_sysadmin_drops_every_kept_page(app, world):
    """After a deployment (templates, the ini), which writes nothing:
    ``ckan govshare pages forget``; nobody else may."""
    url = "/dataset/?q=tiermark"
    kept(app, url)
    w: World = world["world"]
    for role in ("anonymous", "stranger", "member"):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_page_cache_forget", context=w.context(role))
    assert visit(app, url).headers.get(pages.HEADER) == "hit"
    before = int(writes.current())
    result = cli_runner.invoke("govshare", "pages", "forget")
    assert result.exit_code == 0, result.output
    assert str(int(writes.current())) in result.output and int(writes.current()) > before
    assert pages.HEADER not in visit(app, url).headers


@pytest.mark.parametrize("statement, writing", [
    ("INSERT INTO package (id) VALUES ('x')", True),
    ("  update package SET title = 'x'", True),
    ("DELETE FROM package", True),
    ("TRUNCATE package", True),
    ("CREATE TEMP TABLE t (id int)", True),
    ("WITH moved AS (UPDATE package SET title = 'x' RETURNING id) SELECT count(*) FROM moved",
     True),
    ("(SELECT 1) UNION (SELECT 2)", False),
    ("SELECT title FROM package WHERE id = 'update'", False),
    ("WITH t AS (SELECT 1) SELECT * FROM t", False),
    ("SET LOCAL statement_timeout = 1000", False),
    ('PRAGMA main.table_info("jobs")', False),
])
def test_what_counts_as_a_write(statement, writing):
    assert writes.writes(statement) is writing


def test_the_version_moves_after_a_committed_write_only():
    def statement(sql: str, commit: bool) -> None:
        model.Session.execute(sa.text(sql))
        if commit:
            model.Session.commit()
        else:
            model.Session.rollback()
        model.Session.remove()  # the connection goes back to the pool

    writes.start()
    start = writes.current()
    statement("SELECT count(*) FROM package", commit=True)
    assert writes.current() == start
    statement("UPDATE package SET title = title WHERE false", commit=False)
    assert writes.current() == start
    statement("UPDATE package SET title = title WHERE false", commit=True)
    assert int(writes.current()) == int(start) + 1
