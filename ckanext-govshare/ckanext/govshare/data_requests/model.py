"""Data requests and their support (migration ``b7e3d1f9a2c6``).

* ``govshare_data_request``: one request, its answer (``outcome``, ``reason``,
  ``basis``, ``package_id``, ``open_by``) and ``support_count``, kept with
  the votes in their transaction;
* ``govshare_data_request_support``: one row per supporter, its primary key
  (request, user) the one-vote rule, concurrency included.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

from ckanext.govshare.applications.model import utcnow

SUBMITTED, ANSWERED = "submitted", "answered"
STATES = (SUBMITTED, ANSWERED)


class DataRequest(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_data_request"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    title: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    description: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    purpose: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: the agency asked, if the requester knows it (None: the portal's operators)
    owner_org: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default=SUBMITTED)
    created_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    due_date: Mapped[Optional[dt.date]] = sa.Column(sa.Date)
    due_date_provisional: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=False)
    support_count: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)
    outcome: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    basis: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    package_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    open_by: Mapped[Optional[dt.date]] = sa.Column(sa.Date)
    answered_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    answered_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    answered_late: Mapped[Optional[bool]] = sa.Column(sa.Boolean)

    @classmethod
    def get(cls, reference: Optional[str]) -> Optional["DataRequest"]:
        if not reference:
            return None
        return model.Session.get(cls, reference)


class Support(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_data_request_support"

    request_id: Mapped[str] = sa.Column(sa.UnicodeText, sa.ForeignKey(
        "govshare_data_request.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)
    created_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
