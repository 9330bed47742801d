"""The columns of an audit trail's event that the database fills in: one
definition for every chained trail (:data:`.chain.TRAILS`)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped


class HashChained:
    """Mixin of a chained event table. The chaining trigger
    (``govshare_event_chain``) sets these on INSERT, whatever Python gives:
    the event's place in its chain, when the row was written, the hash of
    the event before and the event's own hash."""

    seq: Mapped[int] = sa.Column(sa.Integer, server_default=sa.FetchedValue())
    recorded_at: Mapped[dt.datetime] = sa.Column(sa.DateTime,
                                                 server_default=sa.FetchedValue())
    prev_hash: Mapped[Optional[str]] = sa.Column(sa.UnicodeText,
                                                 server_default=sa.FetchedValue())
    hash: Mapped[str] = sa.Column(sa.UnicodeText, server_default=sa.FetchedValue())
