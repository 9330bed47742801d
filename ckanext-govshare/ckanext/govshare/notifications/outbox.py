"""The sysadmins' view of the mail outbox: notices not sent (or not yet
delivered in the site), with their attempts and last error, and "retry
now". The applications' outbox is the one there is today; its job
(:mod:`ckanext.govshare.applications.jobs`) does the sending.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import jobs, mail
from ckanext.govshare.applications.model import Application, Notice
from ckanext.govshare.data_requests import notices as request_notices
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.notifications import mailer

#: a notice's standing, for the page
WAITING = "waiting"          # not tried yet (its job is queued)
FAILED = "failed"            # tried, attempts left: the tick retries it
GAVE_UP = "gave_up"          # out of attempts: only "retry now" sends it
NOT_IN_SITE = "not_in_site"  # mailed (or moot) but not delivered in the site


def _pending() -> Any:
    return sa.or_(Notice.sent_at.is_(None), Notice.delivered_at.is_(None))


def standing(notice: Notice) -> str:
    if notice.sent_at is not None:
        return NOT_IN_SITE
    if notice.attempts >= jobs.max_attempts():
        return GAVE_UP
    return FAILED if notice.attempts else WAITING


def error_text(last_error: Optional[str]) -> Optional[str]:
    """The last error as the page says it ("not configured" in words)."""
    if last_error and last_error.startswith(mailer.NOT_CONFIGURED):
        reason = last_error.split(":", 1)[-1].strip()
        return tk._("Mail is not configured ({reason}): set smtp.server and "
                    "smtp.mail_from in the ini").format(reason=reason)
    return last_error


def listing(limit: int, offset: int) -> dict[str, Any]:
    """Pending notices, newest first, and how mail is set up."""
    query = model.Session.query(Notice, Application, DataRequest.title).outerjoin(
        Application, Application.id == Notice.application_id).outerjoin(
        DataRequest, DataRequest.id == Notice.data_request_id).filter(_pending())
    count = query.count()
    rows = query.order_by(Notice.created_at.desc(), Notice.id.desc()) \
        .offset(offset).limit(limit).all()
    package_ids = {a.package_id for _n, a, _t in rows if a is not None}
    titles = dict(model.Session.query(
        model.Package.id, sa.func.coalesce(sa.func.nullif(model.Package.title, ""),
                                           model.Package.name))
        .filter(model.Package.id.in_(package_ids)).all()) if package_ids else {}
    results = []
    for notice, application, request_title in rows:
        due = notice.due_date.isoformat() if notice.due_date else ""
        if notice.data_request_id is not None:
            subject = mail.subject_text(notice.kind, {
                "application_kind": request_notices.KIND, "due_date": due,
                "request_title": request_title or notice.data_request_id})
        else:
            title = titles.get(application.package_id, application.package_id) \
                if application is not None else notice.application_id
            subject = mail.subject_text(notice.kind, {"dataset_title": title,
                                                      "due_date": due})
        results.append({
            "id": notice.id, "source": jobs.SOURCE, "kind": notice.kind,
            "subject": subject,
            "application_id": notice.application_id,
            "data_request_id": notice.data_request_id,
            "created_at": notice.created_at.isoformat(),
            "attempts": notice.attempts, "last_error": notice.last_error,
            "error_text": error_text(notice.last_error),
            "sent": notice.sent_at is not None,
            "delivered": notice.delivered_at is not None,
            "standing": standing(notice),
        })
    return {"count": count, "results": results, "max_attempts": jobs.max_attempts(),
            "server": mailer.server(), "not_configured": mailer.not_configured()}


def retry(notice_id: Optional[int]) -> int:
    """Queue one pending notice (or all of them) for one more try now, even
    when out of attempts; how many were queued. Raises ``ObjectNotFound``
    for an id that is not pending."""
    query = sa.select(Notice.id).where(_pending()).order_by(Notice.id)
    if notice_id is not None:
        query = query.where(Notice.id == notice_id)
    ids = [row[0] for row in model.Session.execute(query)]
    if notice_id is not None and not ids:
        raise tk.ObjectNotFound(tk._("No such notice waiting to be sent"))
    if ids:
        jobs.enqueue(ids, force=True)
    return len(ids)
