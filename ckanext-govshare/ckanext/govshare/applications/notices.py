"""Notifications: written to the outbox in the step's own transaction, sent
after the commit by a CKAN background job (queue ``govshare``).

This module is the outbox side; :mod:`.jobs` sends.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable, Optional

import ckan.model as model

from ckanext.govshare.applications.model import Application, Notice, utcnow

log = logging.getLogger(__name__)

# kinds, and who receives them (see jobs.recipients)
NEW = "new"                          # reviewers
RESUBMITTED = "resubmitted"          # reviewers
REMINDER = "reminder"                # reviewers; due_date + days in the kind: reminder_5
OVERDUE = "overdue"                  # org admins and sysadmins
APPROVED = "approved"                # applicant
REJECTED = "rejected"                # applicant
SUPPLEMENT_REQUESTED = "supplement_requested"  # applicant
EXTENDED = "extended"                # applicant
EXPIRED = "expired"                  # applicant
REVOKED = "revoked"                  # applicant


def queue(application: Application, kind: str,
          due_date: Optional[dt.date] = None) -> Notice:
    """Add a notice about ``application`` to the outbox (current transaction)."""
    notice = Notice(application_id=application.id, kind=kind, due_date=due_date,
                    created_at=utcnow(), attempts=0)
    model.Session.add(notice)
    return notice


def dispatch(notice_ids: Iterable[int]) -> None:
    """Hand committed notices to the background worker. Never raises: a notice
    that cannot be queued now stays unsent in the outbox, and the next
    ``ckan govshare applications tick`` queues it again."""
    ids = [i for i in notice_ids if i is not None]
    if not ids:
        return
    try:
        from ckanext.govshare.applications import jobs
        jobs.enqueue(ids)
    except Exception:  # Redis down: the outbox keeps them
        log.exception("Could not queue notices %s; the tick will retry", ids)
