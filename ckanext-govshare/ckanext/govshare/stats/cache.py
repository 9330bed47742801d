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
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable, Optional

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


def shape(epoch: str, generation: str) -> str:
    """The fingerprint of the index's documents (:data:`_SHAPE`) at
    ``generation``, counted once per generation and kept in Redis."""
    cache_key = f"{SHAPE_PREFIX}{epoch}:{generation}"
    known = _read(cache_key)
    if known and known is not UNAVAILABLE:
        return known.decode() if isinstance(known, bytes) else str(known)
    value = str(model.Session.execute(_SHAPE).scalar())
    _write(cache_key, value, SHAPE_TTL)
    return value


def version(depends: tuple[str, ...] = (CATALOG, CASES)) -> str:
    """The state the figures are counted from (see the module docstring)."""
    parts = ["epoch", *(d for d in depends if d in STATE and d != "epoch")]
    row = model.Session.execute(sa.text(
        "SELECT " + ", ".join(f"({STATE[p]})::text" for p in parts))).one()
    values = ["" if value is None else str(value) for value in row]
    if CATALOG_SHAPE in parts:
        at = parts.index(CATALOG_SHAPE)
        generation, _, rest = values[at].partition(":")
        values[at] = f"{shape(values[0], generation)}:{rest}"
    return ":".join(values)


def key(name: str, params: dict[str, Any], state: str) -> str:
    payload = json.dumps([name, params, state], sort_keys=True, default=str)
    return PREFIX + hashlib.sha1(payload.encode()).hexdigest()


def redis() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


#: what :func:`_read` answers when Redis cannot be asked
UNAVAILABLE = object()


def _read(cache_key: str) -> Any:
    """The cached value, None, or :data:`UNAVAILABLE` (logged): a Redis
    outage costs speed, never answers."""
    try:
        return redis().get(cache_key)
    except Exception:
        log.warning("Statistics cache unavailable", exc_info=True)
        return UNAVAILABLE


def _write(cache_key: str, value: str, ttl: int) -> None:
    try:
        redis().set(cache_key, value, ex=int(ttl))
    except Exception:
        log.warning("Statistics cache unavailable", exc_info=True)


def cached(name: str, params: dict[str, Any], compute: Callable[[], Any],
           depends: tuple[str, ...] = (CATALOG, CASES),
           ttl: Optional[int] = None) -> Any:
    """``compute()``, or what it gave for the same name, parameters and
    state (of what it ``depends`` on) within the TTL (the configured one, or
    ``ttl`` seconds when the cache is on). A Redis outage costs speed, never
    answers."""
    if not tk.config.get(options.STATS_CACHE_TTL):
        return compute()
    ttl = ttl or tk.config.get(options.STATS_CACHE_TTL)
    cache_key = key(name, params, version(depends))
    raw = _read(cache_key)
    if raw is UNAVAILABLE:
        return compute()
    if raw:
        return json.loads(raw)
    value = compute()
    _write(cache_key, json.dumps(value, ensure_ascii=False, default=str), ttl)
    return value


def forget() -> int:
    """Drop every cached figure (the next visit counts each again); how many."""
    client = redis()
    keys = list(client.scan_iter(PREFIX + "*"))
    if keys:
        client.delete(*keys)
    return len(keys)
