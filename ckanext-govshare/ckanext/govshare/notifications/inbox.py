"""The message centre's rules: delivering a notice to its recipients in the
site, counting and reading what a user was told.

An outbox (``applications/jobs.py`` today; objections and data requests
later) works out a notice's recipients with the rules its mail uses, then
calls :func:`deliver` with one :class:`Delivery` per recipient user. How a
notice reads comes from the outbox too (:func:`register`): it is written
again from its ``data`` in the viewer's language when shown, and what was
stored (the portal's default language) is the fallback.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Callable, Iterable, NamedTuple, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.notifications.model import UserNotice

log = logging.getLogger(__name__)


class Delivery(NamedTuple):
    """A notice for one recipient user."""
    user_id: str
    kind: str
    subject: str
    body: str
    link: Optional[str]
    data: Optional[dict[str, Any]]


class Text(NamedTuple):
    subject: str
    body: str
    #: the words of the button to what the notice is about (None: the page's own)
    open_label: Optional[str] = None


#: source -> how its notices read in the current language
Renderer = Callable[[UserNotice], Text]
_renderers: dict[str, Renderer] = {}


def register(source: str, renderer: Renderer) -> None:
    """Say how the notices of ``source`` read (in the request's language)."""
    _renderers[source] = renderer


def deliver(source: str, source_id: Any, deliveries: Iterable[Delivery],
            created_at: dt.datetime) -> int:
    """Write one notice per recipient in the current transaction (a recipient
    already told of ``source_id`` is skipped); how many were written."""
    rows = [{"user_id": d.user_id, "kind": d.kind, "source": source,
             "source_id": str(source_id), "subject": d.subject, "body": d.body,
             "link": d.link, "data": d.data, "created_at": created_at}
            for d in {d.user_id: d for d in deliveries}.values()]
    if not rows:
        return 0
    statement = (pg_insert(UserNotice.__table__).values(rows)
                 .on_conflict_do_nothing(constraint="govshare_user_notice_once"))
    return int(model.Session.execute(statement).rowcount or 0)


def unread_count(user_id: str) -> int:
    """The user's unread notices (one COUNT on a partial index)."""
    return int(model.Session.execute(
        sa.select(sa.func.count()).select_from(UserNotice).where(
            UserNotice.user_id == user_id, UserNotice.read_at.is_(None))).scalar() or 0)


def text_of(notice: UserNotice) -> Text:
    """Subject and body in the request's language; as stored when the
    source cannot write them again."""
    renderer = _renderers.get(notice.source)
    if renderer is not None and notice.data:
        try:
            return renderer(notice)
        except Exception:  # noqa: BLE001 - what was stored still says it
            log.exception("Could not render notice %s again; showing it as stored",
                          notice.id)
    return Text(notice.subject, notice.body)


def as_dict(notice: UserNotice, with_body: bool = False) -> dict[str, Any]:
    text = text_of(notice)
    found: dict[str, Any] = {
        "id": notice.id, "kind": notice.kind, "source": notice.source,
        "subject": text.subject, "link": notice.link, "open_label": text.open_label,
        "created_at": notice.created_at.isoformat(),
        "read_at": notice.read_at.isoformat() if notice.read_at else None,
        "unread": notice.read_at is None,
    }
    if with_body:
        found["body"] = text.body
    return found


def mark_read(user_id: str, notice_id: Optional[int] = None) -> int:
    """Mark one of the user's notices read, or all of them (``notice_id``
    None); how many changed. Does not commit."""
    statement = sa.update(UserNotice).where(
        UserNotice.user_id == user_id, UserNotice.read_at.is_(None))
    if notice_id is not None:
        statement = statement.where(UserNotice.id == notice_id)
    result = model.Session.execute(statement.values(read_at=dt.datetime.utcnow()))
    return int(result.rowcount or 0)


def header_count() -> int:
    """The header's unread count for the logged-in user, once per request."""
    user = tk.current_user
    if not (user and user.is_authenticated):
        return 0
    cached = tk.g.get("govshare_unread_notices")
    if cached is None:
        cached = unread_count(user.id)
        tk.g.govshare_unread_notices = cached
    return cached
