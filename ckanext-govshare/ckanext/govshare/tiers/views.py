"""Pages of the tiers, and the guard on every resource download route.

* ``/dataset/<id>/apply`` (``govshare.apply``): where a conditional dataset is
  applied for; resource URLs hidden from a caller point here. The page is
  served by the applications capability (``govshare_applications.apply``);
  this endpoint only builds its URL.
* The download guard: :func:`make_middleware` wraps every Flask endpoint whose
  name ends in ``resource.download`` (CKAN's ``resource``, ``dataset_resource``
  and one per dataset type). Without access a conditional resource answers 403
  with a page that explains the tier and links to the application, a closed
  (or private) one 404. With access, an uploaded file is streamed from disk
  (constant memory, ``Range`` requests answered with 206) as an attachment;
  a link resource redirects to its URL.
* API clients (:func:`api_client`: a token in the header, or JSON preferred
  to HTML) get those refusals in the Action API's error shape
  (:func:`api_error`), the 403 with the application page's URL; browsers get
  the pages. The application page itself, which a conditional resource's
  ``url`` points at for callers without its data, answers them 403
  (:func:`apply_page_status`).
"""
from __future__ import annotations

import functools
import json
import logging
import mimetypes
import os
import re
from typing import Any, Callable, Optional
from urllib.parse import quote, urlparse

import flask
from flask import Blueprint

import ckan.lib.signals as signals
import ckan.lib.uploader as uploader
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.links import schemes as links
from ckanext.govshare.tiers import policy
from ckanext.govshare import views_common

log = logging.getLogger(__name__)

govshare = Blueprint("govshare", __name__)

GUARDED_SUFFIX = "resource.download"


# served by ckanext.govshare.applications.views (govshare_applications.apply)
govshare.add_url_rule("/dataset/<id>/apply", endpoint="apply", build_only=True)


def get_blueprints() -> list[Blueprint]:
    return [govshare]


