"""Publication states and their trail (migration ``a4c6e8f0b2d1``).

* ``govshare_publication``: one row per dataset, its state (:mod:`.workflow`)
  and its last submission and decision. A dataset without a row counts as a
  draft (fail safe: nothing is opened by accident).
* ``govshare_publication_event``: every step, append-only (a trigger refuses
  UPDATE and DELETE; the portal's role may only insert and read it:
  :data:`ckanext.govshare.audit.chain.AUDIT_TABLES`) and hash-chained, one
  chain per dataset: the database fills ``seq``, ``recorded_at``,
  ``prev_hash`` and ``hash`` in (migration ``f3a8c1d5b9e2``;
  :data:`ckanext.govshare.audit.chain.PUBLICATION`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.audit.model import HashChained


def utcnow() -> dt.datetime:
    return dt.datetime.utcnow()


class Publication(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_publication"

    package_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)
    owner_org: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    submitted_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    submitted_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    decided_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    decided_at: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)

    @classmethod
    def get(cls, package_id: str) -> Optional["Publication"]:
        return model.Session.get(cls, package_id)

    @classmethod
    def get_for_update(cls, package_id: str) -> Optional["Publication"]:
        return model.Session.query(cls).filter(cls.package_id == package_id) \
            .with_for_update().one_or_none()


class PublicationEvent(HashChained, tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_publication_event"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    owner_org: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    move: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    from_state: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    to_state: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    reason: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
    details: Mapped[Optional[dict[str, Any]]] = sa.Column(JSONB)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "package_id": self.package_id, "at": self.at.isoformat(),
                "actor_id": self.actor_id, "move": self.move,
                "from_state": self.from_state, "to_state": self.to_state,
                "reason": self.reason, "details": self.details or {}}


#: the table, for queries that join it (the tier policy's facts)
publication_table: sa.Table = Publication.__table__
