"""What every request and response of the portal gets, on the Flask app
(installed by the plugin's IMiddleware, so every route and action, core and
GovShare's, is behind it):

* API requests CKAN would answer with a 500 are refused with CKAN's error
  shape: text PostgreSQL cannot store (NUL, lone surrogates) in any
  parameter or JSON value, JSON nested deeper than :data:`MAX_DEPTH`,
  and parameters CKAN core reads without validating them given in another
  shape (:func:`misshapen`: ids that are not text, yes/no that is not a
  boolean, counts that are not whole numbers in range);
* CKAN's answers to API requests it cannot read (a body that is not a
  JSON object, GET for an action that changes data, an unknown action),
  a bare JSON string, get the error shape of every other API error;
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
from ckan.common import asbool

from ckanext.govshare import content_policy
from ckanext.govshare.applications.logic.validators import offset

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
        app.after_request(shape_bad_request)
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


def shape_bad_request(response: flask.Response) -> flask.Response:
    """``{"success": false, "error": {"__type": "Bad request", "message":
    …}}`` instead of CKAN's bare ``"Bad request - …"`` string, so that a
    client reads every API error the same way."""
    if response.status_code != 400 or response.mimetype != "application/json" \
            or not flask.request.path.startswith("/api/") or response.is_streamed:
        return response
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return response
    if isinstance(body, str):
        response.set_data(json.dumps({"help": flask.request.url, "success": False, "error": {
            "__type": "Bad request", "message": body}}))
    return response


def check_request() -> Optional[flask.Response]:
    request = flask.request
    if not request.path.startswith("/api/"):
        return None
    for key, value in [*request.args.items(multi=True), *request.form.items(multi=True)]:
        if not storable(key) or not storable(value):
            return _refused(409, key)
    if request.mimetype != "application/json":
        # as CKAN reads them: a repeated parameter is a list
        params = {k: v[0] if len(v) == 1 else v for source in (request.args, request.form)
                  for k, v in source.to_dict(flat=False).items()}
        return _misshapen_refused(params)
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
    return _misshapen_refused(body) if isinstance(body, dict) else None


#: parameters CKAN core's actions read with ``asbool`` (which fails on text
#: that is not yes/no), besides every ``include_*``
BOOLEAN_PARAMETERS = ("all_fields", "use_default_schema")
#: parameters CKAN core's schemas read with ``boolean_validator`` (which
#: fails on anything but text or a boolean)
FLAG_PARAMETERS = ("private", "sysadmin", "activity_streams_email_notifications")
#: parameters CKAN core's actions read with ``int`` (which fails on
#: anything but a number) and hand to SQL as they are; ``rows`` and
#: ``start`` are validated by package_search's schema and the search layer
COUNT_PARAMETERS = ("limit", "offset", "page")


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _texts(value: Any) -> bool:
    return _text(value) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _object(value: Any) -> bool:
    # CKAN reads ``data_dict.get(key, {})``: null is not an object either
    return isinstance(value, dict)


#: parameters of single core actions that they read as they come
ACTION_PARAMETERS: dict[str, dict[str, Any]] = {
    "tag_list": {"q": _text, "query": _text},
    "tag_search": {"q": _texts, "query": _texts, "fields": _object},
    "tag_autocomplete": {"q": _texts, "query": _texts, "fields": _object},
}


def misshapen(action: str, key: str, value: Any) -> Optional[str]:
    """What is wrong with a top-level parameter of ``action`` that CKAN
    core would use without validating it, or None. An id (``id``,
    ``*_id``, and ``name``, which package_update takes for one) goes to
    ``Model.get`` and SQL as it is, a ``type`` to a dictionary lookup of
    plugins; ``include_*`` and
    :data:`BOOLEAN_PARAMETERS` to ``asbool``, :data:`FLAG_PARAMETERS` to
    ``boolean_validator``;
    :data:`COUNT_PARAMETERS` to ``int`` and ``LIMIT``/``OFFSET``; and
    :data:`ACTION_PARAMETERS` as they are. A null is left to the action
    ("Missing value" or a default) unless an object is needed."""
    check = ACTION_PARAMETERS.get(action, {}).get(key)
    if check is not None and not check(value):
        if check is _object:
            return tk._("Give an object")
        return tk._("Give text") if check is _text else tk._("Give text or a list of texts")
    if check is not None or value is None:
        return None
    if key in ("id", "owner_org") or key.endswith("_id"):
        # (owner_org: package_create looks the organization up with it)
        return None if isinstance(value, str) else tk._("Give the id as text")
    if key in ("name", "type"):
        return None if isinstance(value, str) else tk._("Give text")
    if key in FLAG_PARAMETERS:
        return None if isinstance(value, (bool, str)) else tk._("Give true or false")
    if key.startswith("include_") or key in BOOLEAN_PARAMETERS:
        try:
            if not isinstance(value, (bool, str)):
                raise ValueError(value)
            asbool(value)
        except ValueError:
            return tk._("Give true or false")
        return None
    if key in COUNT_PARAMETERS:
        try:
            offset(value)
        except tk.Invalid as error:
            return str(error.error)
    return None


def _misshapen_refused(params: dict[str, Any]) -> Optional[flask.Response]:
    action = str((flask.request.view_args or {}).get("logic_function") or "")
    for key, value in params.items():
        message = misshapen(action, str(key), value)
        if message:
            return _refused(409, str(key), message)
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


def _refused(status: int, field: Optional[str],
             message: Optional[str] = None) -> flask.Response:
    if field is None:
        error = {"__type": "Bad request", "message": tk._(
            "The request is nested more than {depth} levels deep").format(depth=MAX_DEPTH)}
    else:
        name = field if storable(field) else "?"
        error = {"__type": "Validation Error", name: [message or tk._(
            "Text with a NUL character or a lone surrogate cannot be stored")]}
    response = flask.jsonify({"help": flask.request.url, "success": False, "error": error})
    response.status_code = status
    return response
