"""Figures cached in Redis for a short while.

A figure is counted over the whole catalog (facets of the search index,
aggregates over applications and download receipts), which at 100,000
datasets and a million receipts costs tenths of a second; ``/stats`` and the
supervisor's dashboard show a dozen of them on every visit. A cached figure
is keyed by its name, its parameters and the state it was counted from:

* the search index's epoch and generation (every write to the index bumps
  it, in the same transaction: a dataset created, changed, published,
  re-tiered or moved to another topic changes every key at once);
* the latest application event (every move of an application, sharing
  request, verification, error report or data request writes one);
* the latest publication event.

Downloads are counted again when an entry expires
(``ckanext.govshare.stats.cache_ttl``, 300 s): a download writes no event,
and counting one per download would make every key short-lived on a busy
portal. The figures kept are language-neutral (codes, numbers, the
organizations' own titles); the page translates labels when it shows them.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Callable

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options

log = logging.getLogger(__name__)
PREFIX = "govshare:stats:"

_VERSION = sa.text("""
    SELECT (SELECT epoch::text || ':' || generation::text FROM govshare_search_meta LIMIT 1),
           (SELECT max(id) FROM govshare_application_event),
           (SELECT max(id) FROM govshare_publication_event)""")


def version() -> str:
    """The state the figures are counted from (see the module docstring)."""
    row = model.Session.execute(_VERSION).one()
    return ":".join("" if value is None else str(value) for value in row)


def key(name: str, params: dict[str, Any], state: str) -> str:
    payload = json.dumps([name, params, state], sort_keys=True, default=str)
    return PREFIX + hashlib.sha1(payload.encode()).hexdigest()


def _redis() -> Any:
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def cached(name: str, params: dict[str, Any], compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for the same name, parameters and state
    within the TTL. A Redis outage costs speed, never answers."""
    ttl = tk.config.get(options.STATS_CACHE_TTL)
    if not ttl:
        return compute()
    cache_key = key(name, params, version())
    try:
        raw = _redis().get(cache_key)
    except Exception:
        log.warning("Statistics cache unavailable", exc_info=True)
        return compute()
    if raw:
        return json.loads(raw)
    value = compute()
    try:
        _redis().set(cache_key, json.dumps(value, ensure_ascii=False, default=str),
                     ex=int(ttl))
    except Exception:
        log.warning("Statistics cache unavailable", exc_info=True)
    return value
