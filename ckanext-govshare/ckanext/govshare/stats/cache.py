"""Figures cached in Redis for a short while.

A figure is counted over the whole catalog (facets of the search index,
aggregates over applications and download receipts), which at 100,000
datasets and a million receipts costs tenths of a second; ``/stats`` and the
supervisor's dashboard show a dozen of them on every visit. A cached figure
is keyed by its name, its parameters, the day and the state it was
counted from, as far as it depends on it (``Figure.depends``):

* ``catalog``: the search index's generation (every write to the index
  bumps it, in the same transaction: a dataset created, changed,
  published, re-tiered or moved to another topic changes the key at once)
  and the latest publication event;
* ``catalog_shape``: what the catalog's counts read of each document, not
  when it was written: a fingerprint of the index's narrow rows (which
  documents, their state, capacity, type, permission labels and facet
  values: tier, agency, topics...), counted once per generation
  (:func:`shape`), with the organizations' and topics' names and titles
  and the latest publication event. A re-index that changes none of them
  (the popularity re-index after downloads, an edited description, the
  tick's) keeps the counts of the whole catalog, one pass over it each;
* ``applications``: the latest application event (every move of an
  application, sharing request, verification or error report writes one);
* ``data_requests``: the latest data request and the latest answer to one
  (an answer writes no event: ``answered_at``, read from its index);
* ``cases``: both;
* always the index's epoch, new when the index is emptied.

A figure of downloads depends on none of them: the catalog changing does
not make a million receipts worth counting again.

Downloads are counted again when an entry expires
(``ckanext.govshare.stats.cache_ttl``, 300 s): a download writes no event,
and counting one per download would make every key short-lived on a busy
portal. A month that has ended is kept longer (``ttl``): its downloads do
not change. The figures kept are language-neutral (codes, numbers, the
organizations' own titles); the page translates labels when it shows them.

Nobody waits for a count after a change (``ckanext.govshare.stats.stale_for``):
each figure's latest count is also kept under its name and parameters
alone (the day among them), for that many seconds. The first visit that finds
the figure out of date (its state moved, or its entry expired) is given that
latest count and starts counting again in a background thread of its
process once its page is made, one per figure at a time (a Redis lock); the
visits after it get the new count. A figure never counted, or last counted
longer ago than that, is counted by the visit that asks, as is a figure that
names datasets (``Figure.stale``), every figure outside a web request
(jobs), and in :func:`counting_now` (``ckan govshare stats count``, for cron:
it counts what is out of date ahead of the visits).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import threading
import time
from typing import Any, Callable, Iterator, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options

log = logging.getLogger(__name__)
PREFIX = "govshare:stats:"

#: what a figure may depend on, each read by one subquery; the index's
#: epoch (new when the index is emptied and rebuilt) is always read
_EVENTS = "coalesce((SELECT max(id) FROM govshare_application_event), 0)"
_DATA_REQUESTS = ("coalesce((SELECT max(created_at)::text FROM govshare_data_request), '')"
                  " || ':' || coalesce((SELECT max(answered_at)::text"
                  " FROM govshare_data_request), '')")
_PUBLICATION = "coalesce((SELECT max(id) FROM govshare_publication_event), 0)"
STATE = {
    "epoch": "(SELECT epoch::text FROM govshare_search_meta LIMIT 1)",
    "catalog": "(SELECT generation::text FROM govshare_search_meta LIMIT 1)"
               f" || ':' || {_PUBLICATION}",
    # the generation is turned into the documents' fingerprint (shape())
    "catalog_shape": "(SELECT generation::text FROM govshare_search_meta LIMIT 1)"
                     f" || ':' || {_PUBLICATION} || ':' || (SELECT coalesce(sum("
                     "hash_record_extended((g.id, g.name, g.title, g.state), 0)), 0)"
                     ' FROM "group" g)',
    "applications": _EVENTS,
    "data_requests": _DATA_REQUESTS,
    "cases": f"{_EVENTS} || ':' || {_DATA_REQUESTS}",
}
CATALOG, CATALOG_SHAPE, CASES = "catalog", "catalog_shape", "cases"
APPLICATIONS, DATA_REQUESTS = "applications", "data_requests"

#: the fingerprint of what each document of the index gives the catalog's
#: counts (one pass over the narrow table, 60-100 ms at 100,000 documents):
#: a sum of one 64-bit hash per document, each column hashed with its own
#: seed (one record hash of them all costs half again), so any document
#: added, removed or changed in these columns changes it; not ``doc_id``:
#: re-indexing a dataset writes its document anew
_SHAPE = sa.text("""
    SELECT count(*) || ':' || coalesce(sum(
        hashtextextended(d.index_id, 0) # hash_array_extended(d.facet_values, 1)
        # hash_array_extended(d.permission_labels, 2)
        # hashtextextended(coalesce(d.state, ''), 3)
        # hashtextextended(coalesce(d.capacity, ''), 4)
        # hashtextextended(coalesce(d.site_id, ''), 5)
        # hashtextextended(coalesce(d.entity_type, ''), 6)
        # hashtextextended(coalesce(d.dataset_type, ''), 7)), 0)
    FROM govshare_search_doc d""")
#: a generation's fingerprint does not change (every write moves the
#: generation): kept a day, and not among the figures :func:`forget` drops
SHAPE_TTL = 24 * 3600
SHAPE_PREFIX = "govshare:stats-shape:"


def shape(epoch: str, generation: str, count: bool = True) -> Optional[str]:
    """The fingerprint of the index's documents (:data:`_SHAPE`) at
    ``generation``, counted once per generation and kept in Redis (None
    when it is not counted yet and ``count`` is false)."""
    cache_key = f"{SHAPE_PREFIX}{epoch}:{generation}"
    known = _read(cache_key)
    if known and known is not UNAVAILABLE:
        return known.decode() if isinstance(known, bytes) else str(known)
    if not count:
        return None
    value = str(model.Session.execute(_SHAPE).scalar())
    _write(cache_key, value, SHAPE_TTL)
    return value


def version(depends: tuple[str, ...] = (CATALOG, CASES), count: bool = True) -> Optional[str]:
    """The state the figures are counted from (see the module docstring);
    None when it needs the catalog's fingerprint of a generation not
    fingerprinted yet and ``count`` is false."""
    parts = ["epoch", *(d for d in depends if d in STATE and d != "epoch")]
    row = model.Session.execute(sa.text(
        "SELECT " + ", ".join(f"({STATE[p]})::text" for p in parts))).one()
    values = ["" if value is None else str(value) for value in row]
    if CATALOG_SHAPE in parts:
        at = parts.index(CATALOG_SHAPE)
        generation, _, rest = values[at].partition(":")
        fingerprint = shape(values[0], generation, count)
        if fingerprint is None:
            return None
        values[at] = f"{fingerprint}:{rest}"
    return ":".join(values)


def key(name: str, params: dict[str, Any], state: str) -> str:
    payload = json.dumps([name, params, state], sort_keys=True, default=str)
    return PREFIX + hashlib.sha1(payload.encode()).hexdigest()


def redis() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


#: what :func:`_read` answers when Redis cannot be asked
UNAVAILABLE = object()


def _ask(method: str, *args: Any, failed: Any = None, **kwargs: Any) -> Any:
    """Redis's answer to ``method(*args, **kwargs)``, or ``failed`` when
    Redis cannot be asked (logged): a Redis outage costs speed, never
    answers."""
    try:
        return getattr(redis(), method)(*args, **kwargs)
    except Exception:
        log.warning("Statistics cache unavailable", exc_info=True)
        return failed


def _read(cache_key: str) -> Any:
    """The cached value, None, or :data:`UNAVAILABLE`."""
    return _ask("get", cache_key, failed=UNAVAILABLE)


def _write(cache_key: str, value: str, ttl: int) -> None:
    _ask("set", cache_key, value, ex=int(ttl))


def cached(name: str, params: dict[str, Any], compute: Callable[[], Any],
           depends: tuple[str, ...] = (CATALOG, CASES),
           ttl: Optional[int] = None, stale: bool = True) -> Any:
    """``compute()``, or what it gave for the same name, parameters and
    state (of what it ``depends`` on) within the TTL (the configured one, or
    ``ttl`` seconds when the cache is on); when that is out of date, in a
    web request and unless ``stale`` is false, the latest count of the same
    parameters (the same day) while a thread counts again (see the module
    docstring). A Redis outage costs speed, never answers."""
    if not tk.config.get(options.STATS_CACHE_TTL):
        return compute()
    ttl = ttl or tk.config.get(options.STATS_CACHE_TTL)
    stale_for = tk.config.get(options.STATS_STALE_FOR)
    may_wait = (stale and bool(stale_for) and _in_request()
                and not getattr(_local, "counting", False))
    # a new generation's fingerprint too is left to the background count
    state = version(depends, count=not may_wait)
    if state is not None:
        raw = _read(key(name, params, state))
        if raw is UNAVAILABLE:
            return compute()
        if raw:
            return json.loads(raw)
    # of the same day: what is overdue, and the months shown, change with it
    latest_key = key(name, params, "latest")
    if may_wait:
        latest = _read(latest_key)
        kept = json.loads(latest) if latest and latest is not UNAVAILABLE else None
        if isinstance(kept, dict) and "counted_at" in kept:
            if _claim(latest_key):
                _count_after_request(name, params, compute, depends, latest_key, ttl, stale_for)
            _shown_as_counted_at(kept["counted_at"])
            return kept["value"]
        if state is None:
            state = version(depends)
    return _count(key(name, params, str(state)), latest_key, compute, ttl, stale_for)


def _count(cache_key: str, latest_key: str, compute: Callable[[], Any], ttl: int,
           stale_for: int) -> Any:
    # the figures a count reads are counted, never taken out of date: what
    # is stored for this state is this state's
    with counting_now():
        value = compute()
    text = json.dumps(value, ensure_ascii=False, default=str)
    _write(cache_key, text, ttl)
    if stale_for:
        _keep_latest(latest_key, text, stale_for)
    return value


def _keep_latest(latest_key: str, text: str, stale_for: int) -> None:
    """Keep a count (JSON) as the figure's latest, with when it was current."""
    counted_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    _write(latest_key, '{"counted_at": "%s", "value": %s}' % (counted_at, text), stale_for)


def _shown_as_counted_at(counted_at: str) -> None:
    """Note that this request shows a figure as counted at ``counted_at``
    (:func:`shown_behind`)."""
    from flask import g

    earliest = g.get("govshare_stats_counted_at")
    g.govshare_stats_counted_at = min(earliest, counted_at) if earliest else counted_at


def shown_behind() -> Optional[dt.datetime]:
    """When the oldest figure this request shows as last counted was counted
    (UTC), or None when every figure it shows is current."""
    from flask import g

    counted_at = g.get("govshare_stats_counted_at") if _in_request() else None
    return dt.datetime.fromisoformat(counted_at) if counted_at else None


#: how long one process's background count of a figure may take before
#: another may start one (the lock's expiry)
REFRESH_LOCK_TTL = 120
_LOCK_SUFFIX = ":counting"
#: the background counts started by this process and not yet finished
_counting: list[threading.Thread] = []
#: ``counting``: this thread is counting a figure
_local = threading.local()


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _claim(latest_key: str) -> bool:
    """Whether this process is to count the figure again (no other is)."""
    return bool(_ask("set", latest_key + _LOCK_SUFFIX, "1", nx=True, ex=REFRESH_LOCK_TTL,
                     failed=False))


def _count_after_request(name: str, params: dict[str, Any], compute: Callable[[], Any],
                         depends: tuple[str, ...], latest_key: str, ttl: int,
                         stale_for: int) -> None:
    """Count the figure again once this request's page is made
    (:func:`start_counts`), so that the count does not slow it."""
    from flask import g

    def count() -> None:
        try:
            state = version(depends)
            cache_key = key(name, params, str(state))
            # counted meanwhile, or only re-indexed (the same fingerprint)
            raw = _read(cache_key)
            if raw and raw is not UNAVAILABLE:
                _keep_latest(latest_key, raw.decode() if isinstance(raw, bytes) else raw,
                             stale_for)
            else:
                _count(cache_key, latest_key, compute, ttl, stale_for)
        except Exception:
            log.exception("Counting a statistics figure again failed; the next"
                          " visit that finds it out of date tries again")
            try:
                model.Session.rollback()
            except Exception:
                model.Session.remove()
        finally:
            _ask("delete", latest_key + _LOCK_SUFFIX)

    g.setdefault("govshare_stats_counts", []).append(count)


def start_counts(_error: Optional[BaseException] = None) -> None:
    """Start the counts this request found due, one after the other in one
    thread (figures share what they read: the first counts the catalog's
    fingerprint, the next find it); a ``teardown_request`` function: the
    page is made by then."""
    from flask import current_app, g

    pending = g.pop("govshare_stats_counts", [])
    if not pending:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        started = time.monotonic()
        try:
            # a request context of its own: the actions the counts call read
            # the config and the user (none) from it
            with app.test_request_context():
                for count in pending:
                    count()
        finally:
            model.Session.remove()  # the thread's own session
        log.debug("%d statistics figures counted again in %.3f s", len(pending),
                  time.monotonic() - started)

    _counting[:] = [thread for thread in _counting if thread.is_alive()]
    thread = threading.Thread(target=run, name="govshare-stats-count", daemon=True)
    _counting.append(thread)
    thread.start()


@contextlib.contextmanager
def counting_now() -> Iterator[None]:
    """Figures asked for within are counted if out of date, not shown as
    they last were."""
    outer = getattr(_local, "counting", False)
    _local.counting = True
    try:
        yield
    finally:
        _local.counting = outer


def wait_for_counts(timeout: float = 60) -> None:
    """Wait until the background counts this process started have ended
    (for tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    for thread in list(_counting):
        thread.join(max(deadline - time.monotonic(), 0))
    _counting[:] = [thread for thread in _counting if thread.is_alive()]


def forget() -> int:
    """Drop every cached figure (the next visit counts each again); how many."""
    client = redis()
    keys = list(client.scan_iter(PREFIX + "*"))
    if keys:
        client.delete(*keys)
    return len(keys)