# --------------------------------------------------------------------- downloads
def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = filename.encode("ascii", "ignore").decode() or "download"
    fallback = re.sub(r'["\\\r\n]', "_", fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _safe_filename(name: Optional[str]) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    return re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip() or ""


def api_client(*, token: bool = True) -> bool:
    """Is the request from an API client rather than a browser: JSON
    preferred to HTML in ``Accept``, or (``token``) an API token in the
    header CKAN reads it from (browsers send cookies, never a token)?"""
    request = flask.request
    if token and (request.headers.get(tk.config.get("apitoken_header_name"))
                  or request.headers.get("Authorization")):
        return True
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json" \
        and accept["application/json"] > accept["text/html"]


def api_error(status: int, error_type: str, message: str, **extra: Any) -> flask.Response:
    """An error in the Action API's shape (``success``, ``error.__type``,
    ``error.message``), ``extra`` fields in ``error``; ``help`` leads to the
    API centre, where the shape is explained."""
    body = {"help": tk.h.url_for("govshare_api_centre.index", _external=True),
            "success": False,
            "error": {"__type": error_type, "message": message, **extra}}
    return flask.Response(json.dumps(body, ensure_ascii=False), status=status,
                          content_type="application/json;charset=utf-8")


def restricted_message(pkg_dict: dict[str, Any], resource: Optional[dict[str, Any]]) -> str:
    """Why a resource the caller sees but may not have (or, without one, the
    dataset's data) is refused, and what to do: apply (conditional), or
    request sharing (closed, shared on conditions with agencies)."""
    dataset = tk.h.dataset_display_name(pkg_dict)
    if policy.tier_of(pkg_dict) == policy.CLOSED:
        return tk._('The data of the dataset "%(dataset)s" is shared on conditions: your '
                    'organization obtains it once its sharing request has been '
                    'approved.') % {"dataset": dataset}
    if not resource:
        return tk._('The data of the dataset "%(dataset)s" can be obtained only after an '
                    'application has been approved.') % {"dataset": dataset}
    return tk._('The resource "%(resource)s" of the dataset "%(dataset)s" can be downloaded '
                'only after an application has been approved.') % {
        "resource": tk.h.resource_display_name(resource), "dataset": dataset}


def restricted_page(pkg_dict: dict[str, Any], resource: dict[str, Any]) -> Any:
    """The 403 of a resource the caller sees but may not have: a page that
    explains the tier and links to the application (or sharing request), or
    the same in JSON to an API client."""
    facts = policy.PackageFacts.from_dict(pkg_dict, published=True)
    url = policy.request_url(facts)
    message = restricted_message(pkg_dict, resource)
    if api_client():
        return api_error(403, "Authorization Error", message, apply_url=url)
    return tk.render("govshare/tiers/restricted.html", {
        "pkg_dict": pkg_dict,
        "resource": resource,
        "apply_url": url,
        "message": message,
        "tier": facts.tier,
    }), 403


def not_found(message: str) -> Any:
    """A 404 page, or CKAN's "Not Found Error" to an API client."""
    if api_client():
        return api_error(404, "Not Found Error", message)
    return tk.abort(404, message)


def apply_page_status(pkg_dict: dict[str, Any]) -> int:
    """The status of the application (or sharing request) page of a visible
    dataset: 403 to a caller who does not have its data (the page stands in
    for the data in its resources' ``url``: a client that follows it learns
    it was refused), 200 otherwise."""
    if policy.tier_of(pkg_dict) == policy.UNCONDITIONAL:
        return 200
    pkg = model.Package.get(pkg_dict["id"])
    return 200 if pkg is not None and policy.has_access(tk.current_user, pkg) else 403


def _stream(rsc: dict[str, Any], filename: Optional[str]) -> Optional[flask.Response]:
    """Send an uploaded file from disk, or None when another uploader owns it."""
    upload = uploader.get_resource_uploader(dict(rsc))
    if type(upload) is not uploader.ResourceUpload:
        return None
    path = upload.get_path(rsc["id"])
    if not os.path.isfile(path):
        return not_found(tk._("Resource data not found"))
    name = _safe_filename(filename) or _safe_filename(
        urlparse(rsc.get("url") or "").path) or rsc["id"]
    mimetype = rsc.get("mimetype") or mimetypes.guess_type(name)[0] or \
        "application/octet-stream"
    accel = accel_redirect_uri(upload.storage_path, path)
    if accel:
        # nginx streams the bytes (ranges, sendfile); the checks were ours
        response = flask.Response(status=200, mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = accel
    else:
        response = flask.send_file(path, mimetype=mimetype, conditional=True, etag=True,
                                   max_age=0)
        response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = content_disposition(name)
    signals.resource_download.send(rsc["id"])
    return response


def accel_redirect_uri(storage_dir: Optional[str], path: str) -> Optional[str]:
    """The internal nginx URI of an uploaded file (``X-Accel-Redirect``),
    when ``ckanext.govshare.downloads.accel_redirect`` names the location
    that serves the uploads' directory; None otherwise."""
    prefix = (tk.config.get(options.DOWNLOADS_ACCEL_REDIRECT) or "").strip()
    if not prefix or not storage_dir:
        return None
    relative = os.path.relpath(path, storage_dir)
    if relative.startswith(".."):
        return None
    return "/" + prefix.strip("/") + "/" + quote(relative.replace(os.sep, "/"))


#: ``fn(user, resource, response) -> response``, called on every download the
#: policy lets through (see :func:`register_download_hook`)
DownloadHook = Callable[[Optional[model.User], model.Resource, flask.Response],
                        flask.Response]
_download_hooks: list[DownloadHook] = []


def register_download_hook(fn: DownloadHook) -> DownloadHook:
    """Register ``fn(user, resource, response) -> response``, called for every
    download served (an upload streamed or a link redirected), e.g. to record
    a receipt or add headers. A hook that raises is logged and skipped: the
    download is served all the same."""
    if fn not in _download_hooks:
        _download_hooks.append(fn)
    return fn


def _after_download(user: Optional[model.User], resource: model.Resource,
                    response: Any) -> Any:
    if not _download_hooks:
        return response
    response = flask.make_response(response)
    if response.status_code >= 400:
        return response
    for hook in _download_hooks:
        try:
            response = hook(user, resource, response)
        except Exception:
            log.exception("Download hook %r failed", hook)
    return response


def _redirectable(url: Any) -> bool:
    """A link CKAN's download view may redirect to: of an allowed scheme, and
    absolute or a path, as ``h.redirect_to`` needs (it answered 500 for
    ``javascript:``, ``data:`` or a bare name)."""
    return links.is_safe_url(url) and (tk.h.is_url(url) or url.startswith("/"))


def guard_download(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a CKAN ``resource.download`` view with the tier policy."""

    @functools.wraps(view)
    def guarded(package_type: str, id: str, resource_id: str,
                filename: Optional[str] = None, **kwargs: Any) -> Any:
        if not p.plugin_loaded("govshare"):  # unloaded (tests, benchmarks): CKAN's own view
            return view(package_type=package_type, id=id, resource_id=resource_id,
                        filename=filename, **kwargs)
        resource = model.Resource.get(resource_id)
        pkg = resource.package if resource is not None else None
        if resource is None or pkg is None or resource.state != "active" or \
                id not in (pkg.id, pkg.name):
            return not_found(tk._("Resource not found"))
        caller = policy.Caller.for_user(tk.current_user)
        facts = policy.PackageFacts.from_model(pkg)
        if not policy.can_see(caller, facts):
            return not_found(tk._("Resource not found"))
        context = views_common.context()
        if not policy.may_access(caller, facts, resource.id, visible=True):
            pkg_dict = tk.get_action("package_show")(context, {"id": pkg.id})
            shown: dict[str, Any] = next(
                (r for r in pkg_dict["resources"] if r["id"] == resource.id), {})
            return restricted_page(pkg_dict, shown)
        try:
            rsc = tk.get_action("resource_show")(context, {"id": resource.id})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            return not_found(tk._("Resource not found"))
        response = _stream(rsc, filename) if rsc.get("url_type") == "upload" else None
        if response is None:
            if rsc.get("url_type") != "upload" and not _redirectable(rsc.get("url")):
                return not_found(tk._("This resource has no address it can be downloaded from"))
            response = view(package_type=package_type, id=id, resource_id=resource_id,
                            filename=filename, **kwargs)
        return _after_download(caller.user, resource, response)

    guarded.govshare_guarded = True  # type: ignore[attr-defined]
    return guarded


def make_middleware(app: Any, config: Any) -> Any:
    """Guard every download endpoint of the Flask app (IMiddleware)."""
    view_functions = getattr(app, "view_functions", None)
    if view_functions is None:
        log.error("GovShare cannot guard resource downloads: %r is not the Flask app", app)
        return app
    for endpoint, view in list(view_functions.items()):
        if endpoint.endswith(GUARDED_SUFFIX) and not getattr(view, "govshare_guarded", False):
            view_functions[endpoint] = guard_download(view)
    return app
