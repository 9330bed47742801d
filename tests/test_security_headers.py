"""Every response carries the security headers; the login cookies are
same-site only, and ``Secure`` when the site is served over HTTPS.

The Content-Security-Policy (ckanext/govshare/content_policy.py) is checked
against the pages themselves: every GET route of the app is requested as a
sysadmin, and the most visited ones also anonymously, with a catalog that
has something on each of them (an agency with a logo, datasets with link
and uploaded resources and previews, a data product, an application, a
group). On every HTML page, whatever the policy's parsed directives allow
must cover what the page loads and runs: each inline ``<script>`` and
``<style>`` carries the response's nonce, each script, stylesheet, image,
frame and form target is allowed by its directive (and so is what the
stylesheets load: fonts and images), and there is no inline event handler
and no ``javascript:`` link that does anything. A route that gives no HTML
page is listed in :data:`NOT_PAGES` with the reason; a new route that is in
neither fails :func:`test_every_get_route_is_checked`.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit

import bs4
import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import config
from ckan.tests import helpers

from ckanext.govshare import content_policy
from ckanext.govshare.notifications import inbox
from ckanext.govshare.request_guard import SECURITY_HEADERS
from tests import factories
from tests.applications.conftest import application_data
from tests.tiers.conftest import World, build_world

#: the plugins of test.ini plus ``image_view`` for the previews (and
#: ``dcat_json_interface``, as the surface matrix, so the two share an app)
pytestmark = pytest.mark.ckan_config(
    "ckan.plugins", " ".join(tk.aslist(config.get("ckan.plugins"))
                             + ["image_view", "dcat_json_interface"]))

NGINX_CONF = "docker/nginx/default.conf"


# ------------------------------------------------------------------ headers
@pytest.mark.parametrize("url", ["/", "/dataset/", "/en/dataset/", "/api/3/action/status_show",
                                 "/no-such-page"])
def test_every_response_has_the_headers(app, url):
    res = app.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert res.headers.get(name) == value, (url, name)
    csp = parse_policy(res.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"]
    assert "'unsafe-eval'" not in csp["script-src"]


def test_a_response_without_inline_elements_has_no_nonce(app):
    res = app.get("/api/3/action/status_show")
    assert res.headers["Content-Security-Policy"] == content_policy.policy()
    assert "nonce-" not in res.headers["Content-Security-Policy"]


def test_nginx_sends_the_apps_headers():
    """docker/nginx/default.conf adds the app's headers, the policy without a
    nonce, to the responses that lack them (nginx's own: errors, health)."""
    text = open(NGINX_CONF, encoding="utf-8").read()
    maps = dict(re.findall(r'map \$upstream_http_([a-z_]+) \$govshare_[a-z_]+ \{\s*'
                           r'""\s+"([^"]*)";', text))
    added = re.findall(r'add_header ([A-Za-z-]+) \$govshare_[a-z_]+ always;', text)
    expected = {**SECURITY_HEADERS, "Content-Security-Policy": content_policy.policy()}
    assert {name.lower().replace("-", "_"): value for name, value in expected.items()} == maps
    assert sorted(added) == sorted(expected)


# ------------------------------------------------------------------ cookies
def login_cookies(app) -> list[str]:
    user = factories.User(password="correct-horse-1")
    res = app.post("/user/login", data={"login": user["name"], "password": "correct-horse-1",
                                        "remember": "63072000"}, follow_redirects=False)
    cookies = res.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert "remember_token" in names and len(names) >= 2, (res.status_code, names)
    return cookies


def test_the_login_cookies_are_same_site(app):
    cookies = login_cookies(app)
    for cookie in cookies:
        assert "SameSite=Lax" in cookie, cookie
        assert "; Secure" not in cookie, cookie  # the test site is http://


@pytest.mark.ckan_config("ckan.site_url", "https://data.example.gov.cn")
def test_the_login_cookies_are_secure_on_an_https_site(app):
    for cookie in login_cookies(app):
        assert "; Secure" in cookie and "SameSite=Lax" in cookie, cookie


# ------------------------------------------------------------------ the policy
def parse_policy(header: str) -> dict[str, list[str]]:
    return {parts[0].lower(): parts[1:]
            for parts in (directive.split() for directive in header.split(";")) if parts}


def nonce_of(res: Any) -> Optional[str]:
    match = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"])
    return match.group(1) if match else None


#: CSP's fallbacks (CSP Level 3): a directive absent from the policy
FALLBACK = {"script-src-elem": "script-src", "style-src-elem": "style-src",
            "style-src-attr": "style-src", "script-src": "default-src",
            "style-src": "default-src", "img-src": "default-src", "font-src": "default-src",
            "frame-src": "child-src", "child-src": "default-src",
            "connect-src": "default-src"}


def sources(policy: dict[str, list[str]], directive: str) -> Optional[list[str]]:
    """The source list that governs ``directive``; None: nothing restricts it."""
    while directive not in policy:
        if directive not in FALLBACK:
            return None
        directive = FALLBACK[directive]
    return policy[directive]


def allows(source_list: Optional[list[str]], url: str, page: str) -> bool:
    """CSP's source matching for the kinds of source the policy uses:
    ``'self'``, schemes (``https:``) and hosts (``https://cdn.example``)."""
    if source_list is None:
        return True
    absolute = urlsplit(urljoin(page, url.strip()))
    origin = urlsplit(page)
    for source in source_list:
        if source == "'self'" and (absolute.scheme, absolute.netloc) == \
                (origin.scheme, origin.netloc):
            return True
        if re.fullmatch(r"[a-z][a-z0-9+.-]*:", source) and absolute.scheme == source[:-1]:
            return True
        if "://" in source and urljoin(page, url).startswith(source.rstrip("/")):
            return True
    return False


#: ``<script type>`` values a browser runs (others are data blocks)
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
#: ``javascript:`` links that do nothing even when the policy blocks them
#: (their clicks are handled by scripts: Bootstrap's collapse, scheming's
#: repeating fields)
INERT_JAVASCRIPT = {"javascript:;", "javascript:void(0);", "javascript:void(0)"}
FONT = re.compile(r"\.(woff2?|ttf|otf|eot)([?#].*)?$|^data:(font|application/(x-)?font)")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


@dataclasses.dataclass
class Checker:
    """Checks pages against their policy; stylesheets fetched once."""

    app: Any
    site: str
    checked_css: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def problems(self, res: Any, url: str) -> list[str]:
        page = urljoin(self.site, url)
        policy = parse_policy(res.headers.get("Content-Security-Policy", ""))
        if not policy:
            return ["no Content-Security-Policy"]
        nonce = nonce_of(res)
        soup = bs4.BeautifulSoup(res.get_data(as_text=True), "lxml")
        found: list[str] = []

        def need(directive: str, src: str, what: str) -> None:
            if not allows(sources(policy, directive), src, page):
                found.append(f"{what} {src!r} refused by {directive}")

        def inline_allowed(element: Any, directive: str) -> bool:
            if nonce and element.get("nonce") == nonce:
                return True
            digest = base64.b64encode(hashlib.sha256(element.text.encode()).digest()).decode()
            return f"'sha256-{digest}'" in (sources(policy, directive) or [])

        for script in soup.find_all("script"):
            if (script.get("type") or "").strip().lower() not in SCRIPT_TYPES:
                continue
            if script.get("src"):
                need("script-src-elem", script["src"], "script")
            elif not inline_allowed(script, "script-src-elem"):
                found.append(f"inline script without the nonce: {script.text.strip()[:60]!r}")
        for style in soup.find_all("style"):
            if not inline_allowed(style, "style-src-elem"):
                found.append(f"inline style without the nonce: {style.text.strip()[:60]!r}")
        for link in soup.find_all("link", href=True):
            rel = {r.lower() for r in link.get("rel") or []}
            if "stylesheet" in rel:
                need("style-src-elem", link["href"], "stylesheet")
                found += self.stylesheet_problems(policy, urljoin(page, link["href"]))
            elif rel & {"icon", "shortcut", "apple-touch-icon"}:
                need("img-src", link["href"], "icon")
        for img in soup.find_all("img", src=True):
            need("img-src", img["src"], "image")
        for frame in soup.find_all("iframe", src=True):
            need("frame-src", frame["src"], "frame")
        for form in soup.find_all("form"):
            need("form-action", form.get("action") or page, "form target")
        for element in soup.find_all(True):
            handlers = [name for name in element.attrs if re.fullmatch(r"on[a-z]+", name)]
            if handlers:
                found.append(f"inline event handler {handlers} on <{element.name}>")
            if element.get("style") and "'unsafe-inline'" not in (
                    sources(policy, "style-src-attr") or ["'unsafe-inline'"]):
                found.append(f"style attribute on <{element.name}>")
            for attribute in ("href", "src", "action", "formaction"):
                value = (element.get(attribute) or "").strip()
                if value.lower().startswith("javascript:") and value not in INERT_JAVASCRIPT:
                    found.append(f"{attribute}={value[:60]!r} on <{element.name}>")
        return found

    def stylesheet_problems(self, policy: dict[str, list[str]], href: str) -> list[str]:
        """What a stylesheet of this origin loads: fonts and images."""
        if href not in self.checked_css:
            found = []
            if urlsplit(href).netloc == urlsplit(self.site).netloc:
                res = self.app.get(urlsplit(href).path, status=200)
                for target in CSS_URL.findall(res.get_data(as_text=True)):
                    if target.startswith("#"):
                        continue  # an SVG fragment
                    directive = "font-src" if FONT.search(target) else "img-src"
                    if not allows(sources(policy, directive), target, href):
                        found.append(f"{href} loads {target[:60]!r}, refused by {directive}")
            self.checked_css[href] = found
        return self.checked_css[href]


# ------------------------------------------------------------------ the pages
#: GET routes that give no HTML page to check, and why
NOT_PAGES = {
    "static": "files of the public directories",
    "webassets.index": "the scripts and stylesheets themselves (their loads are checked)",
    "home.robots_txt": "text",
    "home.redirect_locale": "a redirect to the same page in another locale",
    "util.internal_redirect": "a redirect",
    "user.logout": "logs the caller out and redirects",
    "user.logged_out_page": "a redirect after logging out",
    "user.me": "a redirect to the caller's dashboard",
    "user.perform_reset": "needs a password-reset key (the request page is checked)",
    "activity.package_changes_multiple": "needs activity ids (the single-change page is checked)",
    "activity.group_changes_multiple": "needs activity ids (the single-change page is checked)",
    "activity.organization_changes_multiple":
        "needs activity ids (the single-change page is checked)",
    "govshare_application_report.report_csv": "CSV",
    "govshare_application_report.report_json": "JSON",
    "govshare_stats.figure_csv": "CSV (tests/stats/test_stats.py)",
    "govshare_stats.figure_json": "JSON (tests/stats/test_stats.py)",
    "feeds": "Atom feeds",
    "dcat": "RDF and JSON-LD",
    "govshare_dcat_authority": "RDF and JSON-LD (tests/dcat/test_authority_feed.py)",
    "api": "JSON (the Action API and its utilities)",
    "download": "files and redirects to them (tests/test_url_schemes.py)",
    "dcat_json_interface": "JSON",
}


def not_a_page(endpoint: str) -> bool:
    blueprint = endpoint.split(".")[0]
    return endpoint in NOT_PAGES or blueprint in NOT_PAGES or \
        endpoint.endswith(".download") or endpoint.endswith("dcat_json")


@dataclasses.dataclass
class Catalog:
    world: World
    product: dict[str, Any]
    product_resource: dict[str, Any]
    application: dict[str, Any]
    group: dict[str, Any]
    activity_ids: dict[str, str]
    notice_id: int


@pytest.fixture(scope="module")
def catalog(module_db) -> Catalog:
    world = build_world(with_views=True)
    admin = {"user": world.user("sysadmin")}
    helpers.call_action("organization_patch", context=admin, id=world.owner_org["id"],
                        image_url="https://img.example.gov.cn/logo.png")
    dataset = world.datasets["unconditional"]
    for version in ("1.0", "1.1"):  # two changes in a row, for the changes page
        helpers.call_action("package_patch", context=admin, id=dataset["id"],
                            url="https://data.example.gov.cn/source", version=version)
    product = helpers.call_action("package_create", context=world.context("stranger"),
                                  type="data_product", name="csp-product",
                                  title="公交到站查询", notes="到站时间查询应用",
                                  product_kind="app",
                                  producer_type="person", producer_name="张三",
                                  url="https://apps.example.com/bus",
                                  sources=[{"dataset": dataset["id"],
                                            "obtained_date": "2024-06-01"}])
    product_resource = helpers.call_action(
        "resource_create", context=world.context("stranger"), package_id=product["id"],
        url="https://apps.example.com/bus/manual.pdf", name="manual")
    application = helpers.call_action(
        "govshare_application_create", context=world.context("stranger"),
        **application_data(world.datasets["conditional"]["id"]))
    group = factories.Group(user=world.users["sysadmin"],
                            image_url="https://img.example.gov.cn/group.png")
    activity_ids = {
        kind: helpers.call_action(action, context=admin, id=ident)[0]["id"]
        for kind, action, ident in (
            ("dataset", "package_activity_list", dataset["id"]),
            ("organization", "organization_activity_list", world.owner_org["id"]),
            ("group", "group_activity_list", group["id"]))}
    # a notice in the sysadmin's message centre (/dashboard/notices/<int:id>)
    sysadmin_id = model.User.get(world.user("sysadmin")).id
    inbox.deliver("security-headers", application["id"], [inbox.Delivery(
        sysadmin_id, "test", "测试通知", "测试通知正文", None, None)],
        dt.datetime.utcnow())
    model.repo.commit()
    notice_id = helpers.call_action("govshare_notice_list", context=admin)["results"][0]["id"]
    return Catalog(world, product, product_resource, application, group, activity_ids,
                   notice_id)


#: what a route's ``id`` names, by the start of its endpoint (else a dataset)
ROUTE_KINDS = (("data_product", "product"), ("activity.organization", "organization"),
               ("activity.group", "group"), ("activity.user", "user"),
               ("organization.", "organization"), ("group.", "group"), ("user.", "user"),
               ("govshare_applications.inbox", "organization"),
               ("govshare_catalog_review.review_page", "organization"),
               ("govshare_applications.read", "application"),
               ("govshare_notifications.read", "notice"))


def route_values(endpoint: str, arguments: set[str], catalog: Catalog) -> Optional[dict]:
    """Values for a route's arguments, from the catalog; None when the route
    takes arguments this catalog has nothing for."""
    world = catalog.world
    kind = next((k for prefix, k in ROUTE_KINDS if endpoint.startswith(prefix)), "dataset")
    dataset = catalog.product if kind == "product" else world.datasets["unconditional"]
    resource = catalog.product_resource if kind == "product" else world.uploads["unconditional"]
    ids = {"dataset": dataset["name"], "product": dataset["name"],
           "organization": world.owner_org["name"], "group": catalog.group["name"],
           "user": world.user("member"), "application": catalog.application["id"],
           "notice": catalog.notice_id}
    # the changes pages take an activity's id
    ident = catalog.activity_ids.get(kind) if endpoint.endswith("_changes") else ids[kind]
    values = {"id": ident, "resource_id": resource["id"],
              "activity_id": catalog.activity_ids.get(kind),
              "view_id": world.views["unconditional"]["id"]}
    if not arguments <= set(values) or any(values[a] is None for a in arguments):
        return None
    return {a: values[a] for a in arguments}


def route_urls(app, catalog: Catalog) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """A URL for each GET route of the app that gives a page (by its rule,
    the first endpoint of a rule named), and the endpoints that could not
    be built."""
    adapter = app.flask_app.url_map.bind("localhost")
    urls, unbuilt = {}, []
    for rule in app.flask_app.url_map.iter_rules():
        if "GET" not in rule.methods or not_a_page(rule.endpoint) or rule.rule in urls:
            continue
        arguments = set(rule.arguments) - set(rule.defaults or {})
        values = route_values(rule.endpoint, arguments, catalog)
        if values is None:
            unbuilt.append(rule.endpoint)
            continue
        urls[rule.rule] = (rule.endpoint, adapter.build(rule.endpoint, values))
    return urls, unbuilt


#: pages that must answer 200 (so the check cannot pass on error pages)
MAIN_PAGES = (
    "govshare_portal.index", "govshare_portal.help", "home.about", "dataset.search",
    "dataset.read", "dataset.new",
    "dataset.edit", "dataset_resource.read", "dataset_resource.new", "dataset_resource.edit",
    "dataset_resource.view", "organization.index", "organization.read", "organization.about",
    "group.index", "group.read", "user.login", "user.register", "user.read",
    "data_product.search", "data_product.read", "govshare_applications.apply",
    "govshare_applications.read", "govshare_applications.dashboard",
    "govshare_applications.inbox", "govshare_labelling.downloads",
    "govshare_application_report.report_page", "admin.index", "admin.config",
    "activity.package_activity", "activity.package_changes",
)


def test_every_get_route_is_checked(app, catalog):
    urls, unbuilt = route_urls(app, catalog)
    assert unbuilt == [], "give these routes catalog values, or list them in NOT_PAGES"
    assert set(MAIN_PAGES) <= {endpoint for endpoint, _ in urls.values()}


def test_every_page_passes_the_policy_as_a_sysadmin(app, catalog):
    urls, _ = route_urls(app, catalog)
    checker = Checker(app, config["ckan.site_url"])
    env = {"REMOTE_USER": catalog.world.user("sysadmin")}
    problems, answered = {}, set()
    for endpoint, url in sorted(urls.values()):
        res = app.get(url, extra_environ=env, follow_redirects=False)
        if res.status_code == 200:
            answered.add(endpoint)
        if res.mimetype == "text/html":
            problems[url] = checker.problems(res, url)
    assert set(MAIN_PAGES) - answered == set()
    assert {url: found for url, found in problems.items() if found} == {}
    assert len(problems) >= 80, sorted(problems)


@pytest.mark.parametrize("role", ["anonymous", "stranger"])
def test_the_public_pages_pass_the_policy(app, catalog, role):
    world = catalog.world
    conditional = world.datasets["conditional"]
    urls = ["/", "/en/", "/dataset/", f"/dataset/{world.datasets['unconditional']['name']}",
            f"/dataset/{conditional['name']}",
            f"/dataset/{conditional['name']}/resource/{world.uploads['conditional']['id']}",
            f"/dataset/{conditional['name']}/resource/{world.uploads['conditional']['id']}"
            "/download",
            f"/organization/{world.owner_org['name']}", "/organization/",
            f"/data_product/{catalog.product['name']}", "/user/login", "/user/register",
            "/user/reset", f"/dataset/{conditional['name']}/apply", "/no-such-page"]
    checker = Checker(app, config["ckan.site_url"])
    env = {"REMOTE_USER": world.user(role)} if role != "anonymous" else {}
    problems = {}
    for url in urls:
        res = app.get(url, extra_environ=env, follow_redirects=False)
        assert res.mimetype == "text/html" and res.status_code in (200, 302, 403, 404), url
        problems[url] = checker.problems(res, url)
    assert {url: found for url, found in problems.items() if found} == {}


def test_the_nonce_is_new_for_every_page(app, catalog):
    """A page with inline elements (the dataset page's label and copy
    button) gets a nonce of its own each time."""
    url = f"/dataset/{catalog.world.datasets['unconditional']['name']}"
    nonces = [nonce_of(app.get(url)) for _ in range(3)]
    assert None not in nonces and len(set(nonces)) == 3


def test_htmx_injects_no_style(app):
    """htmx (loaded on every page) adds an unnonced <style> unless told not to."""
    soup = bs4.BeautifulSoup(app.get("/").get_data(as_text=True), "lxml")
    meta = soup.find("meta", attrs={"name": "htmx-config"})
    assert meta is not None and '"includeIndicatorStyles": false' in meta["content"]
