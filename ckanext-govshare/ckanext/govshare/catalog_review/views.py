"""Pages: an organization's review list, a dataset's change records.

* ``/organization/<id>/review``: the entries that need review (and the open
  changes still within time), each with a "mark reviewed" button; editors
  and admins of the organization, sysadmins.
* ``/organization/<id>/updates``: the entries with their update deadlines
  (overdue, no data attached, on time); editors and admins, sysadmins.
* ``/dataset/<id>/changes``: a dataset's change records, and (for editors and
  admins) the form to record a new one.

Thin wrappers around the actions. The forms POST with CKAN's CSRF token,
checked here even while ``ckan.csrf_protection.ignore_extensions`` exempts
extension blueprints.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.govshare import options, workdays
from ckanext.govshare.catalog_review import review, updates
from ckanext.govshare import views_common

catalog_review = Blueprint("govshare_catalog_review", __name__)


def _organization(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("organization_show")(
            views_common.context(), {"id": id, "include_datasets": False, "include_users": False,
                         "include_extras": False, "include_tags": False,
                         "include_groups": False, "include_followers": False})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Organization not found"))


def review_page(id: str) -> Any:
    """The organization's entries that need review."""
    org = _organization(id)
    try:
        listing = tk.get_action("govshare_catalog_review_list")(
            views_common.context(), {"id": org["id"], "include_pending": True})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors and admins of the organization may "
                                  "see its review list"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    return tk.render("govshare/catalog_review/review.html", {
        "group_dict": org, "group_type": org.get("type", "organization"),
        "listing": listing,
        "needs_review": [r for r in listing["results"] if r["needs_review"]],
        "pending": [r for r in listing["results"] if not r["needs_review"]],
        "change_days": review.change_working_days(),
    })


def updates_page(id: str) -> Any:
    """The organization's entries with their update deadlines."""
    org = _organization(id)
    status = tk.request.args.get("status", "")
    try:
        listing = tk.get_action("govshare_catalog_update_list")(
            views_common.context(), {"id": org["id"], "status": status})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors and admins of the organization may "
                                  "see its update deadlines"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    except tk.ValidationError:
        return tk.abort(400, tk._("Unknown status"))
    return tk.render("govshare/catalog_review/updates.html", {
        "group_dict": org, "group_type": org.get("type", "organization"),
        "listing": listing, "status": status,
        "statuses": [(value, updates.status_label(value)) for value in updates.STATUSES],
        "reminder_days": tk.config.get(options.CATALOG_REVIEW_UPDATE_REMINDER_WORKING_DAYS),
    })


def mark_reviewed(id: str) -> Any:
    """POST: mark one of the organization's entries reviewed today."""
    views_common.check_csrf()
    org = _organization(id)
    package_id = tk.request.form.get("package_id", "")
    try:
        result = tk.get_action("govshare_catalog_review_mark")(
            views_common.context(), {"id": package_id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors and admins of the dataset's "
                                  "organization may mark it reviewed"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("The dataset could not be marked reviewed: {errors}").format(
            errors=_summary(e)))
    else:
        tk.h.flash_success(tk.ungettext(
            "Marked reviewed on {date}; {count} change record answered.",
            "Marked reviewed on {date}; {count} change records answered.",
            result["answered"]).format(date=result["last_reviewed"],
                                       count=result["answered"]))
    return tk.redirect_to("govshare_catalog_review.review_page", id=org["name"])


def _summary(error: tk.ValidationError) -> str:
    parts = []
    for field, messages in (error.error_summary or {}).items():
        parts.append(f"{field}: {messages}")
    return "; ".join(parts) or str(error)


def changes(id: str) -> Any:
    """GET: a dataset's change records; POST: record a change."""
    context = views_common.context()
    try:
        pkg_dict = tk.get_action("package_show")(context, {"id": id})
        records = tk.get_action("govshare_catalog_change_list")(
            context, {"package_id": pkg_dict["id"]})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only members of the organization may see its "
                                  "change records"))
    try:
        tk.check_access("govshare_catalog_change_create", context,
                        {"package_id": pkg_dict["id"]})
        can_record = True
    except tk.NotAuthorized:
        can_record = False

    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    error_summary: dict[str, Any] = {}
    if tk.request.method == "POST":
        views_common.check_csrf()
        data = {"package_id": pkg_dict["id"],
                "kind": tk.request.form.get("kind", ""),
                "description": tk.request.form.get("description", ""),
                "occurred_on": tk.request.form.get("occurred_on", "")}
        try:
            tk.get_action("govshare_catalog_change_create")(context, data)
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Only editors and admins of the dataset's "
                                      "organization may record a change"))
        except tk.ValidationError as e:
            errors, error_summary = e.error_dict, e.error_summary
        else:
            tk.h.flash_success(tk._("Change recorded."))
            return tk.redirect_to("govshare_catalog_review.changes", id=pkg_dict["name"])

    return tk.render("govshare/catalog_review/changes.html", {
        "pkg_dict": pkg_dict, "pkg": pkg_dict, "dataset_type": pkg_dict["type"],
        "records": records, "can_record": can_record, "kinds": review.kind_options(),
        "data": data, "errors": errors, "error_summary": error_summary,
        "change_days": review.change_working_days(),
        "today": workdays.local_today().isoformat(),
    })


catalog_review.add_url_rule("/organization/<id>/review", view_func=review_page)
catalog_review.add_url_rule("/organization/<id>/updates", view_func=updates_page)
catalog_review.add_url_rule("/organization/<id>/review/mark", view_func=mark_reviewed,
                            methods=["POST"])
catalog_review.add_url_rule("/dataset/<id>/changes", view_func=changes,
                            methods=["GET", "POST"])


def get_blueprints() -> list[Blueprint]:
    return [catalog_review]
