"""Catalog change events: the table ``govshare_catalog_change``.

A change to a dataset's legal basis, to the agency's duties or to its system
obliges the agency to update the catalog entry within 15 working days,
counted from the day the change occurred (``occurred_on``, which may be
before the day it was recorded). Each recorded change stays *open* until
it is answered: by marking the entry reviewed, or by an editor's update
of the dataset (see ``hooks``).
Created by the migration ``4053a769ffe3``; ``occurred_on`` and the kind
``other`` by ``5b8e1c2d7a90`` (``ckan govshare db upgrade``).
"""
from __future__ import annotations

import datetime
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.model.types import make_uuid

#: The kinds of change the rules name, in display order, and ``other``.
KINDS = ("legal_basis", "duties", "system", "other")


class CatalogChange(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_catalog_change"

    id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True, default=make_uuid)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    description: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    recorded_by: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    recorded_at: Mapped[datetime.datetime] = sa.Column(
        sa.DateTime, nullable=False, default=datetime.datetime.utcnow)
    #: the day (in China) the change took effect: the deadline counts from it
    occurred_on: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)
    answered_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)
    answered_by: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def dictize(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "package_id": self.package_id,
            "kind": self.kind,
            "description": self.description,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
            "occurred_on": self.occurred_on.isoformat(),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "answered_by": self.answered_by,
            "open": self.is_open,
        }

    # --- queries
    @classmethod
    def query(cls) -> Any:
        return model.Session.query(cls)

    @classmethod
    def for_packages(cls, package_ids: Iterable[str], *, open_only: bool = False) -> list[
            "CatalogChange"]:
        ids = list(package_ids)
        if not ids:
            return []
        q = cls.query().filter(cls.package_id.in_(ids))
        if open_only:
            q = q.filter(cls.answered_at.is_(None))
        return q.order_by(cls.recorded_at, cls.id).all()

    @classmethod
    def answer_open(cls, package_id: str, user_id: str,
                    when: datetime.datetime | None = None) -> int:
        """Answer every open change of a dataset (in the current transaction);
        returns how many were open."""
        return cls.query().filter(
            cls.package_id == package_id, cls.answered_at.is_(None),
        ).update({"answered_at": when or datetime.datetime.utcnow(),
                  "answered_by": user_id}, synchronize_session=False)


class UpdateNotice(tk.BaseModel):  # type: ignore[misc, valid-type]
    """A mail about a catalog entry's update deadline, in the outbox until
    sent: a ``reminder`` to the entry's contact before the due date, an
    ``overdue`` notice to the organization's admins after it. One of each
    kind per entry and due date (a unique index), so the tick may run as
    often as it likes. Created by the migration ``b2d4f6a8c0e3``."""
    __tablename__ = "govshare_catalog_update_notice"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    kind: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    due_date: Mapped[datetime.date] = sa.Column(sa.Date, nullable=False)
    created_at: Mapped[datetime.datetime] = sa.Column(
        sa.DateTime, nullable=False, default=datetime.datetime.utcnow)
    sent_at: Mapped[Optional[datetime.datetime]] = sa.Column(sa.DateTime)
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0)
    last_error: Mapped[Optional[str]] = sa.Column(sa.UnicodeText)
