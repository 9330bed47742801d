"""Reminders and escalation of update deadlines, through the outbox.

The tick (:mod:`.tick`) writes, in one transaction,

* a ``reminder`` to the entry's contact (the schema's contact email,
  ``maintainer_email``) when its next update is due within
  ``ckanext.govshare.catalog_review.update_reminder_working_days`` (3)
  working days (counted as the applications' reminders count them:
  :func:`ckanext.govshare.applications.deadline.date_range_for_days_left`);
* an ``overdue`` notice to the organization's admins once the due date has
  passed;

one of each per entry and due date (``ON CONFLICT DO NOTHING`` on the
unique index), so a tick run any number of times writes each once, and an
update of the entry, which gives it a new due date, gets its own. Which
entries are due comes from the search index (``update_status``,
``update_due_date``), after the tick has indexed again what became overdue.

After the commit the notices are handed to CKAN's worker (queue
``govshare``, as the applications' notices); :func:`send_update_notices`
sends each unsent one by mail with CKAN's mailer, rendering
``templates/govshare/catalog_review/emails/<kind>.txt`` in the portal's
default language. A notice whose entry was updated since (its due date
moved) or deleted is closed without a mail. A failed send counts an
attempt; the next tick queues it again until
``ckanext.govshare.application.mail_attempts`` are used up.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options, workdays
from ckanext.govshare.applications import deadline, jobs, mail
from ckanext.govshare.catalog_review import updates
from ckanext.govshare.catalog_review.index import (
    DUE_FIELD, STATUS_FIELD, search_docs, solr_date)
from ckanext.govshare.catalog_review.model import UpdateNotice
from ckanext.govshare.notifications import mailer as site_mailer

log = logging.getLogger(__name__)

REMINDER = "reminder"
OVERDUE = "overdue"
TEMPLATE = "govshare/catalog_review/emails/{kind}.txt"


def reminder_days() -> int:
    return int(tk.config.get(options.CATALOG_REVIEW_UPDATE_REMINDER_WORKING_DAYS))


def _due_entries(fq: str) -> list[tuple[str, dt.date]]:
    """``(package id, due date)`` of every entry the index has for ``fq``."""
    found = []
    for doc in search_docs(fq, fields=f"id,{DUE_FIELD}"):
        due = workdays.parse_date(doc.get(DUE_FIELD))
        if due is not None:
            found.append((doc["id"], due))
    return found


def _write(kind: str, entries: Iterable[tuple[str, dt.date]], now: dt.datetime) -> list[int]:
    rows = [{"package_id": package_id, "kind": kind, "due_date": due, "created_at": now,
             "attempts": 0} for package_id, due in entries]
    if not rows:
        return []
    statement = (pg_insert(UpdateNotice.__table__).values(rows)
                 .on_conflict_do_nothing(constraint="govshare_catalog_update_notice_once")
                 .returning(UpdateNotice.__table__.c.id))
    return [row[0] for row in model.Session.execute(statement)]


def remind(today: dt.date, now: dt.datetime) -> list[int]:
    """Reminders of the entries due within the reminder days; new ids."""
    last = deadline.date_range_for_days_left(reminder_days(), today)[1]
    fq = (f'+{STATUS_FIELD}:"{updates.ON_TIME}" '
          f'+{DUE_FIELD}:[{solr_date(today)} TO {solr_date(last)}]')
    return _write(REMINDER, _due_entries(fq), now)


def escalate(now: dt.datetime) -> list[int]:
    """Overdue notices of the entries indexed overdue; new ids."""
    return _write(OVERDUE, _due_entries(f'+{STATUS_FIELD}:"{updates.OVERDUE}"'), now)


def unsent(now: dt.datetime) -> list[int]:
    """Unsent notices with attempts left that failed before or were never
    picked up (their job was lost), to queue again."""
    from ckanext.govshare.applications.tick import REQUEUE_AFTER

    query = sa.select(UpdateNotice.id).where(
        UpdateNotice.sent_at.is_(None), UpdateNotice.attempts < jobs.max_attempts(),
        sa.or_(UpdateNotice.attempts > 0, UpdateNotice.created_at <= now - REQUEUE_AFTER)
    ).order_by(UpdateNotice.id)
    return [row[0] for row in model.Session.execute(query)]


def dispatch(notice_ids: list[int]) -> None:
    """Queue :func:`send_update_notices` (never raises: the tick retries)."""
    ids = list(dict.fromkeys(notice_ids))
    if not ids:
        return
    try:
        for start in range(0, len(ids), jobs.CHUNK):
            chunk = ids[start:start + jobs.CHUNK]
            tk.enqueue_job(send_update_notices, [chunk], queue=jobs.QUEUE,
                           title=f"govshare: send update notices ({len(chunk)})")
    except Exception:  # Redis down: the outbox keeps them
        log.exception("Could not queue %d update notice(s); the tick will retry", len(ids))


# ------------------------------------------------------------------ sending
def send_update_notices(notice_ids: list[int]) -> dict[str, int]:
    """The job: send each unsent notice of ``notice_ids``."""
    counts = {jobs.SENT: 0, jobs.FAILED: 0, jobs.SKIPPED: 0}
    with mail.mail_context():
        for notice_id in notice_ids:
            counts[send_update_notice(notice_id)] += 1
    log.info("Update notices: %s", counts)
    return counts


def _recipients(kind: str, pkg: dict[str, Any]) -> list[tuple[str, str]]:
    if kind == REMINDER:
        email = (pkg.get("maintainer_email") or "").strip()
        return [(pkg.get("maintainer") or email, email)] if email else []
    return mail._addresses(mail._org_users(pkg.get("owner_org") or "", ("admin",)))


def _subject(kind: str, values: dict[str, Any]) -> str:
    if kind == REMINDER:
        text = tk._("Reminder: “{dataset}” is due for an update by {due_date}")
    else:
        text = tk._("Overdue: “{dataset}” was due for an update by {due_date}")
    return "[{site}] {text}".format(site=values["site_title"], text=text.format(
        dataset=values["dataset_title"], due_date=values["due_date"]))


def _values(notice: UpdateNotice, pkg: dict[str, Any],
            state: updates.UpdateState) -> dict[str, Any]:
    organization = pkg.get("organization") or {}
    frequency = updates.frequency(pkg)
    return {
        "site_title": tk.config.get("ckan.site_title") or "CKAN",
        "site_url": tk.config.get("ckan.site_url"),
        "dataset_title": pkg.get("title") or pkg["name"],
        "organization_title": organization.get("title") or organization.get("name") or "",
        "frequency": tk.h.scheming_choices_label(
            tk.h.scheming_get_preset(updates.FREQUENCY_PRESET)["choices"], frequency),
        "due_date": notice.due_date.isoformat(),
        "last_updated": state.last_updated.isoformat() if state.last_updated else "",
        "url": tk.url_for("dataset.read", id=pkg["name"], _external=True),
    }


def send_update_notice(notice_id: int) -> str:
    """Send one notice in its own transaction: ``sent``, ``failed`` or
    ``skipped``. Must run inside :func:`.mail.mail_context`."""
    session = model.Session
    try:
        notice = (session.query(UpdateNotice)
                  .filter(UpdateNotice.id == notice_id, UpdateNotice.sent_at.is_(None),
                          UpdateNotice.attempts < jobs.max_attempts())
                  .with_for_update(skip_locked=True).populate_existing().one_or_none())
        if notice is None:
            session.rollback()
            return jobs.SKIPPED
        why_not, pkg, state = _not_worth_sending(notice)
        if why_not:
            notice.sent_at = dt.datetime.utcnow()
            notice.last_error = f"not sent: {why_not}"
            session.commit()
            return jobs.SKIPPED
        assert pkg is not None and state is not None
        values = _values(notice, pkg, state)
        recipients = _recipients(notice.kind, pkg)
        if not recipients:
            raise mail.NoRecipients(notice.kind)
        subject = _subject(notice.kind, values)
        headers = {"Auto-Submitted": "auto-generated",
                   "X-GovShare-Notice": f"update_{notice.kind}"}
        for name, email in recipients:
            body = mail.render_template(TEMPLATE.format(kind=notice.kind),
                                        {**values, "recipient_name": name})
            site_mailer.send(name, email, subject, body, headers=headers)
        notice.attempts += 1
        notice.sent_at = dt.datetime.utcnow()
        session.commit()
        return jobs.SENT
    except Exception as error:  # noqa: BLE001 - every failure is recorded, none is fatal
        session.rollback()
        message = f"{type(error).__name__}: {error}"[:2000]
        log.warning("Update notice %s not sent (it will be retried): %s", notice_id, message)
        session.execute(sa.update(UpdateNotice)
                        .where(UpdateNotice.id == notice_id, UpdateNotice.sent_at.is_(None))
                        .values(attempts=UpdateNotice.attempts + 1, last_error=message))
        session.commit()
        return jobs.FAILED


def _not_worth_sending(notice: UpdateNotice) -> tuple[str | None, dict[str, Any] | None,
                                                      updates.UpdateState | None]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    try:
        pkg = tk.get_action("package_show")({"user": site_user, "ignore_auth": True},
                                            {"id": notice.package_id})
    except tk.ObjectNotFound:
        return "the dataset is gone", None, None
    if pkg.get("state") != "active":
        return "the dataset is gone", None, None
    state = updates.update_state(pkg)
    if state.due != notice.due_date:
        return "updated since", None, None
    return None, pkg, state
