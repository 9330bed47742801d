"""Error reports (纠错): report, show, list, answer.

An error report is an application of kind ``error_report``: the moves are
the workflow's (:mod:`ckanext.govshare.applications.workflow`: ``submit``,
``correct``, ``confirm``, ``forward``, ``withdraw``), made through the
applications' own step functions (:func:`_move` locks the row and checks
the role and the state, :func:`_record` appends to the hash-chained event
table, :func:`_finish` commits and hands the notices to the worker, and
:func:`_refuse_own_case` refuses and records a reporter answering their own
report). The answer period is the jurisdiction profile's for the kind
(:mod:`ckanext.govshare.applications.deadline`); the tick reminds and
escalates error reports as it does applications.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import workdays
from ckanext.govshare.applications import access, deadline, kinds, notices, workflow
from ckanext.govshare.applications.logic import action as steps
from ckanext.govshare.applications.logic import validation
from ckanext.govshare.applications.model import Application, utcnow
from ckanext.govshare.error_reports import dictization, problems
from ckanext.govshare.error_reports.logic import schema
from ckanext.govshare.logic import context_user, given_id, validate as _validate
from ckanext.govshare.tiers import policy

#: the largest file a report may carry
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


def attachment_dir(application_id: str) -> str:
    """Where a report's file is kept: ``<storage_path>/govshare_error_reports/<id>``."""
    return os.path.join(tk.config.get("ckan.storage_path") or "", "govshare_error_reports",
                        application_id)


def _report(reference: Any, *, lock: bool = False) -> Application:
    """The error report ``reference`` names; 404 for anything else (an
    application of another kind too)."""
    if not isinstance(reference, str) or not reference:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    found = (Application.get_for_update(reference) if lock else Application.get(reference))
    if found is None or found.kind != kinds.ERROR_REPORT:
        raise tk.ObjectNotFound(tk._("Error report not found"))
    return found


def _visible_package(reference: str, user: Optional[model.User]) -> model.Package:
    package = model.Package.get(reference)
    if (package is None or package.state != "active" or not policy.can_see(
            policy.Caller.for_user(user), policy.PackageFacts.from_model(package))):
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package


