"""Pages of the applications: thin wrappers around the actions.

* ``/dataset/<id>/apply`` (``govshare_applications.apply``, GET/POST): the
  application form of a conditional dataset. Anonymous visitors see what the
  tier means and a login link; ``govshare.apply`` (tiers) builds the same URL.
* ``/application/<id>`` (``.read``): one application: state, due date,
  materials, agreement terms and grant, the timeline, and a form for each move
  the viewer may make (``moves`` of the application dict, read from the move
  table in :mod:`.workflow`).
* ``/application/<id>/<move>`` (``.move``, POST): make one move (approve,
  reject, request_supplement, extend, withdraw, supplement, revoke,
  accept_terms: the applicant's 我已阅读并同意 under the agreement's text),
  then back to the application with a flash; errors re-render the page.
* ``/dashboard/applications`` (``.dashboard``): the user's own applications
  and grants.
* ``/organization/<id>/applications`` (``.inbox``): an organization's inbox
  for its reviewers, by due date, filtered by state or overdue.

Who may see what is the actions' business: NotAuthorized is 403,
ObjectNotFound 404, anonymous visitors are sent to the login page. Forms
POST with CKAN's CSRF token, checked here even while
``ckan.csrf_protection.ignore_extensions`` exempts extension blueprints.
"""
from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Callable, Optional

from flask import Blueprint

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page
from ckan.types import Context

from ckanext.govshare import options, workdays
from ckanext.govshare.applications import deadline, dictization, kinds, workflow
from ckanext.govshare.tiers import policy
from ckanext.govshare.tiers import views as tier_views
from ckanext.govshare import views_common

applications = Blueprint("govshare_applications", __name__)

#: rows per page of the inbox and the dashboard
PER_PAGE = 50

MATERIAL_FIELDS = dictization.MATERIAL_FIELDS
#: the terms the decision form has fields for (resources are chosen apart)
TERM_FIELDS = tuple(f for f in dictization.TERM_FIELDS if f != "resource_ids")


def field_labels() -> dict[str, str]:
    """The label of every form field, for the error summary."""
    return {
        "package_id": tk._("Dataset"),
        "purpose": tk._("Purpose"),
        "use_scenario": tk._("Use scenario"),
        "resource_ids": tk._("Resources"),
        "requested_fields": tk._("Fields requested"),
        "requested_term_months": tk._("Term requested (months)"),
        "applicant_type": tk._("Applicant type"),
        "applicant_name": tk._("Name of the applicant"),
        "credit_code": tk._("Unified social credit code"),
        "contact_email": tk._("Contact email"),
        "contact_phone": tk._("Contact phone"),
        "accept_terms": tk._("Terms of use"),
        "accept_security_commitment": tk._("Security commitment"),
        "state": tk._("State"),
        "id": tk._("Application"),
        "decision": tk._("Decision"),
        "terms": tk._("Agreement terms"),
        "scope": tk._("Scope"),
        "terms_resource_ids": tk._("Resources granted"),
        "extent": tk._("Extent"),
        "valid_from": tk._("Valid from"),
        "valid_until": tk._("Valid until"),
        "disposal": tk._("Disposal when the term ends"),
        "derived_data_ownership": tk._("Ownership of derived data"),
        "days": tk._("Working days"),
        "reason": tk._("Reason"),
        "basis": tk._("Basis"),
        "note": tk._("Note"),
        "terms_version": tk._("Agreement terms"),
    }


# ------------------------------------------------------------------ helpers
def _logged_in() -> bool:
    return bool(tk.current_user.is_authenticated)


def _errors(error: tk.ValidationError) -> tuple[dict[str, Any], dict[str, str]]:
    """A ValidationError as field errors and a summary labelled in the page's
    language. The approval's ``terms`` errors are spread over its fields."""
    errors: dict[str, Any] = {}
    for field, messages in (error.error_dict or {}).items():
        if field == "terms" and isinstance(messages, dict):
            for sub, sub_messages in messages.items():
                key = "terms_resource_ids" if sub == "resource_ids" else sub
                errors[key] = _messages(sub_messages)
        else:
            errors[field] = _messages(messages)
    labels = field_labels()
    order = list(labels)
    ranked = sorted(errors, key=lambda k: order.index(k) if k in order else len(order))
    summary = {labels.get(k, k): "; ".join(errors[k]) for k in ranked}
    return errors, summary


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _materials(form: Any, *, supplement: bool = False) -> dict[str, Any]:
    """The applicant's materials from the apply or supplement form."""
    data: dict[str, Any] = {f: form.get(f, "") for f in MATERIAL_FIELDS}
    if data["applicant_type"] != "organization":
        data.pop("credit_code")
    data["resource_ids"] = form.getlist("resource_ids")
    if not supplement:
        # an unticked box is "" (not accepted), not missing
        data["accept_terms"] = form.get("accept_terms", "")
        data["accept_security_commitment"] = form.get("accept_security_commitment", "")
    return data


