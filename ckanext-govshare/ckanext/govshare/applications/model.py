"""Applications, their events, grants and the notification outbox.

Tables (migration ``c3f1a9d2e5b7``, ``ckan db upgrade -p govshare``):

* ``govshare_application``: one application for one conditional dataset
  (all or some of its resources), its current state and due date; ``kind``
  (migration ``a5c8e2f1d7b3``) says whether it is the public's application,
  another agency's sharing request or its verification request;
* ``govshare_application_event``: every step, append-only: the database
  refuses UPDATE and DELETE on it (a trigger), and the portal's role may only
  insert and read it; each event carries the hash of the one before it in
  its application's chain (migration ``e7b2d9c4a6f1``; the database fills
  ``seq``, ``recorded_at``, ``prev_hash`` and ``hash`` in, and appends an
  event whenever a grant is issued or changes; see :mod:`ckanext.govshare.audit`);
* ``govshare_grant``: what an approval gives: user, dataset, resources,
  valid from/until; ``state`` is ``awaiting_acceptance`` until the applicant
  accepts the terms (where the profile requires it, migration
  ``6b2e4d8f0a13``), ``active``, and turns ``revoked``/``expired`` when it
  ends (:mod:`.grants` decides when a grant opens files); a grant belongs to
  an application or (migration ``c2a9e5d7f3b1``) to a data request whose
  answer opened a closed entry to the requester as an interested party
  (:mod:`ckanext.govshare.data_requests.parties`);
* ``govshare_application_notice``: the mail outbox; a notice is written in the
  same transaction as the step it tells of and sent by a background job, so a
  failed send never loses or blocks the step and is retried; the same job
  delivers it in the site's message centre first (``delivered_at``); a
  notice is about an application or (migration ``c2a9e5d7f3b1``) a data
  request's due date.

Dataset, organization and user ids are plain columns (no foreign keys into
CKAN's tables).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

from ckanext.govshare.audit.model import HashChained


def utcnow() -> dt.datetime:
    """Now, as the naive UTC timestamp CKAN stores."""
    return dt.datetime.utcnow()


class Application(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_application"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    #: the procedure: ``open`` (the public's application), ``sharing``
    #: (another agency's request, 共享申请) or ``verification`` (数据校核);
    #: see :mod:`.kinds`
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="open",
                                  server_default="open")
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    owner_org: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: the organization an agency's request is made for (``sharing``,
    #: ``verification``)
    requesting_org: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    #: empty: every resource of the dataset
    resource_ids: Mapped[list[str]] = sa.Column(ARRAY(sa.UnicodeText), nullable=False,
                                                default=list)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)

    purpose: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    use_scenario: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    requested_fields: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="")
    #: None for a verification request (no term of use)
    requested_term_months: Mapped[Optional[int]] = sa.Column(sa.Integer)
    applicant_type: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    applicant_name: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    credit_code: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    contact_email: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    contact_phone: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    terms_accepted_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)

    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    created_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: the latest (re)submission: the clock starts here
    submitted_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)
    due_date: Mapped[Optional[dt.date]] = sa.Column(sa.Date)
    due_date_provisional: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=False)
    extension_days: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)
    decided_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    decided_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    #: working days from the last submission to the answer (for the report)
    answer_working_days: Mapped[Optional[int]] = sa.Column(sa.Integer)
    answered_late: Mapped[Optional[bool]] = sa.Column(sa.Boolean)
    #: working days from the first submission to the answer: the whole wait,
    #: supplement rounds included (for the report)
    wait_working_days: Mapped[Optional[int]] = sa.Column(sa.Integer)
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    basis: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    terms: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)
    #: a verification's answer: the correction made (migration ``c9e4b1a7f2d5``)
    correction: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    #: an error report's kind of problem (migration ``f6d2a8c4e1b9``; its
    #: description is ``purpose``), and its file: stored name, original
    #: name, size, type (:mod:`ckanext.govshare.error_reports`)
    problem: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    attachment: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)
    modified_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    @classmethod
    def get(cls, reference: Optional[str]) -> Optional["Application"]:
        if not reference:
            return None
        return model.Session.get(cls, reference)

    @classmethod
    def get_for_update(cls, reference: str) -> Optional["Application"]:
        """The application, its row locked until the transaction ends, so
        that of two concurrent decisions the second sees the first."""
        return (model.Session.query(cls).filter(cls.id == reference)
                .with_for_update().populate_existing().one_or_none())


class ApplicationEvent(HashChained, tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_application_event"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: None: the system (the tick)
    actor_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    move: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    from_state: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    to_state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    basis: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    terms: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)
    #: e.g. the due date set by the step
    details: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)


class Grant(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_grant"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    #: the application approved, or (exactly one of the two) the data request
    #: answered
    application_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText, unique=True)
    data_request_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText, unique=True)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    owner_org: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: empty: every resource of the dataset
    resource_ids: Mapped[list[str]] = sa.Column(ARRAY(sa.UnicodeText), nullable=False,
                                                default=list)
    valid_from: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)
    valid_until: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="active")
    ended_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    ended_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    end_reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)

    @classmethod
    def get(cls, reference: Optional[str]) -> Optional["Grant"]:
        if not reference:
            return None
        return model.Session.get(cls, reference)


class Notice(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_application_notice"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    #: what the notice is about: an application, or (exactly one of the two)
    #: a data request
    application_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    data_request_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: the due date a reminder or overdue notice is about (one notice each)
    due_date: Mapped[Optional[dt.date]] = sa.Column(sa.Date)
    created_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)
    last_error: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    #: when the job delivered it in the site (:mod:`ckanext.govshare.notifications`)
    delivered_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
