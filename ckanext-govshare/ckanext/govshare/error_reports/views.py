"""Pages of the error reports (纠错): thin wrappers around the actions.

* ``/dataset/<id>/error-report`` (``govshare_error_reports.new``, GET/POST):
  the report form, reached from the dataset page and from a resource's page
  (``?resource_id=``); anonymous visitors are sent to log in.
* ``/error-report/<id>`` (``.read``): one report and its answer; the answer
  form for the organization's admins and editors; who reported it, the file
  and the timeline for those who may see them (the action decides).
* ``/error-report/<id>/answer`` (``.answer``, POST).
* ``/error-report/<id>/attachment`` (``.attachment``): the report's file,
  for the reporter, the answering organization's reviewers and sysadmins.

The dataset page lists a dataset's reports and answers
(``govshare/error_reports/snippets/dataset_reports.html``); an organization's
reports are in its applications inbox (``?kind=error_report``).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, send_from_directory

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.applications import deadline, kinds, workflow
from ckanext.govshare.applications import views as application_views
from ckanext.govshare.error_reports import problems
from ckanext.govshare.error_reports.logic import action as report_action

error_reports = Blueprint("govshare_error_reports", __name__)


def field_labels() -> dict[str, str]:
    """The form's fields as its error summary names them, in form order."""
    return {
        "kind": tk._("Kind of problem"),
        "resource_id": tk._("Resource"),
        "description": tk._("Description"),
        "upload": tk._("Attachment"),
        "outcome": tk._("Answer"),
        "reason": tk._("Explanation"),
        "forward_to": tk._("Forward to"),
        "package_id": tk._("Dataset"),
        "state": tk._("Status"),
        "id": tk._("Error report"),
    }


def _errors(error: tk.ValidationError) -> tuple[dict[str, list[str]], dict[str, str]]:
    errors = {field: application_views._messages(messages)
              for field, messages in (error.error_dict or {}).items()}
    labels = field_labels()
    return errors, {labels.get(k, k): "; ".join(v) for k, v in errors.items()}


def _package(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("package_show")(views_common.context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))


def new(id: str) -> Any:
    """GET: the report form of a dataset; POST: report."""
    pkg_dict = _package(id)
    back = tk.h.url_for("govshare_error_reports.new", id=pkg_dict["name"],
                        resource_id=tk.request.args.get("resource_id") or None)
    if not tk.current_user.is_authenticated:
        return views_common.to_login(back, tk._("Log in to report an error"))
    data: dict[str, Any] = {"resource_id": tk.request.args.get("resource_id", "")}
    errors: dict[str, list[str]] = {}
    summary: dict[str, str] = {}
    if tk.request.method == "POST":
        views_common.check_csrf()
        data = {key: tk.request.form.get(key, "")
                for key in ("kind", "resource_id", "description")}
        upload = tk.request.files.get("upload")
        try:
            report = tk.get_action("govshare_error_report_create")(
                views_common.context(), {**data, "package_id": pkg_dict["id"],
                                         "upload": upload if upload and upload.filename
                                         else None})
        except tk.NotAuthorized as e:
            return tk.abort(403, str(e))
        except tk.ObjectNotFound:
            return tk.abort(404, tk._("Dataset not found"))
        except tk.ValidationError as e:
            errors, summary = _errors(e)
        else:
            tk.h.flash_success(tk._(
                "Thank you: your report has been sent to {organization}, which answers by "
                "{due_date}.").format(organization=report["organization_title"],
                                      due_date=report["due_date"]))
            return tk.redirect_to("govshare_error_reports.read", id=report["id"])
    return tk.render("govshare/error_reports/new.html", {
        "pkg_dict": pkg_dict, "pkg": pkg_dict, "problems": problems.options(),
        "resources": [{"value": r["id"], "text": r.get("name") or r.get("url") or r["id"]}
                      for r in pkg_dict.get("resources") or []],
        "data": data, "errors": errors, "error_summary": summary,
        "answer_days": deadline.answer_working_days(kinds.ERROR_REPORT),
        "max_mb": report_action.MAX_ATTACHMENT_BYTES // 2**20,
    })


def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("govshare_error_report_show")(views_common.context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Error report not found"))
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))


def _organizations(exclude: Optional[str]) -> list[dict[str, str]]:
    rows = (model.Session.query(model.Group.id, model.Group.name, model.Group.title)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active",
                    model.Group.id != (exclude or ""))
            .order_by(model.Group.title, model.Group.name).all())
    return [{"value": r.name, "text": r.title or r.name} for r in rows]


def _render(report: dict[str, Any], **extra: Any) -> Any:
    may_answer = any(m in report["moves"] for m in problems.OUTCOME_MOVES.values())
    return tk.render("govshare/error_reports/read.html", {
        "report": report, "may_answer": may_answer,
        "outcomes": [{"value": o, "text": problems.outcome_label(o)}
                     for o in problems.OUTCOMES],
        "organizations": _organizations(report["owner_org"]) if may_answer else [],
        "state": workflow.state_view(report["state"]),
        "data": {}, "errors": {}, "error_summary": {}, **extra})


def read(id: str) -> Any:
    """One report, its answer, and the answer form for the organization."""
    return _render(_show(id))


def answer(id: str) -> Any:
    """POST: answer a report."""
    if not tk.current_user.is_authenticated:
        return views_common.to_login(tk.h.url_for("govshare_error_reports.read", id=id))
    views_common.check_csrf()
    data = {key: tk.request.form.get(key, "") for key in ("outcome", "reason", "forward_to")}
    try:
        report = tk.get_action("govshare_error_report_answer")(
            views_common.context(), {**data, "id": id})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Error report not found"))
    except tk.ValidationError as e:
        errors, summary = _errors(e)
        return _render(_show(id), data=data, errors=errors, error_summary=summary)
    if report["state"] == workflow.SUBMITTED:
        tk.h.flash_success(tk._("The report was forwarded to {organization}.").format(
            organization=report["organization_title"]))
    else:
        tk.h.flash_success(tk._("The report was answered; the reporter is told."))
    return tk.redirect_to("govshare_error_reports.read", id=id)


def attachment(id: str) -> Any:
    """The report's file, for those who may see who reported it."""
    report = _show(id)
    found = report.get("attachment")
    if not found:
        return tk.abort(404, tk._("This report has no attachment, or you may not see it"))
    return send_from_directory(report_action.attachment_dir(id), found["stored_name"],
                               as_attachment=True, download_name=found["filename"])


error_reports.add_url_rule("/dataset/<id>/error-report", view_func=new,
                           methods=["GET", "POST"], endpoint="new")
error_reports.add_url_rule("/error-report/<id>", view_func=read, endpoint="read")
error_reports.add_url_rule("/error-report/<id>/answer", view_func=answer,
                           methods=["POST"], endpoint="answer")
error_reports.add_url_rule("/error-report/<id>/attachment", view_func=attachment,
                           endpoint="attachment")


def get_blueprints() -> list[Blueprint]:
    return [error_reports]

