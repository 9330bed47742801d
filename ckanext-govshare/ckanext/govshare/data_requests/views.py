"""Pages of the data requests (需求征集), at ``/datarequest``: the public list
(by support or newest), the form, one request with its support button and,
for the agency, the answer form (which may open a closed dataset to the
requester as an interested party) and the revocation of that access. Thin
wrappers around the actions."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page

from ckanext.govshare import views_common
from ckanext.govshare.applications import deadline
from ckanext.govshare.applications import views as application_views
from ckanext.govshare.data_requests import outcomes
from ckanext.govshare.jurisdiction import profile

data_requests = Blueprint("govshare_data_requests", __name__, url_prefix="/datarequest")

PER_PAGE = 20


def field_labels() -> dict[str, str]:
    return {"title": tk._("Data wanted"), "description": tk._("Description"),
            "purpose": tk._("Purpose"), "organization": tk._("Agency"),
            "outcome": tk._("Answer"), "reason": tk._("Explanation"),
            "basis": tk._("Basis"), "package_id": tk._("Dataset"),
            "open_by": tk._("Open by"), "id": tk._("Data request"),
            "state": tk._("Status"), "interested_party": tk._("Interested party"),
            "valid_until": tk._("Access until")}


def _errors(error: tk.ValidationError) -> tuple[dict[str, list[str]], dict[str, str]]:
    errors = {field: application_views._messages(messages)
              for field, messages in (error.error_dict or {}).items()}
    labels = field_labels()
    return errors, {labels.get(k, k): "; ".join(v) for k, v in errors.items()}


def _organizations() -> list[dict[str, str]]:
    rows = (model.Session.query(model.Group.name, model.Group.title)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
            .order_by(model.Group.title, model.Group.name).all())
    return [{"value": r.name, "text": r.title or r.name} for r in rows]


def index() -> Any:
    """The public list, by support or newest, optionally by state."""
    sort = tk.request.args.get("sort") if tk.request.args.get("sort") in (
        "support", "newest") else "support"
    state = tk.request.args.get("state") if tk.request.args.get("state") in (
        "submitted", "answered") else ""
    page = application_views._page_number()
    data_dict: dict[str, Any] = {"sort": sort, "limit": PER_PAGE,
                                 "offset": (page - 1) * PER_PAGE}
    if state:
        data_dict["state"] = state
    found = tk.get_action("govshare_data_request_list")(views_common.context(), data_dict)
    pager = Page(collection=found["results"], page=page, item_count=found["count"],
                      items_per_page=PER_PAGE, presliced_list=True,
                      url=lambda page=1, **kw: tk.h.url_for(
                          "govshare_data_requests.index", page=page, sort=sort,
                          state=state or None))
    return tk.render("govshare/data_requests/index.html", {
        "requests": found["results"], "count": found["count"], "sort": sort,
        "state": state, "page": pager})


def new() -> Any:
    """GET: the form; POST: ask."""
    if not tk.current_user.is_authenticated:
        return views_common.to_login(tk.h.url_for("govshare_data_requests.new"),
                                           tk._("Log in to ask for data"))
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    summary: dict[str, str] = {}
    if tk.request.method == "POST":
        views_common.check_csrf()
        data = {k: tk.request.form.get(k, "")
                for k in ("title", "description", "purpose", "organization")}
        try:
            created = tk.get_action("govshare_data_request_create")(
                views_common.context(), {k: v for k, v in data.items() if v})
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e))
        except tk.ValidationError as e:
            errors, summary = _errors(e)
        else:
            tk.h.flash_success(tk._(
                "Your request has been published. It is answered by {due_date}.").format(
                    due_date=created["due_date"]))
            return tk.redirect_to("govshare_data_requests.read", id=created["id"])
    return tk.render("govshare/data_requests/new.html", {
        "data": data, "errors": errors, "error_summary": summary,
        "organizations": _organizations(),
        "answer_days": deadline.answer_working_days(profile.DATA_REQUEST)})


def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("govshare_data_request_show")(views_common.context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data request not found"))


def _render(request: dict[str, Any], **extra: Any) -> Any:
    return tk.render("govshare/data_requests/read.html", {
        "request_dict": request,
        "outcomes": [{"value": o, "text": outcomes.label(o)} for o in outcomes.OUTCOMES],
        "data": {}, "errors": {}, "error_summary": {}, **extra})


def read(id: str) -> Any:
    return _render(_show(id))


def support(id: str) -> Any:
    """POST: support the request (once)."""
    if not tk.current_user.is_authenticated:
        return views_common.to_login(tk.h.url_for("govshare_data_requests.read", id=id))
    views_common.check_csrf()
    try:
        tk.get_action("govshare_data_request_support")(views_common.context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data request not found"))
    except tk.ValidationError as e:
        tk.h.flash_error("; ".join(_errors(e)[1].values()))
    else:
        tk.h.flash_success(tk._("Thank you for your support."))
    return tk.redirect_to("govshare_data_requests.read", id=id)


def answer(id: str) -> Any:
    """POST: the agency's answer."""
    if not tk.current_user.is_authenticated:
        return views_common.to_login(tk.h.url_for("govshare_data_requests.read", id=id))
    views_common.check_csrf()
    data = {k: tk.request.form.get(k, "")
            for k in ("outcome", "reason", "basis", "package_id", "open_by",
                      "interested_party", "valid_until")}
    try:
        tk.get_action("govshare_data_request_answer")(
            views_common.context(), {**{k: v for k, v in data.items() if v}, "id": id})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data request not found"))
    except tk.ValidationError as e:
        errors, summary = _errors(e)
        return _render(_show(id), data=data, errors=errors, error_summary=summary)
    tk.h.flash_success(tk._("The request was answered."))
    return tk.redirect_to("govshare_data_requests.read", id=id)


def revoke(id: str) -> Any:
    """POST: an admin of the agency ends the requester's access as an
    interested party (``govshare_grant_revoke``)."""
    if not tk.current_user.is_authenticated:
        return views_common.to_login(tk.h.url_for("govshare_data_requests.read", id=id))
    views_common.check_csrf()
    grant = (_show(id).get("grant") or {})
    try:
        tk.get_action("govshare_grant_revoke")(views_common.context(), {
            "id": grant.get("id") or "", "reason": tk.request.form.get("reason", "")})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Grant not found"))
    except tk.ValidationError as e:
        tk.h.flash_error("; ".join(_errors(e)[1].values()))
    else:
        tk.h.flash_success(tk._("The requester's access has been revoked."))
    return tk.redirect_to("govshare_data_requests.read", id=id)


data_requests.add_url_rule("", view_func=index, endpoint="index")
data_requests.add_url_rule("/new", view_func=new, methods=["GET", "POST"], endpoint="new")
data_requests.add_url_rule("/<id>", view_func=read, endpoint="read")
data_requests.add_url_rule("/<id>/support", view_func=support, methods=["POST"],
                           endpoint="support")
data_requests.add_url_rule("/<id>/answer", view_func=answer, methods=["POST"],
                           endpoint="answer")
data_requests.add_url_rule("/<id>/revoke", view_func=revoke, methods=["POST"],
                           endpoint="revoke")


def get_blueprints() -> list[Blueprint]:
    return [data_requests]
