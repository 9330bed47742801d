"""The database's write version: bumped after every committed write.

A page kept for anonymous visitors is keyed by this version (:mod:`.pages`),
so a write anywhere (a dataset closed or withdrawn, a topic renamed, a
setting changed by the sysadmin) makes every kept page unreachable, not
stale. What counts as a write is decided per SQL statement on every
SQLAlchemy engine of the process (CKAN's, the DataStore's), so the ORM,
Core SQL and the search index's own statements are all seen, from the web,
the jobs worker and the CLI alike; anything that is not plainly a read
counts.

The version moves *after* the commit: when the connection goes back to
the pool (CKAN returns it at the end of each request, job and command). A
page rendered from the old state is therefore only ever kept under the
old version, which nobody asks for once the new one is there.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger(__name__)

VERSION_KEY = "govshare:pages:version"
#: the statements that only read, by their first word; anything else writes
_READS = ("SELECT", "SHOW", "SET", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK",
          "BEGIN", "COMMIT", "VALUES", "DECLARE", "FETCH", "CLOSE", "RESET", "LISTEN",
          "PRAGMA")
#: a ``WITH`` query writes when one of its parts does
_WRITING_PART = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_WROTE = "govshare_pages_wrote"
_COMMITTED = "govshare_pages_committed"

_installed = False


def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def writes(statement: str) -> bool:
    """Whether a SQL statement may change what a page shows."""
    head = statement.lstrip(" \t\r\n(").split(None, 1)
    first = head[0].upper() if head else ""
    if first == "WITH":
        return bool(_WRITING_PART.search(statement))
    return first not in _READS


def _after_cursor_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not conn.info.get(_WROTE) and writes(statement):
        conn.info[_WROTE] = True


def _commit(conn: Any) -> None:
    if conn.info.pop(_WROTE, False):
        conn.info[_COMMITTED] = True


def _rollback(conn: Any) -> None:
    conn.info.pop(_WROTE, None)


def _checkin(_dbapi_connection: Any, record: Any) -> None:
    info = record.info
    info.pop(_WROTE, None)  # not committed: the pool rolls it back
    if info.pop(_COMMITTED, False):
        bump()


def bump() -> None:
    """A new version: every page kept so far becomes unreachable."""
    try:
        _redis().incr(VERSION_KEY)
    except Exception:  # pages then live until their TTL, as without the cache
        log.warning("Page cache: could not move the write version", exc_info=True)


def current(redis: Optional[Any] = None) -> bytes:
    """The version now (Redis errors are the caller's)."""
    return (redis or _redis()).get(VERSION_KEY) or b"0"


def install() -> None:
    """Watch every engine's writes (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(sa.engine.Engine, "after_cursor_execute", _after_cursor_execute)
    event.listen(sa.engine.Engine, "commit", _commit)
    event.listen(sa.engine.Engine, "rollback", _rollback)
    event.listen(sa.pool.Pool, "checkin", _checkin)
    _installed = True
