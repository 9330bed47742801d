"""What the outbox tells of a data request: the applications' notices
(:mod:`ckanext.govshare.applications.notices`), told of a request.

The tick (:mod:`ckanext.govshare.applications.tick`) writes a data request's
``reminder_N`` and ``overdue`` notices as it writes an application's, on the
same days (``ckanext.govshare.application.reminder_working_days``); the
outbox's job delivers and mails them to the same people (the agency's
admins and editors, then its admins and the sysadmins; the sysadmins when
the request names no agency). What differs is said here: a notice is moot
once the request is answered or its due date changed, and the words are
the request's (``templates/govshare/data_requests/emails/<kind>.txt``).

The requester is told of the answer (``answered``: the outcome, the
reason and basis, the day the data will open, the dataset it names), or,
when it opens a closed dataset to them, of an interested party's access (利害关系人,
:mod:`.parties`): ``granted`` when the answer opens a closed dataset to
them (which, until which day, its address), ``revoked`` when an admin of
the agency ends it (the reason), ``expired`` when the tick records its end.
These are the applicant's kinds (:func:`..applications.notices.audience`):
the requester alone, at their account's address and in their message
centre, always told, answered or not. Once the access has ended, the
notice names the request, not the closed dataset (as the holder's grants
do then).
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.applications import deadline, grants, notices
from ckanext.govshare.applications.model import Notice
from ckanext.govshare.data_requests import outcomes, parties
from ckanext.govshare.data_requests.model import SUBMITTED, DataRequest
from ckanext.govshare.jurisdiction import profile

#: the ``application_kind`` of a data request's values (mail, message centre)
KIND = profile.DATA_REQUEST
TEMPLATE = "govshare/data_requests/emails/{kind}.txt"
READ_ENDPOINT = "govshare_data_requests.read"
#: the requester's notices of an interested party's access
PARTY_KINDS = (notices.GRANTED, notices.REVOKED, notices.EXPIRED)


def not_worth_sending(notice: Notice, request: DataRequest) -> Optional[str]:
    """Why a notice of ``request`` is moot by the time it is sent (None:
    send it): the agency is not asked to answer a request it answered
    meanwhile, nor reminded of a due date that changed."""
    if request.state != SUBMITTED:
        return f"the data request is {request.state} now"
    if notice.due_date is not None and request.due_date != notice.due_date:
        return "the due date changed"
    return None


def _absolute(endpoint: str, path: str, **values: Any) -> str:
    """``endpoint``'s address, absolute; the site's URL and ``path`` when
    it cannot be built (its blueprint not loaded)."""
    from werkzeug.routing import BuildError

    try:
        return tk.h.url_for(endpoint, _external=True, **values)
    except BuildError:
        site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
        return f"{site_url}{path}"


def url(request_id: str) -> str:
    """The request's page, absolute."""
    return _absolute(READ_ENDPOINT, f"/datarequest/{request_id}", id=request_id)


def _dataset_values(package_id: Optional[str]) -> dict[str, Any]:
    """The title and absolute address of the dataset a notice names (none
    when it is gone)."""
    package = model.Package.get(package_id) if package_id else None
    if package is None:
        return {}
    return {"dataset_title": package.title or package.name,
            "dataset_url": _absolute("dataset.read", f"/dataset/{package.name}",
                                     id=package.name)}


def _party_values(kind: str, request: DataRequest) -> dict[str, Any]:
    """What the requester is told of their access as an interested party:
    its last day; the dataset (title, address) while it is open to them;
    the reason it was revoked."""
    grant = parties.grant_of(request.id)
    if grant is None:
        return {}
    values: dict[str, Any] = {
        "valid_until": grants.last_day(grant.valid_until).isoformat(),
        "ended_at": workdays.local_date(grant.ended_at).isoformat()
        if grant.ended_at else None,
    }
    if kind == notices.GRANTED:
        values.update(_dataset_values(grant.package_id))
    if kind == notices.REVOKED:
        values["reason"] = grant.end_reason
    return values


def _answer_values(request: DataRequest) -> dict[str, Any]:
    """What the requester is told of an answer that opens nothing to them
    alone: the outcome, the agency's reason and basis, the day it will open
    the data, and the dataset it names (an open or conditional one)."""
    values: dict[str, Any] = {
        "outcome": request.outcome,
        "outcome_label": outcomes.label(request.outcome),
        "reason": request.reason or "",
        "basis": request.basis or "",
        "open_by": request.open_by.isoformat() if request.open_by else None,
    }
    if request.outcome in (outcomes.AVAILABLE, outcomes.BY_APPLICATION):
        values.update(_dataset_values(request.package_id))
    return values


def values_for(notice: Notice, request: DataRequest) -> dict[str, Any]:
    """Everything a mail about ``notice`` may say (no personal data of the
    requester: the agency answers the request, not the person; the
    requester's own notices go to the requester alone)."""
    organization = model.Group.get(request.owner_org) if request.owner_org else None
    due = notice.due_date or request.due_date
    kind = notices.base_kind(notice.kind)
    return {
        "kind": kind,
        "audience": notices.audience(notice.kind),
        "application_kind": KIND,
        "site_title": tk.config.get("ckan.site_title") or "CKAN",
        "site_url": tk.config.get("ckan.site_url"),
        "url": url(request.id),
        "request_title": request.title,
        "organization_title": (organization.title or organization.name) if organization
        else "",
        "support_count": request.support_count,
        "state": request.state,
        "due_date": due.isoformat() if due else None,
        "days_left": deadline.working_days_left(due) if due else None,
        "provisional": bool(request.due_date_provisional),
        **(_party_values(kind, request) if kind in PARTY_KINDS else {}),
        **(_answer_values(request) if kind == notices.ANSWERED else {}),
    }


def subject_text(kind: str, values: dict[str, Any]) -> str:
    """What a notice of ``kind`` is about, in the current language."""
    texts = {
        notices.REMINDER: tk._("Reminder: the data request “{title}” is due on {due_date}"),
        notices.OVERDUE: tk._("Overdue: the data request “{title}” was due on {due_date}"),
        notices.ANSWERED: tk._("Your data request “{title}” has been answered"),
        notices.GRANTED: tk._("Your data request “{title}” has been answered: you have been "
                              "granted access to the data as an interested party"),
        notices.REVOKED: tk._("Your access as an interested party under the data request "
                              "“{title}” has been revoked"),
        notices.EXPIRED: tk._("Your access as an interested party under the data request "
                              "“{title}” has ended"),
    }
    text = texts.get(notices.base_kind(kind)) or tk._("Data request “{title}”")
    return text.format(title=values.get("request_title") or "",
                       due_date=values.get("due_date") or "")