def _package(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("package_show")(views_common.context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))


def _resources(pkg_dict: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "name": tk.h.resource_display_name(r)}
            for r in (pkg_dict or {}).get("resources") or []]


def _pager(endpoint: str, **params: Any) -> Callable[..., str]:
    """The page links of a list: its endpoint with the current filters."""
    fixed = {k: v for k, v in params.items() if v not in (None, "")}

    def url(page: int = 1, **kwargs: Any) -> str:
        return tk.h.url_for(endpoint, **{**fixed, **kwargs, "page": page})

    return url


# ------------------------------------------------------------------ apply
def apply(id: str) -> Any:
    """GET: the application form of a dataset; POST: apply."""
    pkg_dict = _package(id)
    tier = policy.tier_of(pkg_dict)
    context = views_common.context()
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    error_summary: dict[str, str] = {}
    if tk.request.method == "POST":
        if not _logged_in():
            return views_common.to_login(
                tk.h.url_for("govshare_applications.apply", id=pkg_dict["name"]),
                tk._("Log in to apply for conditionally open data"))
        views_common.check_csrf()
        data = {**_materials(tk.request.form), "package_id": pkg_dict["id"]}
        try:
            application = tk.get_action("govshare_application_create")(context, data)
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or tk._("Not authorized to apply"))
        except tk.ObjectNotFound:
            return tk.abort(404, tk._("Dataset not found"))
        except tk.ValidationError as e:
            errors, error_summary = _errors(e)
        else:
            tk.h.flash_success(tk._(
                "Your application has been submitted. The publishing agency answers by "
                "{due_date}.").format(due_date=application["due_date"]))
            return tk.redirect_to("govshare_applications.read", id=application["id"])

    # the page stands in for the data in its resources' URLs: 403 to whoever
    # does not have it, in JSON to a client that asks for JSON
    status = tier_views.apply_page_status(pkg_dict) if tk.request.method == "GET" else 200
    if status == 403 and tier_views.api_client(token=False):
        return tier_views.api_error(403, "Authorization Error",
                                    tier_views.restricted_message(pkg_dict, None),
                                    apply_url=policy.apply_url(pkg_dict["name"]))
    pending = to_accept = None
    if _logged_in() and tier == policy.CONDITIONAL:
        pending, to_accept = _pending(context, pkg_dict["id"])
    if not data:
        user = tk.current_user
        data = {"applicant_type": "person", "requested_term_months": 12,
                "applicant_name": getattr(user, "fullname", "") or "",
                "contact_email": getattr(user, "email", "") or ""} if _logged_in() else {}
    return tk.render("govshare/applications/apply.html", {
        "pkg_dict": pkg_dict, "pkg": pkg_dict, "dataset_type": pkg_dict.get("type"),
        "tier": tier, "resources": _resources(pkg_dict), "pending": pending,
        "to_accept": to_accept,
        "data": data, "errors": errors, "error_summary": error_summary,
        "max_term_months": tk.config.get(options.APPLICATION_MAX_TERM_MONTHS),
        "answer_days": deadline.answer_working_days(),
    }), status


#: the agency request form's fields (:func:`agency_request`)
AGENCY_FIELDS = ("purpose", "use_scenario", "requested_fields", "requested_term_months",
                 "contact_email", "contact_phone", "organization")