def _attachment(upload: Any) -> Optional[FileStorage]:
    """The file given, checked before anything is written (None: none)."""
    if upload in (None, ""):
        return None
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise tk.ValidationError({"upload": [tk._("Attach a file, or leave the field empty")]})
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > MAX_ATTACHMENT_BYTES:
        raise tk.ValidationError({"upload": [tk._(
            "The file is too large: at most {mb} MB").format(mb=MAX_ATTACHMENT_BYTES // 2**20)]})
    return upload


def _keep(application: Application, upload: FileStorage) -> dict[str, Any]:
    directory = attachment_dir(application.id)
    os.makedirs(directory, exist_ok=True)
    stored = secure_filename(upload.filename or "") or "attachment"
    path = os.path.join(directory, stored)
    upload.save(path)
    return {"stored_name": stored, "filename": os.path.basename(upload.filename or stored),
            "size": os.path.getsize(path), "content_type": upload.mimetype or None}


# ------------------------------------------------------------------ create
def govshare_error_report_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Report a problem with a dataset or one of its resources (纠错). The
    organization that owns the dataset answers within the jurisdiction
    profile's ``error_report.answer_working_days`` (5 working days in both
    shipped profiles). A report of exposed personal data is told at once to
    the organization's admins and to every sysadmin.

    Any logged-in user who can see the dataset.

    :param package_id: the dataset's id or name
    :type package_id: string
    :param resource_id: the resource the problem is in (optional)
    :type resource_id: string
    :param kind: ``wrong_values``, ``out_of_date``, ``broken_link``,
        ``personal_data`` or ``other``
    :type kind: string
    :param description: what is wrong, and where
    :type description: string
    :param upload: a file showing the problem (optional, at most 5 MB)
    :type upload: file

    :returns: the report, with ``state``, ``due_date``, ``working_days_left``
        and ``overdue``
    :rtype: dictionary
    """
    tk.check_access("govshare_error_report_create", context, data_dict)
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to report an error"))
    data = _validate(data_dict, schema.error_report_create_schema(), context)
    package = _visible_package(data["package_id"], user)
    resource_ids = validation.check_resource_ids(
        [data["resource_id"]] if data.get("resource_id") else [], package.id, "resource_id")
    upload = _attachment(data_dict.get("upload"))
    now = utcnow()
    due = deadline.due_after(now, kind=kinds.ERROR_REPORT)
    report = Application(
        kind=kinds.ERROR_REPORT, problem=data["kind"], package_id=package.id,
        owner_org=package.owner_org, resource_ids=resource_ids, user_id=user.id,
        purpose=data["description"], use_scenario="", requested_fields="",
        applicant_type="person", applicant_name=user.fullname or user.name,
        contact_email=(user.email or "").strip(), contact_phone="",
        terms_accepted_at=now, state=workflow.SUBMITTED, created_at=now, submitted_at=now,
        modified_at=now, due_date=due.date, due_date_provisional=due.provisional,
        extension_days=0)
    model.Session.add(report)
    model.Session.flush()
    if upload is not None:
        report.attachment = _keep(report, upload)
    steps._record(report, workflow.SUBMIT, user.id, None, at=now,
                  details={"due_date": due.date.isoformat(), "provisional": due.provisional,
                           "answer_working_days": deadline.answer_working_days(
                               kinds.ERROR_REPORT),
                           "problem": data["kind"]})
    queued = [notices.queue(report, notices.NEW)]
    if report.problem == problems.PERSONAL_DATA:
        queued.append(notices.queue(report, notices.PERSONAL_DATA))
    steps._finish(context, queued)
    return dictization.report_dict(report, user, package=package, events=True)


# ------------------------------------------------------------------ read
@tk.side_effect_free
def govshare_error_report_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One error report and its answer. Anyone who can see the dataset sees
    the report and the answer; who reported it (name, account, email), the
    file and the timeline only the reporter, the answering organization's
    admins and editors and sysadmins see. The description of a report of
    exposed personal data is not shown to the public either.

    :param id: the report's id
    :type id: string

    :rtype: dictionary
    """
    tk.check_access("govshare_error_report_show", context, data_dict)
    report = _report(given_id(data_dict))
    user = context_user(context)
    package = _visible_package(report.package_id, user)
    return dictization.report_dict(report, user, package=package, events=True)


@tk.side_effect_free
def govshare_error_report_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Error reports, newest first (open ones by due date first in an
    organization's list).

    One of: ``package_id`` (a dataset's reports, for anyone who can see the
    dataset), ``organization`` (the reports an organization owes or gave an
    answer to: its admins and editors, sysadmins), ``mine`` (the caller's
    own); sysadmins may give none (every report).

    :param package_id: a dataset's id or name
    :type package_id: string
    :param organization: an organization's id or name
    :type organization: string
    :param mine: only the caller's own reports
    :type mine: bool
    :param state: ``submitted``, ``corrected``, ``confirmed`` (no error
        found) or ``withdrawn``
    :type state: string
    :param limit: at most this many (default 50)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` and ``results``
    :rtype: dictionary
    """
    tk.check_access("govshare_error_report_list", context, data_dict)
    data = _validate(data_dict, schema.error_report_list_schema(), context)
    user = context_user(context)
    query = model.Session.query(Application).filter(Application.kind == kinds.ERROR_REPORT)
    package: Optional[model.Package] = None
    if data.get("package_id"):
        package = _visible_package(data["package_id"], user)
        query = query.filter(Application.package_id == package.id)
    if data.get("organization"):
        query = query.filter(Application.owner_org == steps._organization(
            data["organization"]).id)
    if data.get("mine"):
        if user is None:
            raise tk.NotAuthorized(tk._("Log in to see your error reports"))
        query = query.filter(Application.user_id == user.id)
    if not (package or data.get("organization") or data.get("mine")) and not (
            user is not None and user.sysadmin):
        raise tk.ValidationError({"package_id": [tk._(
            "Give a dataset (package_id), an organization or mine")]})
    if data.get("state"):
        query = query.filter(Application.state == data["state"])
    count = query.count()
    order = ((sa.case((Application.state.in_(workflow.PENDING), 0), else_=1),
              Application.due_date.asc().nulls_last()) if data.get("organization") else ())
    rows = query.order_by(*order, Application.created_at.desc(), Application.id).offset(
        data["offset"]).limit(data["limit"]).all()
    today = workdays.local_today()
    page = dictization.Page.of(rows)
    return {"count": count, "results": [
        dictization.report_dict(r, user, today=today, page=page) for r in rows]}


# ------------------------------------------------------------------ answer
def govshare_error_report_answer(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Answer an error report: ``corrected`` (say what was corrected),
    ``no_error`` (say why the data is right) or ``forwarded`` (the data is
    another organization's: ``forward_to`` names it, and it owes the answer
    from then on, a full answer period). The reporter is told.

    Admins and editors of the organization the report is with, and
    sysadmins; never the reporter (403, the attempt recorded).

    :param id: the report's id
    :type id: string
    :param outcome: ``corrected``, ``no_error`` or ``forwarded``
    :type outcome: string
    :param reason: what was corrected, why no error was found, or why the
        report goes to another organization
    :type reason: string
    :param forward_to: ``forwarded``: the organization's id or name
    :type forward_to: string

    :returns: the report
    :rtype: dictionary
    """
    outcome = data_dict.get("outcome")
    move_name = problems.OUTCOME_MOVES.get(outcome) if isinstance(outcome, str) else None
    report_id = data_dict.get("id")
    if isinstance(report_id, str) and report_id:
        _report(report_id)
    steps._refuse_own_case(context, report_id if isinstance(report_id, str) else None,
                           move_name or workflow.CORRECT)
    tk.check_access("govshare_error_report_answer", context, data_dict)
    data = _validate(data_dict, schema.error_report_answer_schema(), context)
    move_name = problems.OUTCOME_MOVES[data["outcome"]]
    target: Optional[model.Group] = None
    if data["outcome"] == problems.FORWARDED:
        target = _forward_target(data.get("forward_to"), _report(data["id"]))
    report, move, before = steps._move(context, data["id"], move_name, data.get("reason"))
    user = context_user(context)
    now = utcnow()
    report.state = move.target
    report.modified_at = now
    queued = []
    details: dict[str, Any] = {"outcome": data["outcome"]}
    if target is not None:
        origin = model.Group.get(report.owner_org)
        due = deadline.due_after(now, kind=kinds.ERROR_REPORT)
        details.update(
            from_org=report.owner_org, to_org=target.id,
            from_organization_title=(origin.title or origin.name) if origin else None,
            to_organization_title=target.title or target.name,
            due_date_was=report.due_date.isoformat() if report.due_date else None,
            due_date=due.date.isoformat(), provisional=due.provisional,
            answer_working_days=deadline.answer_working_days(kinds.ERROR_REPORT))
        report.owner_org = target.id
        report.submitted_at = now
        report.due_date, report.due_date_provisional = due.date, due.provisional
        queued.append(notices.queue(report, notices.FORWARDED))
        queued.append(notices.queue(report, notices.NEW))
        if report.problem == problems.PERSONAL_DATA:
            queued.append(notices.queue(report, notices.PERSONAL_DATA))
    else:
        report.decided_at = now
        report.decided_by = user.id if user else None
        report.reason = data["reason"]
        (report.answer_working_days, report.answered_late,
         report.wait_working_days) = deadline.answer(
            workdays.local_date(report.created_at), workdays.local_date(report.submitted_at),
            report.due_date, workdays.local_today())
        queued.append(notices.queue(report, notices.VERIFIED))
    steps._record(report, move.name, user.id if user else None, before, at=now,
                  reason=data["reason"], details=details)
    steps._finish(context, queued)
    return dictization.report_dict(report, user, events=True)


def _forward_target(reference: Optional[str], report: Application) -> model.Group:
    if not reference:
        raise tk.ValidationError({"forward_to": [tk._(
            "Missing value: name the organization the data belongs to")]})
    group = model.Group.get(reference)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ValidationError({"forward_to": [tk._("Organization not found")]})
    if group.id == report.owner_org:
        raise tk.ValidationError({"forward_to": [tk._(
            "The report is already with this organization: forward it to another one")]})
    return group


def may_see_reporter(report: Application, user: Optional[model.User]) -> bool:
    """The reporter, the answering organization's reviewers and sysadmins."""
    return access.may_see_personal_data(access.roles(user, report.user_id, report.owner_org))


def get_actions() -> dict[str, Any]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
