"""Whole public pages kept in Redis for anonymous visitors.

A public portal's visitors ask for the same few pages: the home page, the
catalog and its searches, the popular datasets, the API's search. Each
costs some 30 ms of CPU to render, the same for every anonymous visitor.
With ``ckanext.govshare.page_cache.ttl`` set (production), a page asked
for twice is kept, and the next visitors get it without the view running.

What is kept, and for whom:

* GET requests of anonymous visitors only: no logged-in user, no API
  token, no flash message waiting in the session. Everyone else, and every
  other method, goes to the view as before.
* Only the views in :data:`CACHEABLE_VIEWS` (identified by their function,
  so every dataset type's blueprint counts) and the read actions in
  :data:`CACHEABLE_ACTIONS` of the API; only 200 answers in HTML or JSON,
  and only a page asked for twice within the TTL (a search nobody repeats
  is not kept).
* The key: the write version (:mod:`.writes`), the deployment
  (:func:`deployment`: versions, GovShare's files, the ini), the language
  and the full URL. A request with a body is not kept nor served (CKAN's API reads a
  GET's JSON body when its URL has no query string). Any write (to the
  database or the search index) makes every kept page unreachable, so a
  dataset closed, withdrawn or moved disappears from the kept pages as it
  does from the views; the TTL bounds what no write records: the time of
  day (due dates, "today"), and the download counts.
* The secrets of a response (:data:`RESPONSE_SECRETS`: its CSRF token and
  its Content-Security-Policy nonce) are kept as placeholders and made
  anew for each visitor, so no two visitors share one.

A Redis outage costs speed, never answers: the view runs.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import zlib
from pathlib import Path
from typing import Any, Callable, Optional

import flask

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis
from ckan.views import api, dataset, group, home, resource

from ckanext.govshare import content_policy
from ckanext.govshare.api_centre import views as api_centre_views
from ckanext.govshare import options
from ckanext.govshare.page_cache import writes
from ckanext.govshare.portal import views as portal_views

log = logging.getLogger(__name__)

PREFIX = "govshare:pages:"
#: the response header that says a page came from the cache
HEADER = "X-GovShare-Page-Cache"
#: (module, function) of the views whose anonymous pages are kept (the
#: function, not the endpoint: every dataset type's blueprint has its own)
CACHEABLE_VIEWS = frozenset((view.__module__, view.__name__) for view in (
    home.index, portal_views.index, portal_views.help, api_centre_views.index,
    dataset.search, dataset.read, resource.read, group.index, group.read, api.action))
#: the API's actions whose anonymous answers are kept (the API view serves
#: every action; only these read and answer the same to every visitor)
CACHEABLE_ACTIONS = frozenset({
    "package_search", "package_show", "resource_show", "package_list",
    "organization_list", "organization_show", "group_list", "group_show",
})
CACHEABLE_TYPES = ("text/html", "application/json")
#: what CKAN's rendering leaves in the WSGI environ for its Cache-Control
#: header (``ckan.lib.base._allow_caching``): a kept page is sent with the
#: header its view's response had
RENDERING_FLAGS = ("__no_cache__", "__limit_cache_by_cookie__")
#: what a page is seen twice within before it is kept
_SEEN = ":seen"
_G_KEY = "govshare_page_cache_key"


def _csrf_token() -> Optional[str]:
    return flask.g.get(flask.current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _new_csrf_token() -> str:
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


#: name -> (this response's value if it made one, a new one for the visitor)
RESPONSE_SECRETS: dict[str, tuple[Callable[[], Optional[str]], Callable[[], str]]] = {
    "csrf": (_csrf_token, _new_csrf_token),
    "nonce": (lambda: flask.g.get(content_policy.NONCE_G_KEY),
              content_policy.govshare_csp_nonce),
}


def _placeholder(name: str) -> bytes:
    return f"\x00govshare-page-cache:{name}\x00".encode()


def _ttl() -> int:
    return int(tk.config.get(options.PAGE_CACHE_TTL) or 0)


def _cacheable_view() -> bool:
    request = flask.request
    view = flask.current_app.view_functions.get(request.endpoint or "")
    if (getattr(view, "__module__", None), getattr(view, "__name__", None)) not in CACHEABLE_VIEWS:
        return False
    if view is api.action:
        return (request.view_args or {}).get("logic_function") in CACHEABLE_ACTIONS
    return True


def _anonymous() -> bool:
    request = flask.request
    if request.headers.get("Authorization") or request.headers.get(
            tk.config.get("apitoken_header_name")):
        return False
    user = tk.current_user
    return bool(getattr(user, "is_anonymous", True)) and "_flashes" not in flask.session


@functools.lru_cache(maxsize=None)
def deployment() -> str:
    """What this process renders with: CKAN's and the extensions' versions,
    GovShare's files (code, templates, translations) and the ini. Part of
    every key, so that a new version's web processes never serve a page the
    old one rendered (while a deployment overlaps the two), and the old
    ones not the new."""
    digest = hashlib.sha1()
    for dist in sorted(importlib.metadata.distributions(),
                       key=lambda d: d.metadata["Name"] or ""):
        name = dist.metadata["Name"] or ""
        if name.lower() == "ckan" or name.lower().startswith("ckanext"):
            digest.update(f"{name}={dist.version}\n".encode())
    package = Path(__file__).resolve().parents[1]
    newest = max((path.stat().st_mtime_ns for path in package.rglob("*")
                  if path.suffix in (".py", ".html", ".mo", ".yaml", ".js", ".css")),
                 default=0)
    digest.update(f"{newest}\n".encode())
    ini = tk.config.get("__file__")
    if ini and Path(ini).is_file():
        digest.update(Path(ini).read_bytes())
    return digest.hexdigest()[:12]


def _key(version: bytes) -> str:
    request = flask.request
    # not the Accept header: ckanext-dcat's content negotiation, when it is
    # on, answers RDF from views of its own, which are not kept
    where = f"{request.environ.get('CKAN_LANG', '')}\n{request.url}"
    return (PREFIX + version.decode() + ":" + deployment() + ":"
            + hashlib.sha1(where.encode()).hexdigest())


def _cacheable_request() -> bool:
    request = flask.request
    return (request.method == "GET" and not request.content_length
            and "Transfer-Encoding" not in request.headers)


def serve() -> Optional[flask.Response]:
    """The kept page, if there is one for this request (``before_request``)."""
    if not _ttl() or not _cacheable_request() or not _cacheable_view() or not _anonymous():
        return None
    try:
        redis = connect_to_redis()
        version = writes.current(redis)
        if version is None:  # none yet, or dropped when Redis refused to move it
            return None
        key = _key(version)
        kept = redis.get(key)
        if kept is None:
            pipe = redis.pipeline()
            pipe.incr(key + _SEEN)
            pipe.expire(key + _SEEN, _ttl())
            if pipe.execute()[0] >= 2:
                setattr(flask.g, _G_KEY, key)
            return None
    except Exception:
        log.warning("Page cache unavailable", exc_info=True)
        return None
    head, _, packed = kept.partition(b"\n")
    content_type, *flags = head.decode().split("\t")
    body = zlib.decompress(packed)
    for name, (_, new) in RESPONSE_SECRETS.items():
        placeholder = _placeholder(name)
        if placeholder in body:
            body = body.replace(placeholder, new().encode())
    for flag in flags:
        flask.request.environ[flag] = True
    response = flask.Response(body, status=200, content_type=content_type)
    response.headers[HEADER] = "hit"
    return response


def keep(response: flask.Response) -> flask.Response:
    """Keep this page for the next anonymous visitors (``after_request``)."""
    key = flask.g.pop(_G_KEY, None)
    if (key is None or response.status_code != 200 or response.direct_passthrough
            or response.is_streamed or response.mimetype not in CACHEABLE_TYPES
            or not _anonymous() or "no-store" in (response.headers.get("Cache-Control") or "")):
        return response
    body = response.get_data()
    for name, (current, _) in RESPONSE_SECRETS.items():
        value = current()
        if value:
            body = body.replace(value.encode(), _placeholder(name))
    head = "\t".join([response.content_type, *(
        flag for flag in RENDERING_FLAGS if flask.request.environ.get(flag))])
    try:
        connect_to_redis().set(key, head.encode() + b"\n" + zlib.compress(body, 1),
                               ex=_ttl())
    except Exception:
        log.warning("Page cache unavailable", exc_info=True)
    return response


def install(app: Any) -> Any:
    """Serve and keep pages on the Flask app (IMiddleware); the write
    version is watched in every process (IConfigurer)."""
    if hasattr(app, "before_request"):
        app.before_request(serve)
        app.after_request(keep)
        writes.start()
        if _ttl():
            deployment()  # read the files once, as the process starts
    return app
