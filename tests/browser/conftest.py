"""Browser journeys: the portal served over real HTTP, driven by Chromium.

* ``live_server``: the harness's app (``tests/harness.py``: whichever
  environment the running test has loaded) served by werkzeug on
  ``127.0.0.1`` and a free port, in a thread of the test process, so the
  pages read and write the worker's own database, Redis database and
  storage, and a test's factories are seen at once. The browser reaches it
  by the site's configured name (``ckan.site_url``, mapped to that port),
  so the addresses CKAN writes into its pages lead back to it.
* ``browser``: Debian's ``chromium`` (``/usr/bin/chromium``, or
  ``GOVSHARE_CHROMIUM``) driven by PyPI's ``playwright``, one per test
  session (a worker); ``make test`` installs both, so a missing browser
  fails the journeys rather than skipping them.
* ``visitor``/``open_visitor``: a visitor of the test's own (Chinese by
  default, English under ``/en/``, a 390×844 phone) with no cookies, logged
  in through the real login form once per user and session (the cookies
  are reused), in one of the session's browser contexts (``contexts``:
  cleared when a test hands it back, closed when the test failed).
  Every page a visitor opens is checked: CKAN's scripts started (its
  ``/api/i18n/…`` request answered 200 and its modules initialised), no
  script error, nothing refused by the Content-Security-Policy.
* ``Visitor.check_accessibility()``: axe-core (``vendor/axe.min.js``, from
  npm, refreshed by ``make axe``) run on the page as it stands; fails on
  any critical or serious violation, naming the rule, the elements and the
  rule's help page.

``GOVSHARE_HEADED=1`` shows the browser (``GOVSHARE_SLOWMO=250`` slows it
down); a failing journey leaves a screenshot in ``var/browser-failures``.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional
from urllib.parse import urlsplit

import pytest

from tests import harness

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GOVSHARE_CHROMIUM", "/usr/bin/chromium")
#: what this machine needs (no sandbox as root; no connection to Google's
#: services, which the closed network refuses)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "var" / "browser-failures"
#: where CKAN logs the traceback of a 500 (its error handler)
ERROR_LOGGER = "ckan.config.middleware.flask_app"
#: ms a visitor waits for a page, an element or CKAN's scripts
TIMEOUT = 15_000
#: axe-core, vendored from npm (version and licence beside it)
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
#: the impacts that fail a page (moderate and minor ones are reported by
#: axe too, but are judgement calls: landmarks, heading order)
AXE_FAILING = ("critical", "serious")

#: every ``securitypolicyviolation`` of a page, kept where the checks read it
#: (an init script runs before the page's own, outside its policy)
WATCH_POLICY = """
window.__govshareViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__govshareViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
#: CKAN's modules have started: ``ckan.module.initialize`` runs only once
#: ``/api/i18n/<locale>`` answered (main.js), and every page has modules
#: (the footer's language selector)
MODULES_STARTED = """() => !!(window.ckan && ckan.module && ckan.i18n
  && Object.keys(ckan.module.instances).length > 0)"""


# ------------------------------------------------------------ the server
#: static files: webassets' names carry their content's hash, and the rest
#: do not change while the tests run. CKAN sends them with max-age=0
#: (``ckan.cache_expires``), so a browser asked again for some twenty of
#: them on every page; kept for the context's life here, a page costs
#: its own request and the scripts' ``/api/i18n`` one
STATIC = ("/webassets/", "/base/", "/govshare/")


def _cached(start_response: Callable) -> Callable:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
        return start_response(status, [*headers, ("Cache-Control", "public, max-age=3600")],
                              exc_info)
    return start


