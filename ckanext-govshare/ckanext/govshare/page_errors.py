"""Pages that CKAN answers with a 500 because a view lets a logic error out.

Some of CKAN's views call an action or an auth function without catching
what it raises for an unknown id or a missing parameter: the "new resource"
and "resource views" pages of a dataset that does not exist, a group's
delete page, ``/dataset/changes_multiple`` without activities, an unknown
``/api/util/snippet/...``. ``tests/tiers/test_every_surface.py`` finds them
by requesting every GET route. Each such error is the caller's, never the
server's: it gets CKAN's own error page with the matching status (not found,
not authorized, bad request), the page CKAN's views show when they do catch
it.
"""
from __future__ import annotations

from typing import Any

from jinja2 import TemplateNotFound
from werkzeug import exceptions

import ckan.plugins.toolkit as tk

#: what a logic error uncaught by a view is, as an HTTP error
HTTP_ERRORS: dict[type[Exception], type[exceptions.HTTPException]] = {
    tk.ObjectNotFound: exceptions.NotFound,
    TemplateNotFound: exceptions.NotFound,
    tk.NotAuthorized: exceptions.Forbidden,
    tk.ValidationError: exceptions.BadRequest,
}


def install(app: Any) -> Any:
    """Register the handlers on the Flask app (IMiddleware)."""
    if hasattr(app, "register_error_handler"):
        for error in HTTP_ERRORS:
            app.register_error_handler(error, _handler(app))
    return app


def _handler(app: Any) -> Any:
    def handle(error: Exception) -> Any:
        http_error = next(http for logic_error, http in HTTP_ERRORS.items()
                          if isinstance(error, logic_error))
        # CKAN's own handler of that status renders its error page; a
        # validation error says which field breaks which rule
        description = None
        if isinstance(error, tk.ValidationError):
            description = "; ".join(dict.fromkeys(_messages(error.error_dict))) or None
        return app.handle_http_exception(http_error(description))
    return handle


def _messages(errors: Any) -> list[str]:
    """Every message of a (nested: resources, repeating fields) error dict."""
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, dict):
        return [m for key, value in errors.items() if key != "__type"
                for m in _messages(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in _messages(value)]
    return []
