"""Notifications: written to the outbox in the step's own transaction, sent
after the commit by a CKAN background job (queue ``govshare``).

This module is the outbox side: the kinds of notice and who each kind is
for. :mod:`.jobs` hands committed notices to the worker and sends them,
:mod:`.mail` writes the mails, :mod:`.tick` writes the reminders, the overdue
and expiry notices and queues again what could not be sent.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Union

import ckan.model as model

from ckanext.govshare.applications.model import Application, Notice, utcnow
from ckanext.govshare.data_requests.model import DataRequest

# kinds, and who receives them (see :func:`audience`); a data request's
# notices are some of the same kinds (reminder_N, overdue; granted, revoked,
# expired for its requester), told in the request's words
# (:mod:`ckanext.govshare.data_requests.notices`)
NEW = "new"                          # reviewers
RESUBMITTED = "resubmitted"          # reviewers
REMINDER = "reminder"                # reviewers; due_date + days in the kind: reminder_5
OVERDUE = "overdue"                  # org admins and sysadmins
APPROVED = "approved"                # applicant
REJECTED = "rejected"                # applicant
SUPPLEMENT_REQUESTED = "supplement_requested"  # applicant
EXTENDED = "extended"                # applicant
EXPIRED = "expired"                  # applicant (a data request's requester too)
REVOKED = "revoked"                  # applicant (a data request's requester too)
VERIFIED = "verified"                # applicant: a verification's result (an error report's too)
FORWARDED = "forwarded"              # applicant: an error report went to another organization
PERSONAL_DATA = "personal_data"      # org admins and sysadmins: personal data reported exposed
GRANTED = "granted"                  # applicant: a data request's answer opened a closed
                                     # dataset to the requester (an interested party)
ANSWERED = "answered"                # applicant: a data request's other answers

#: audiences
REVIEWERS = "reviewers"              # admins and editors of the owning organization
ESCALATION = "escalation"            # its admins and every sysadmin
APPLICANT = "applicant"              # the application's contact email (a data
                                     # request's requester: their account's)

_AUDIENCES = {
    NEW: REVIEWERS, RESUBMITTED: REVIEWERS, REMINDER: REVIEWERS,
    OVERDUE: ESCALATION,
    APPROVED: APPLICANT, REJECTED: APPLICANT, SUPPLEMENT_REQUESTED: APPLICANT,
    EXTENDED: APPLICANT, EXPIRED: APPLICANT, REVOKED: APPLICANT, VERIFIED: APPLICANT,
    FORWARDED: APPLICANT, PERSONAL_DATA: ESCALATION, GRANTED: APPLICANT,
    ANSWERED: APPLICANT,
}


def reminder_kind(days: int) -> str:
    """The kind of the reminder sent ``days`` working days before the due
    date: ``reminder_5``."""
    return f"{REMINDER}_{int(days)}"


def base_kind(kind: str) -> str:
    """``reminder_5`` → ``reminder``; every other kind is its own."""
    return REMINDER if kind.startswith(REMINDER + "_") else kind


def audience(kind: str) -> str:
    """Who a notice of ``kind`` is for: :data:`REVIEWERS`,
    :data:`ESCALATION` or :data:`APPLICANT`."""
    try:
        return _AUDIENCES[base_kind(kind)]
    except KeyError:
        raise ValueError(f"unknown notice kind: {kind!r}") from None


def queue(case: Union[Application, DataRequest], kind: str,
          due_date: Optional[dt.date] = None) -> Notice:
    """Add a notice about ``case`` (an application, or a data request) to
    the outbox (current transaction)."""
    owner = ({"data_request_id": case.id} if isinstance(case, DataRequest)
             else {"application_id": case.id})
    notice = Notice(**owner, kind=kind, due_date=due_date, created_at=utcnow(), attempts=0)
    model.Session.add(notice)
    return notice