def agency_request(id: str) -> Any:
    """GET: the form of an agency's sharing or verification request for a
    dataset (``?kind=``); POST: make it."""
    if not _logged_in():
        return views_common.to_login(tk.h.url_for("govshare_applications.agency_request", id=id))
    pkg_dict = _package(id)
    kind = tk.request.values.get("kind") or kinds.SHARING
    if kind not in kinds.AGENCY_KINDS:
        return tk.abort(404, tk._("No such request"))
    context = views_common.context()
    errors: dict[str, Any] = {}
    error_summary: dict[str, str] = {}
    user = model.User.get(tk.current_user.name)
    data: dict[str, Any] = {"contact_email": getattr(user, "email", "") or "",
                            "requested_term_months": 12}
    if tk.request.method == "POST":
        views_common.check_csrf()
        form = tk.request.form
        data = {f: form.get(f, "") for f in AGENCY_FIELDS}
        data.update(package_id=pkg_dict["id"], kind=kind,
                    resource_ids=form.getlist("resource_ids"))
        if kind == kinds.SHARING:
            data["accept_terms"] = form.get("accept_terms", "")
            data["accept_security_commitment"] = form.get("accept_security_commitment", "")
        else:
            data.pop("requested_term_months")
        try:
            created = tk.get_action("govshare_application_create")(context, data)
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e) or tk._("Not authorized to apply"))
        except tk.ValidationError as e:
            errors, error_summary = _errors(e)
        else:
            tk.h.flash_success(tk._(
                "Your request has been sent. The providing agency answers by "
                "{due_date}.").format(due_date=created["due_date"]))
            return tk.redirect_to("govshare_applications.read", id=created["id"])
    # a closed entry's resources point here (共享申请): as the application page
    status = 400 if errors else 200
    if tk.request.method == "GET" and kind == kinds.SHARING:
        status = tier_views.apply_page_status(pkg_dict)
        if status == 403 and tier_views.api_client(token=False):
            return tier_views.api_error(
                403, "Authorization Error", tier_views.restricted_message(pkg_dict, None),
                apply_url=policy.request_url(policy.PackageFacts.from_dict(pkg_dict)))
    organizations = kinds.organizations_for(user, pkg_dict.get("owner_org"))
    return tk.render("govshare/applications/agency_request.html", {
        "pkg_dict": pkg_dict, "pkg": pkg_dict, "kind": kind, "kind_label": kinds.label(kind),
        "offered": kinds.offered(user, pkg_dict), "resources": _resources(pkg_dict),
        "organizations": [{"value": g.name, "text": g.title or g.name} for g in organizations],
        "data": data, "errors": errors, "error_summary": error_summary,
        "max_term_months": tk.config.get(options.APPLICATION_MAX_TERM_MONTHS),
        "answer_days": deadline.answer_working_days(kind),
    }), status


