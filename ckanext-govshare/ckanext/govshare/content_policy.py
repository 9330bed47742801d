"""The Content-Security-Policy of every response, defined once.

The app sends :func:`policy` with a fresh nonce per response (added by
``request_guard``); nginx (``docker/nginx/default.conf``) sends the same
policy without a nonce on the responses it makes itself, and
``tests/test_security_headers.py`` checks that the two agree.

* Scripts: the portal's own (CKAN's webassets, served from this origin) and
  inline ``<script>`` elements carrying the response's nonce
  (``nonce="{{ h.govshare_csp_nonce() }}"``). No ``'unsafe-inline'``, no
  ``'unsafe-eval'``, no inline event handlers: the one CKAN template that had
  them (the resource form's upload field) is overridden.
* Styles: the portal's stylesheets, nonce'd ``<style>`` elements and the
  one of ckanext-scheming's checkbox fields (by its hash); style
  *attributes* need ``'unsafe-inline'`` (``style-src-attr``): CKAN's,
  ckanext-scheming's and GovShare's templates write ``style="…"`` and the
  jQuery plugins CKAN ships (select2, the upload field) create elements
  with them. Attributes cannot run script nor load anything the other
  directives refuse.
* Images: this origin, ``data:`` (Bootstrap's icons in CSS) and any web
  address: agencies' logos and linked images are on other sites.
* Nothing else from other origins: fetches, frames, fonts, form targets and
  ``<base>`` stay on this origin; plugins (``<object>``) are refused; only
  this origin may frame the portal.
"""
from __future__ import annotations

import secrets
from typing import Any, Callable, Optional

import flask

#: where a directive takes the response's nonce
NONCE = "'nonce-{nonce}'"

#: the one inline <style> of a template we do not own: ckanext-scheming's
#: ``form_snippets/multiple_checkbox.html`` (the dataset form's checkbox
#: fields); the page tests fail if its text changes
SCHEMING_CHECKBOX_STYLE = "'sha256-wYeyfiBx7bpViux6VdzKdiiNNdV1tllfhriOjdwaE40='"

#: directive -> sources, in the order sent
DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", NONCE),
    "style-src": ("'self'", NONCE, SCHEMING_CHECKBOX_STYLE),
    "style-src-attr": ("'unsafe-inline'",),
    "img-src": ("'self'", "data:", "http:", "https:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "frame-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'self'",),
}

NONCE_G_KEY = "govshare_csp_nonce"


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_csp_nonce": govshare_csp_nonce}


def policy(nonce: Optional[str] = None) -> str:
    """The policy's header value; without ``nonce``, no inline element runs."""
    return "; ".join(
        " ".join([directive, *(NONCE.format(nonce=nonce) if source == NONCE else source
                               for source in sources if source != NONCE or nonce)])
        for directive, sources in DIRECTIVES.items())


def govshare_csp_nonce() -> str:
    """This response's nonce, for an inline ``<script>`` or ``<style>``
    (made on first use; the response's policy then allows it)."""
    nonce = flask.g.get(NONCE_G_KEY)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(flask.g, NONCE_G_KEY, nonce)
    return nonce


def response_policy() -> str:
    """The policy of the current response: with its nonce if a template used one."""
    return policy(flask.g.get(NONCE_G_KEY) if flask.has_app_context() else None)
