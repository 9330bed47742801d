"""A dataset's download count for its page, without counting a million
receipts on every visit.

The receipts table has no index on the dataset (only on the user and the
user's datasets), so counting one dataset's receipts reads them all (about
170 ms at a million). Instead every dataset's total (receipts and anonymous
day counts) is counted in one pass and kept in a Redis hash, one field per
dataset, for ``ckanext.govshare.stats.cache_ttl`` seconds: a page reads its
field (HGET). When the hash is due, the first request to take a short lock
counts again (about 0.7 s at a million receipts) and swaps the new hash in
at once; the others keep reading the old one meanwhile. Without Redis or
with the cache off, the one dataset is counted from the tables.

Keyed by the search index's epoch (new when the database is emptied), so a
hash never outlives the data it was counted from.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.stats import cache

log = logging.getLogger(__name__)

_ALL = sa.text("""
    SELECT package_id, sum(n) FROM (
        SELECT package_id, count(*) AS n FROM govshare_download_receipt GROUP BY package_id
        UNION ALL
        SELECT package_id, sum(count) FROM govshare_download_count GROUP BY package_id
    ) AS per_table GROUP BY package_id""")
_ONE = sa.text("""
    SELECT (SELECT count(*) FROM govshare_download_receipt WHERE package_id = :id)
         + (SELECT coalesce(sum(count), 0) FROM govshare_download_count
            WHERE package_id = :id)""")
#: seconds a recount may take before another request may try
_LOCK_SECONDS = 120


def count_one(package_id: str) -> int:
    return int(model.Session.execute(_ONE, {"id": package_id}).scalar() or 0)


def _refresh(redis, key: str, ttl: int) -> None:
    totals = model.Session.execute(_ALL).all()
    staging = key + ":new"
    pipe = redis.pipeline()
    pipe.delete(staging)
    # a marker field, so that a hash of a catalog without downloads exists
    pipe.hset(staging, "", 0)
    for start in range(0, len(totals), 10_000):
        pipe.hset(staging, mapping={pid: int(n) for pid, n in totals[start:start + 10_000]})
    pipe.rename(staging, key)
    pipe.expire(key, ttl * 4)
    pipe.set(key + ":fresh", 1, ex=ttl)
    pipe.execute()


def download_total(package_id: str) -> int:
    """How often the dataset's files were downloaded (receipts and anonymous counts)."""
    ttl = tk.config.get(options.STATS_CACHE_TTL)
    if not ttl:
        return count_one(package_id)
    try:
        redis = cache.redis()
        key = cache.PREFIX + "downloads:" + cache.version(())
        if not redis.exists(key + ":fresh") and redis.set(
                key + ":lock", 1, nx=True, ex=_LOCK_SECONDS):
            try:
                _refresh(redis, key, int(ttl))
            finally:
                redis.delete(key + ":lock")
        value = redis.hget(key, package_id)
        if value is not None:
            return int(value)
        if redis.exists(key):
            return 0
    except Exception:
        log.warning("Download counts cache unavailable", exc_info=True)
    return count_one(package_id)