def _pending(context: Context, package_id: str
             ) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
    """The caller's open application for a dataset, if any, and their
    approved one whose terms they have still to accept, if any."""
    try:
        mine = tk.get_action("govshare_application_list")(
            context, {"mine": True, "package_id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None, None
    return (next((a for a in mine["results"] if a["state"] in workflow.PENDING), None),
            next((a for a in mine["results"] if workflow.ACCEPT_TERMS in a["moves"]), None))


# ------------------------------------------------------------------ one application
def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("govshare_application_show")(views_common.context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Application not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or tk._("Not authorized to see this application"))


def read(id: str) -> Any:
    """An application, its timeline and the moves the viewer may make."""
    if not _logged_in():
        return views_common.to_login()
    application = _show(id)
    if application.get("kind") == kinds.ERROR_REPORT:  # the inbox links here too
        return tk.redirect_to("govshare_error_reports.read", id=id)
    return _render(application)


def _render(application: dict[str, Any], *, form: Optional[str] = None,
            data: Optional[dict[str, Any]] = None,
            errors: Optional[dict[str, Any]] = None,
            error_summary: Optional[dict[str, str]] = None) -> str:
    """The application page; ``form`` names the move whose form is re-shown
    with ``data`` and ``errors``."""
    try:
        pkg_dict: Optional[dict[str, Any]] = tk.get_action("package_show")(
            views_common.context(), {"id": application["package_id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        pkg_dict = None
    resources = _resources(pkg_dict)
    names = {r["id"]: r["name"] for r in resources}
    today = workdays.local_today()
    months = int(application.get("requested_term_months") or 12)
    longest = int(tk.config.get(options.APPLICATION_MAX_TERM_MONTHS))
    approve_defaults = {
        "scope": application.get("requested_fields") or "",
        "valid_from": today.isoformat(),
        "valid_until": (_add_months(today, min(months, longest))
                        - dt.timedelta(days=1)).isoformat(),
        "terms_resource_ids": list(application.get("resource_ids") or []),
    }
    materials = {f: application.get(f) for f in MATERIAL_FIELDS if f in application}
    materials["resource_ids"] = list(application.get("resource_ids") or [])
    return tk.render("govshare/applications/read.html", {
        "application": application, "pkg_dict": pkg_dict, "resources": resources,
        "resource_names": names, "moves": application.get("moves") or [],
        "form": form, "data": data or {}, "errors": errors or {},
        "error_summary": error_summary or {},
        "approve_defaults": approve_defaults, "materials": materials,
        "max_term_months": longest,
        "max_extension_days": deadline.max_extension_days(),
    })


def _decide(decision: str) -> Callable[[dict[str, Any], Any], tuple[str, dict[str, Any]]]:
    def build(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
        data: dict[str, Any] = {"id": application["id"], "decision": decision,
                                "reason": form.get("reason", "")}
        if decision == workflow.REJECT:
            data["basis"] = form.get("basis", "")
        if decision == workflow.CORRECT:
            data["correction"] = form.get("correction", "")
        if decision == workflow.APPROVE:
            terms = {f: form.get(f, "") for f in TERM_FIELDS}
            terms["resource_ids"] = form.getlist("terms_resource_ids")
            data["terms"] = terms
            data.pop("reason")
        return "govshare_application_decide", data
    return build


def _extend(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
    return "govshare_application_extend", {"id": application["id"],
                                           "days": form.get("days", ""),
                                           "reason": form.get("reason", "")}


def _withdraw(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
    return "govshare_application_withdraw", {"id": application["id"],
                                             "reason": form.get("reason", "")}


def _supplement(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
    data = _materials(form, supplement=True)
    if application.get("kind") in kinds.AGENCY_KINDS:
        # the form has no applicant fields: the requesting organization applies
        for field in ("applicant_type", "applicant_name", "credit_code"):
            data.pop(field, None)
    if application.get("kind") == kinds.VERIFICATION:
        data.pop("requested_term_months", None)  # a verification has no term
    return "govshare_application_supplement", {**data, "id": application["id"],
                                               "note": form.get("note", "")}


def _revoke(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
    grant = application.get("grant") or {}
    return "govshare_grant_revoke", {"id": grant.get("id") or "",
                                     "reason": form.get("reason", "")}


def _accept_terms(application: dict[str, Any], form: Any) -> tuple[str, dict[str, Any]]:
    return "govshare_application_accept_terms", {
        "id": application["id"], "terms_version": form.get("terms_version", "")}


#: each move's form: how its fields become the action's call
MOVE_FORMS: dict[str, Callable[[dict[str, Any], Any], tuple[str, dict[str, Any]]]] = {
    workflow.APPROVE: _decide(workflow.APPROVE),
    workflow.REJECT: _decide(workflow.REJECT),
    workflow.REQUEST_SUPPLEMENT: _decide(workflow.REQUEST_SUPPLEMENT),
    workflow.CORRECT: _decide(workflow.CORRECT),
    workflow.CONFIRM: _decide(workflow.CONFIRM),
    workflow.EXTEND: _extend,
    workflow.WITHDRAW: _withdraw,
    workflow.SUPPLEMENT: _supplement,
    workflow.REVOKE: _revoke,
    workflow.ACCEPT_TERMS: _accept_terms,
}


def move_messages() -> dict[str, str]:
    """The flash after a successful move."""
    return {
        workflow.APPROVE: tk._("The application has been approved and the grant created. "
                               "The applicant is told."),
        workflow.REJECT: tk._("The application has been rejected. The applicant is told."),
        workflow.REQUEST_SUPPLEMENT: tk._("A supplement has been requested. The clock "
                                          "stops until it arrives."),
        workflow.EXTEND: tk._("The answer period has been extended. The applicant is told."),
        workflow.WITHDRAW: tk._("Your application has been withdrawn."),
        workflow.SUPPLEMENT: tk._("Your supplement has been sent: the application is "
                                  "submitted again."),
        workflow.REVOKE: tk._("The grant has been revoked: the data is closed to its "
                              "holder. The applicant is told."),
        workflow.ACCEPT_TERMS: tk._("You have accepted the agreement terms: the data is "
                                    "open to you for the term."),
        workflow.CORRECT: tk._("The correction has been recorded. The requesting "
                               "organization is told."),
        workflow.CONFIRM: tk._("The result has been recorded: no error found. The "
                               "requesting organization is told."),
    }


def move(id: str, move: str) -> Any:
    """POST: make one move on an application."""
    if move not in MOVE_FORMS:
        return tk.abort(404, tk._("No such move"))
    if not _logged_in():
        return views_common.to_login(tk.h.url_for("govshare_applications.read", id=id))
    views_common.check_csrf()
    application = _show(id)
    action, data_dict = MOVE_FORMS[move](application, tk.request.form)
    try:
        tk.get_action(action)(views_common.context(), data_dict)
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or tk._("Not authorized to make this move"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Application not found"))
    except tk.ValidationError as e:
        errors, summary = _errors(e)
        data = tk.request.form.to_dict()
        for field in ("resource_ids", "terms_resource_ids"):
            data[field] = tk.request.form.getlist(field)
        return _render(_show(id), form=move, data=data, errors=errors,
                       error_summary=summary)
    tk.h.flash_success(move_messages()[move])
    return tk.redirect_to("govshare_applications.read", id=id)


# ------------------------------------------------------------------ lists
def _page_number() -> int:
    return tk.h.get_page_number(tk.request.args)


def dashboard() -> Any:
    """The logged-in user's applications and grants."""
    if not _logged_in():
        return views_common.to_login()
    context = views_common.context()
    page = _page_number()
    try:
        listing = tk.get_action("govshare_application_list")(
            context, {"mine": True, "sort": "submitted_at desc", "limit": PER_PAGE,
                      "offset": (page - 1) * PER_PAGE})
        grants = tk.get_action("govshare_grant_list")(context, {"mine": True,
                                                                "limit": PER_PAGE})
        user_dict = tk.get_action("user_show")(context, {"id": tk.current_user.id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this page"))
    pager = Page(collection=listing["results"], page=page, item_count=listing["count"],
                      items_per_page=PER_PAGE,
                      url=_pager("govshare_applications.dashboard"),
                      presliced_list=True)
    return tk.render("govshare/applications/dashboard.html", {
        "user_dict": user_dict, "applications": listing, "grants": grants, "page": pager,
    })


def inbox(id: str) -> Any:
    """An organization's applications, for its reviewers."""
    if not _logged_in():
        return views_common.to_login()
    context = views_common.context()
    try:
        org = tk.get_action("organization_show")(
            context, {"id": id, "include_datasets": False, "include_users": False,
                      "include_extras": False, "include_tags": False,
                      "include_groups": False, "include_followers": False})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Organization not found"))
    state = tk.request.args.get("state", "")
    overdue = tk.request.args.get("overdue", "")
    kind = tk.request.args.get("kind", "")
    page = _page_number()
    data_dict: dict[str, Any] = {"organization": org["id"], "limit": PER_PAGE,
                                 "offset": (page - 1) * PER_PAGE}
    if state in workflow.STATES:
        data_dict["state"] = state
    else:
        state = ""
    if overdue in ("true", "false"):
        data_dict["overdue"] = overdue
    else:
        overdue = ""
    if kind in kinds.KINDS:
        data_dict["kind"] = kind
    else:
        kind = ""
    try:
        listing = tk.get_action("govshare_application_list")(context, data_dict)
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or tk._("Not authorized to see this page"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    pager = Page(collection=listing["results"], page=page, item_count=listing["count"],
                      items_per_page=PER_PAGE, presliced_list=True,
                      url=_pager("govshare_applications.inbox", id=org["name"],
                                 state=state, overdue=overdue, kind=kind))
    return tk.render("govshare/applications/inbox.html", {
        "group_dict": org, "group_type": org.get("type", "organization"),
        "applications": listing, "page": pager, "state": state, "overdue": overdue,
        "states": workflow.STATES, "kind": kind,
        "kinds": [{"value": k, "text": kinds.label(k)} for k in kinds.KINDS],
        "answer_days": deadline.answer_working_days(),
        "max_extension_days": deadline.max_extension_days(),
    })


applications.add_url_rule("/dataset/<id>/apply", view_func=apply, methods=["GET", "POST"])
applications.add_url_rule("/dataset/<id>/agency-request", view_func=agency_request,
                          methods=["GET", "POST"])
applications.add_url_rule("/application/<id>", view_func=read)
applications.add_url_rule("/application/<id>/<move>", view_func=move, methods=["POST"])
applications.add_url_rule("/dashboard/applications", view_func=dashboard)
applications.add_url_rule("/organization/<id>/applications", view_func=inbox)


def get_blueprints() -> list[Blueprint]:
    return [applications]