class ServerErrors(logging.Handler):
    """What CKAN logs as an error while serving (a 500's traceback), for the
    journey's failure message."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # the traceback's last lines say what failed where
        self.messages.append("\n    ".join(self.format(record).splitlines()[-6:]))


class LiveServer:
    def __init__(self) -> None:
        from werkzeug.serving import make_server

        from ckan.common import config

        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.address = f"127.0.0.1:{self.server.server_port}"
        # the browser asks for the site by the name CKAN writes into its
        # pages (ckan.site_url: the scripts' API root, the policy's 'self')
        self.url = config["ckan.site_url"].rstrip("/")
        site = urlsplit(self.url)
        # and no other name resolves: nothing leaves the machine (avatars
        # from Gravatar, say). Not a route of the contexts: intercepting
        # requests turns the browser's cache off
        self.resolver_rule = (f"MAP {site.hostname}:{site.port or 80} {self.address}, "
                              "MAP * ~NOTFOUND")
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name="govshare-live-server", daemon=True)
        self.errors = ServerErrors()

    def _dispatch(self, environ: dict[str, Any], start_response: Callable) -> Any:
        # CKAN's logging configuration, read again whenever an app is
        # built, disables the loggers made before it
        logger = logging.getLogger(ERROR_LOGGER)
        logger.disabled = False
        if self.errors not in logger.handlers:
            logger.addHandler(self.errors)
        # the app of the environment the running test loaded
        app = harness.ENVIRONMENT.app.app
        if environ.get("PATH_INFO", "").startswith(STATIC):
            return app(environ, _cached(start_response))
        return app(environ, start_response)

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        logging.getLogger(ERROR_LOGGER).removeHandler(self.errors)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    # a failing journey's report shows its own problems, not every request
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # RQ keeps its connection per thread, and CKAN hands it one only in the
    # thread that first asks for a queue: when a page enqueued the first
    # job (the server's thread), a test's burst worker here found none
    from rq.connections import push_connection

    from ckan.lib.redis import connect_to_redis
    push_connection(connect_to_redis())
    server = LiveServer().start()
    yield server
    server.stop()


# ------------------------------------------------------------ the browser
@pytest.fixture(scope="session")
def browser(live_server) -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no browser at {CHROMIUM}: 'make test' installs Debian's chromium "
                    "(or set GOVSHARE_CHROMIUM)", pytrace=False)
    from playwright.sync_api import sync_playwright

    headed = os.environ.get("GOVSHARE_HEADED") == "1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=not headed,
            slow_mo=float(os.environ.get("GOVSHARE_SLOWMO", 0)),
            args=[*LAUNCH_ARGS, f"--host-resolver-rules={live_server.resolver_rule}"])
        yield browser
        browser.close()


class PageProblems(AssertionError):
    pass


class Visitor:
    """One browser context: a person using the portal in one language on
    one screen. ``go`` opens a page, ``page`` is Playwright's page."""

    def __init__(self, context: Any, server: LiveServer, lang: str = "",
                 page: Any = None) -> None:
        self.context = context
        self.server = server
        self.base_url = server.url
        self._errors_seen = len(server.errors.messages)
        self.prefix = f"/{lang}" if lang else ""
        self.page = page or context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.problems: list[str] = []
        self.i18n_answers: list[tuple[str, int]] = []
        #: the status of each page (main-frame document) opened
        self._documents: dict[str, int] = {}
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("response", self._response)

    def detach(self) -> None:
        """Stop listening to the page (handed on to another visitor)."""
        self.page.remove_listener("console", self._console)
        self.page.remove_listener("pageerror", self._page_error)
        self.page.remove_listener("response", self._response)

    def _page_error(self, error: Any) -> None:
        self.problems.append(f"script error: {error}")

    def forget_problems(self) -> None:
        """Start afresh: a visitor kept for several tests reports each
        test's own problems only."""
        self.problems.clear()
        self._errors_seen = len(self.server.errors.messages)

    def screenshot(self, name: str) -> None:
        """A full-page screenshot in ``var/browser-failures``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", name)[-150:]
        try:
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        except Exception:  # a screenshot must not hide the failure
            pass

    def url(self, path: str) -> str:
        return f"{self.base_url}{self.prefix}{path}"

    def _own(self, url: str) -> bool:
        return url.startswith(self.base_url)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        # loads from other sites are refused by the test's routes
        where = (message.location or {}).get("url") or ""
        if "Failed to load resource" in message.text and where and not self._own(where):
            return
        # a page answered 4xx on purpose (the application form of data one
        # does not have yet is a 403): its status is the journey's to read
        if "Failed to load resource" in message.text \
                and 400 <= self._documents.get(where, 0) < 500:
            return
        self.problems.append(f"console error: {message.text} ({where})")

    def _response(self, response: Any) -> None:
        if "/api/i18n/" in response.url:
            self.i18n_answers.append((urlsplit(response.url).path, response.status))
            if response.status != 200:
                self.problems.append(f"{response.url} answered {response.status}")
        elif response.request.resource_type == "document" and self._own(response.url) \
                and response.request.frame == self.page.main_frame:
            self._documents[response.url] = response.status
            policy = response.headers.get("content-security-policy", "")
            if not re.search(r"script-src 'self'( 'nonce-[^']+')?;", policy):
                self.problems.append(f"{response.url}: unexpected policy {policy!r}")

    # --------------------------------------------------------------- pages
    def go(self, path: str) -> "Visitor":
        """Open ``path`` (in the visitor's language) and wait for CKAN's
        scripts."""
        self.page.goto(self.url(path), wait_until="domcontentloaded")
        return self.ready()

    @contextlib.contextmanager
    def navigation(self) -> Iterator[None]:
        """Around what sends the visitor to another page (a click, a form
        sent by a script): waits for that page and its scripts."""
        with self.page.expect_navigation(wait_until="domcontentloaded"):
            yield
        self.ready()

    @contextlib.contextmanager
    def bootstrap_event(self, event: str) -> Iterator[None]:
        """Around what makes Bootstrap fire ``event`` (``shown.bs.modal``,
        ``hidden.bs.modal``…): waits until it has fired. A dialog's buttons
        do nothing while it is still fading in or out (Bootstrap ignores a
        hide during its transition), and a loaded machine can stretch the
        fade past a click, so a journey waits for the event, not the class."""
        self.page.evaluate("""event => {
            window.__govshareEvents = window.__govshareEvents || {};
            window.__govshareEvents[event] = false;
            document.addEventListener(event, () => { window.__govshareEvents[event] = true; },
                                      {once: true});
        }""", event)
        yield
        self.page.wait_for_function("event => window.__govshareEvents[event] === true",
                                    arg=event, timeout=TIMEOUT)

    def ready(self) -> "Visitor":
        """The page's scripts have started and nothing went wrong so far."""
        deadline = time.monotonic() + TIMEOUT / 1000
        # polled here, so that a failed request ends the wait at once
        while not self.problems and not self.page.evaluate(MODULES_STARTED):
            if time.monotonic() > deadline:
                raise PageProblems(f"CKAN's modules did not start on {self.page.url} "
                                   f"(i18n answers: {self.i18n_answers})")
            self.page.wait_for_timeout(20)
        self.check()
        return self

    def check(self) -> None:
        violations = self.page.evaluate("() => window.__govshareViolations || []")
        problems = self.problems + [f"refused by the policy: {v}" for v in violations]
        problems += [f"server error: {message}"
                     for message in self.server.errors.messages[self._errors_seen:]]
        if problems:
            raise PageProblems(f"{self.page.url}:\n  " + "\n  ".join(problems))

    def check_accessibility(self) -> list[dict[str, Any]]:
        """Run axe-core on the page as it stands; fail on any critical or
        serious violation. Returns every violation (for a test that wants the
        moderate ones too)."""
        # evaluated through the DevTools protocol, which the page's policy
        # does not govern: a <script> tag (add_script_tag) would be refused
        # without the page's nonce, and bypass_csp would switch the policy
        # off for the very page whose policy the other checks watch
        if not self.page.evaluate("() => !!window.axe"):
            self.page.evaluate(_axe_source())
        # axe's default rule set (WCAG 2.x A/AA and its best practices), as
        # the figures were measured
        result = self.page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        violations = result["violations"]
        failing = [v for v in violations if v["impact"] in AXE_FAILING]
        if failing:
            lines = []
            for v in failing:
                lines.append(f"{v['impact']} {v['id']}: {v['help']} ({v['helpUrl']})")
                for node in v["nodes"][:5]:
                    why = " ".join((node.get("failureSummary") or "").split())
                    lines.append(f"    {' '.join(map(str, node['target']))}: {why}")
                if len(v["nodes"]) > 5:
                    lines.append(f"    … and {len(v['nodes']) - 5} more")
            raise PageProblems(f"axe on {self.page.url}:\n  " + "\n  ".join(lines))
        self.check()
        return violations

    def translate(self, msgid: str) -> str:
        """A message as CKAN's scripts translate it on this page."""
        return self.page.evaluate("(m) => ckan.i18n._(m)", msgid)


@functools.lru_cache(maxsize=None)
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


class Contexts:
    """The session's browser contexts, reused: a new context costs this
    machine some 2 s of the browser's CPU (a renderer process started, every
    static file fetched and compiled again), a page in a kept one 0.3 s.

    A context handed back is made a stranger's again before anyone else
    gets it: its page leaves the site (``about:blank``), its cookies (the
    login), storage and permissions go; what stays is the HTTP cache of the
    static files, which the first visitor of the session fetched. One kind
    per screen: a phone's (touch, mobile viewport) is set when the context
    is made. A context whose test failed is closed, not reused."""

    #: idle contexts kept per screen; more are closed when handed back
    KEEP = 3

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.idle: dict[bool, list[tuple[Any, Any]]] = {False: [], True: []}
        self.phone: dict[Any, bool] = {}
        #: the cookies of each user logged in once this session
        self.logins: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def visitor(self, lang: str = "", user: Optional[dict[str, Any]] = None,
                phone: bool = False) -> Visitor:
        """A visitor with no cookies, logged in as ``user`` (a dict with
        ``name``, ``id`` and ``password``) if given."""
        if self.idle[phone]:
            context, page = self.idle[phone].pop()
        else:
            context = _new_context(self.browser, self.server, phone=phone)
            page = None
        visitor = Visitor(context, self.server, lang, page=page)
        self.phone[context] = phone
        if user:
            try:
                self._log_in(visitor, user)
            except Exception:
                visitor.screenshot(f"login-{user['name']}")
                self.hand_back(visitor, failed=True)
                raise
        return visitor

    def _log_in(self, visitor: Visitor, user: dict[str, Any]) -> None:
        """Through the login form, once per session and user (in the
        visitor's own context and language); then with its cookies."""
        key = (user["name"], user["id"])
        if key in self.logins:
            visitor.context.add_cookies(self.logins[key])
            return
        visitor.go("/user/login")
        visitor.page.fill("#field-login", user["name"])
        visitor.page.fill("#field-password", user["password"])
        with visitor.navigation():
            visitor.page.click("form:has(#field-login) button[type=submit]")
        assert "/user/login" not in visitor.page.url, f"{user['name']} could not log in"
        self.logins[key] = visitor.context.cookies()

    def hand_back(self, visitor: Visitor, failed: bool = False) -> None:
        context, page = visitor.context, visitor.page
        phone = self.phone.pop(context)
        visitor.detach()
        if failed or page.is_closed() or len(context.pages) != 1 \
                or len(self.idle[phone]) >= self.KEEP:
            context.close()
            return
        try:
            if page.url.startswith(self.server.url):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.goto("about:blank")
            context.clear_cookies()
            context.clear_permissions()
        except Exception:  # a context that cannot be cleaned is not reused
            context.close()
            return
        self.idle[phone].append((context, page))

    def close(self) -> None:
        for kept in self.idle.values():
            for context, _page in kept:
                context.close()
            kept.clear()


@pytest.fixture(scope="session")
def contexts(browser, live_server) -> Iterator[Contexts]:
    pool = Contexts(browser, live_server)
    yield pool
    pool.close()


@pytest.fixture()
def open_visitor(contexts, request) -> Iterator[Callable[..., Visitor]]:
    """``open_visitor(lang="", user=None, phone=False)``: a visitor of its
    own (no cookies; logged in as ``user``: a dict with ``name``, ``id`` and
    ``password``), in a context of the session's (``Contexts``)."""
    visitors: list[Visitor] = []

    def open_(lang: str = "", user: Optional[dict[str, Any]] = None,
              phone: bool = False) -> Visitor:
        visitors.append(contexts.visitor(lang, user, phone))
        return visitors[-1]

    yield open_
    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    for number, visitor in enumerate(visitors):
        if failed:
            visitor.screenshot(f"{request.node.nodeid}-{number}")
        contexts.hand_back(visitor, failed=failed)


@pytest.fixture()
def visitor(open_visitor) -> Visitor:
    """An anonymous visitor in Chinese on a desktop screen."""
    return open_visitor()


def _new_context(browser: Any, live_server: LiveServer, phone: bool = False) -> Any:
    options: dict[str, Any] = {"viewport": PHONE if phone else DESKTOP, "locale": "zh-CN"}
    if phone:
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = browser.new_context(**options)
    context.add_init_script(WATCH_POLICY)
    return context


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """``rep_call`` on the test item: the fixtures' teardown knows whether
    the test failed (for the screenshot)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
