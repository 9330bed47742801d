"""The message centre's rows: one per notice and recipient.

``govshare_user_notice`` (migration ``9a6d3f2c1b84``): what a user was told
in the site. The outboxes (``govshare_application_notice``, and later ones)
hold one row per notice and work out who it is for when the job handles it;
that job writes one row here per recipient user, so the message centre
never asks the rules again and a user who leaves an organization keeps what
they were told. ``source`` and ``source_id`` name the outbox row (unique per
recipient: a job run twice writes nothing twice); ``data`` keeps the values
the notice was written from, so it reads in the viewer's language.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk


class UserNotice(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_user_notice"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: e.g. ``application.approved``, ``application.reminder_5``
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: the outbox the notice came from, and its row there
    source: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    source_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    #: as written in the portal's default language (what the mail said)
    subject: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    body: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False, default="")
    #: the page the notice is about
    link: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    data: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)
    created_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)
    read_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
