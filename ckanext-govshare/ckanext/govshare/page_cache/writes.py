"""The write version: moved after every committed write and index write.

A page kept for anonymous visitors is keyed by this version (:mod:`.pages`),
so a write anywhere (a dataset closed or withdrawn, a topic renamed, a
setting changed by the sysadmin) makes every kept page unreachable, not
stale. Two kinds of writes move it:

* **The database's**, decided per SQL statement on every SQLAlchemy engine
  of the process (CKAN's, the DataStore's): the ORM and Core SQL, from the
  web, the jobs worker and the commands alike; anything that is not plainly
  a read counts. The version moves *after* the commit, when the connection
  goes back to the pool (``Session.commit()`` returns it at once).
* **The search index's**, which pages are also made from (CKAN updates the
  index after its database commit in places, ``bulk_update_private``, and
  alone in a re-index): the embedded engine's after each of its write
  transactions commits (``search/client.py``: then searches see it); with
  Solr, after each dataset indexed or deleted with a commit, each index
  commit and each clearing (CKAN's ``PackageSearchIndex``; also when it
  fails: Solr may have applied it), and once more
  :data:`SOLR_VISIBLE_WITHIN` seconds later, when Solr's own soft commit has
  opened a searcher on it (CKAN's ``commit`` does not wait for one, and
  with ``ckan.search.solr_commit = false`` it never commits itself).

So a page rendered from an older state is only ever kept under an older
version, which nobody asks for once the new one is there.

The version fails closed: if Redis refuses to move it, the key is deleted,
and no page is served or kept while it is missing. It is made anew (from
the clock, so above every earlier value) by the next write or web process.
Should the writing process not reach Redis at all while the web processes
do, their kept pages live until their TTL.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import time
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy import event

from ckan.lib.redis import connect_to_redis

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


def _first_version() -> int:
    """Above any version an earlier key had (they count up from a clock)."""
    return time.time_ns()


def start() -> None:
    """Make the version if there is none (a new Redis, or one that refused
    to move it): kept pages are served from then on."""
    try:
        connect_to_redis().set(VERSION_KEY, _first_version(), nx=True)
    except Exception:
        log.warning("Page cache: no write version (pages are not kept)", exc_info=True)


def bump() -> None:
    """A new version: every page kept so far becomes unreachable."""
    try:
        pipe = connect_to_redis().pipeline()
        pipe.set(VERSION_KEY, _first_version(), nx=True)
        pipe.incr(VERSION_KEY)
        pipe.execute()
    except Exception:
        # fail closed: without the version no kept page is served (DEL is
        # allowed where a full Redis refuses INCR)
        log.error("Page cache: could not move the write version; dropping it",
                  exc_info=True)
        try:
            connect_to_redis().delete(VERSION_KEY)
        except Exception:  # Redis is gone: nothing is served from it either
            log.error("Page cache: could not drop the write version", exc_info=True)


def current(redis: Optional[Any] = None) -> Optional[bytes]:
    """The version now; None while there is none (Redis errors are the
    caller's)."""
    return (redis or connect_to_redis()).get(VERSION_KEY)


#: seconds after CKAN's call returns by which Solr shows a change to searches:
#: ``config/solr``'s ``autoSoftCommit`` (1 s), and the new searcher's opening
SOLR_VISIBLE_WITHIN = 3.0


_later_lock = threading.Lock()
#: when the pending later bump is due (monotonic), None when none is
_later_due: Optional[float] = None


def _bump_now_and_when_solr_shows_it() -> None:
    """Bump now, and once more when Solr shows the change; writes in quick
    succession share that later bump (each bumps now, which drops what was
    kept from before the one before it)."""
    global _later_due
    bump()
    with _later_lock:
        idle = _later_due is None
        _later_due = time.monotonic() + SOLR_VISIBLE_WITHIN
    if idle:
        # not a daemon: a command that ends sooner waits for it
        threading.Thread(target=_bump_when_due, name="page-cache-later-bump").start()


def _bump_when_due() -> None:
    global _later_due
    while True:
        with _later_lock:
            assert _later_due is not None
            wait = _later_due - time.monotonic()
            if wait <= 0:
                _later_due = None
                break
        time.sleep(wait)
    bump()


def _on_solr(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            deferred = name == "index_package" and (
                kwargs.get("defer_commit") or (len(args) > 1 and args[1]))
            from ckanext.govshare.search import backend

            if not deferred and not backend.is_installed():  # Solr answers
                _bump_now_and_when_solr_shows_it()
    return wrapper


def _watch_the_search_index() -> None:
    from ckan.lib.search.index import PackageSearchIndex

    from ckanext.govshare.search import client

    client.WRITTEN.append(bump)  # the embedded engine's committed writes
    for name in ("index_package", "delete_package", "commit", "clear"):
        setattr(PackageSearchIndex, name, _on_solr(name, getattr(PackageSearchIndex, name)))


def install() -> None:
    """Watch every engine's writes (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(sa.engine.Engine, "after_cursor_execute", _after_cursor_execute)
    event.listen(sa.engine.Engine, "commit", _commit)
    event.listen(sa.engine.Engine, "rollback", _rollback)
    event.listen(sa.pool.Pool, "checkin", _checkin)
    _watch_the_search_index()
    _installed = True
