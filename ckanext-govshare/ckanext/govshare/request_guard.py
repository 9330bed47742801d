"""What every request and response of the portal gets, on the Flask app
(installed by the plugin's IMiddleware, so every route and action, core and
GovShare's, is behind it):

* API requests CKAN would answer with a 500 are refused with CKAN's error
  shape: text PostgreSQL cannot store (NUL, lone surrogates) in any
  parameter or JSON value, JSON nested deeper than :data:`MAX_DEPTH`;
* every response carries :data:`SECURITY_HEADERS` (unless set already):
  no MIME sniffing, no framing by other sites, no full URLs in referrers,
  and the Content-Security-Policy of :mod:`ckanext.govshare.content_policy`
  with the response's nonce.
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import flask

import ckan.plugins.toolkit as tk

from ckanext.govshare import content_policy

#: deeper JSON than any action takes (CKAN's own parser fails near 1,000)
MAX_DEPTH = 64
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def install(app: Any) -> Any:
    if hasattr(app, "before_request"):  # the Flask app
        app.before_request(check_request)
        app.after_request(add_security_headers)
    return app


#: Flask's and Flask-Login's options that mark the session and "remember me"
#: cookies ``Secure``
SECURE_COOKIE_OPTIONS = ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")


def secure_cookies(config: Any) -> None:
    """Mark the login cookies ``Secure`` when the site is served over HTTPS
    (IConfigurer, before the Flask app copies the config)."""
    if str(config.get("ckan.site_url") or "").lower().startswith("https://"):
        for option in SECURE_COOKIE_OPTIONS:
            config[option] = True


def add_security_headers(response: flask.Response) -> flask.Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", content_policy.response_policy())
    return response


def check_request() -> Optional[flask.Response]:
    request = flask.request
    if not request.path.startswith("/api/"):
        return None
    for key, value in [*request.args.items(multi=True), *request.form.items(multi=True)]:
        if not storable(key) or not storable(value):
            return _refused(409, key)
    if request.mimetype != "application/json":
        return None
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except RecursionError:
        return _refused(400, None)
    except ValueError:
        return None  # CKAN's own answer to a malformed body
    for path, value in _walk(body):
        if path is None:
            return _refused(400, None)
        if isinstance(value, str) and not storable(value):
            return _refused(409, path)
    return None


def storable(text: str) -> bool:
    """Text PostgreSQL can store: no NUL, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(value: Any) -> Iterator[tuple[Optional[str], Any]]:
    """(top-level key, value) for every key and value in a JSON document;
    (None, …) once when it is nested deeper than :data:`MAX_DEPTH`."""
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        top, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield None, item
            return
        if isinstance(item, dict):
            for key, child in item.items():
                name = top or str(key)
                yield name, key
                stack.append((name, child, depth + 1))
        elif isinstance(item, list):
            stack.extend((top, child, depth + 1) for child in item)
        else:
            yield top, item


def _refused(status: int, field: Optional[str]) -> flask.Response:
    if field is None:
        error = {"__type": "Bad request", "message": tk._(
            "The request is nested more than {depth} levels deep").format(depth=MAX_DEPTH)}
    else:
        name = field if storable(field) else "?"
        error = {"__type": "Validation Error", name: [tk._(
            "Text with a NUL character or a lone surrogate cannot be stored")]}
    response = flask.jsonify({"help": flask.request.url, "success": False, "error": error})
    response.status_code = status
    return response
