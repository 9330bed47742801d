"""Facet and hit counts, and the first results of a query, cached in Redis.

Counting facets over many documents is the engine's costliest work, and
CKAN's ``/dataset`` page asks for the same five facets on every visit;
ranking every match of a common word comes next. A key is the SQL of the
whole filter (query, ``fq``, and so the caller's permission labels; for
results also the order) plus the index's epoch and generation, which every
write bumps in the same transaction: a change to the index makes every older
entry unreachable at once; the TTL only reclaims memory.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckanext.govshare import options

log = logging.getLogger(__name__)
PREFIX = "govshare:search:counts:"
#: how many of a query's first results are kept (Solr's queryResultWindowSize):
#: the first pages of 20 (CKAN's page) up to 100
RESULT_WINDOW = 100


def _redis():
    from ckan.lib.redis import connect_to_redis

    return connect_to_redis()


def key(epoch: str, generation: int, where: str, params: tuple[Any, ...],
        facets: list[str]) -> str:
    payload = json.dumps([epoch, generation, where, [str(p) for p in params], facets],
                         ensure_ascii=False)
    return PREFIX + hashlib.sha1(payload.encode()).hexdigest()


def enabled() -> bool:
    return bool(tk.config.get(options.SEARCH_FACET_CACHE_TTL))


def get(cache_key: str) -> dict[str, Any] | None:
    if not enabled():
        return None
    try:
        raw = _redis().get(cache_key)
    except Exception:  # a cache outage costs speed, never answers
        log.warning("Search count cache unavailable", exc_info=True)
        return None
    return json.loads(raw) if raw else None


def put(cache_key: str, value: dict[str, Any]) -> None:
    ttl = tk.config.get(options.SEARCH_FACET_CACHE_TTL)
    if not ttl:
        return
    try:
        _redis().set(cache_key, json.dumps(value, ensure_ascii=False), ex=int(ttl))
    except Exception:
        log.warning("Search count cache unavailable", exc_info=True)
