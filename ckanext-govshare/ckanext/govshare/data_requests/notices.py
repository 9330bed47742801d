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
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import deadline, notices
from ckanext.govshare.applications.model import Notice
from ckanext.govshare.data_requests.model import SUBMITTED, DataRequest
from ckanext.govshare.jurisdiction import profile

#: the ``application_kind`` of a data request's values (mail, message centre)
KIND = profile.DATA_REQUEST
TEMPLATE = "govshare/data_requests/emails/{kind}.txt"
READ_ENDPOINT = "govshare_data_requests.read"


def not_worth_sending(notice: Notice, request: DataRequest) -> Optional[str]:
    """Why a notice of ``request`` is moot by the time it is sent (None:
    send it): the agency is not asked to answer a request it answered
    meanwhile, nor reminded of a due date that changed."""
    if request.state != SUBMITTED:
        return f"the data request is {request.state} now"
    if notice.due_date is not None and request.due_date != notice.due_date:
        return "the due date changed"
    return None


def url(request_id: str) -> str:
    """The request's page, absolute."""
    from werkzeug.routing import BuildError

    try:
        return tk.h.url_for(READ_ENDPOINT, id=request_id, _external=True)
    except BuildError:
        site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
        return f"{site_url}/datarequest/{request_id}"


def values_for(notice: Notice, request: DataRequest) -> dict[str, Any]:
    """Everything a mail about ``notice`` may say (no personal data of the
    requester: the agency answers the request, not the person)."""
    organization = model.Group.get(request.owner_org) if request.owner_org else None
    due = notice.due_date or request.due_date
    return {
        "kind": notices.base_kind(notice.kind),
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
    }


def subject_text(kind: str, values: dict[str, Any]) -> str:
    """What a notice of ``kind`` is about, in the current language."""
    texts = {
        notices.REMINDER: tk._("Reminder: the data request “{title}” is due on {due_date}"),
        notices.OVERDUE: tk._("Overdue: the data request “{title}” was due on {due_date}"),
    }
    text = texts.get(notices.base_kind(kind)) or tk._("Data request “{title}”")
    return text.format(title=values.get("request_title") or "",
                       due_date=values.get("due_date") or "")
