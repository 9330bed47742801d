"""Posting bitmaps: the counts and facets of broad searches on a large index.

A word found in a third of a million datasets made PostgreSQL read and
aggregate the facet values of every matching row (1.5 s); intersecting
roaring bitmaps of ``doc_id``s gives the same counts in milliseconds
(figures and design: docs/search-at-a-million.md).

The bitmaps are a cache, never a second truth. Each is stored in
``govshare_search_posting`` with the index generation it was computed at,
and is exact for every document not changed since: every write records the
documents it changed in ``govshare_search_change`` with the generation it
moved the index to, and writers are serialised on ``govshare_search_meta``,
so a snapshot that sees generation G sees every change up to G and none
after. A search, in one REPEATABLE READ snapshot, takes the postings its
condition needs (computing a missing one from the GIN indexes), removes
from their answer the documents changed since the oldest of them, and
counts those few documents with SQL (:mod:`.client`). Past
``ckanext.govshare.search.postings_refresh_after`` changed documents it
brings the postings it read up to date from them and stores them again;
changes older than every stored posting are then forgotten
(``postings_horizon``: a posting older than it is computed again).
"""
from __future__ import annotations

import collections
import logging
import struct
import threading
from typing import Any, Callable, Iterable

from psycopg2.extras import execute_values
from pyroaring import BitMap

import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.search import fields as kinds
from ckanext.govshare.search.query import PLAN_COLUMNS

log = logging.getLogger(__name__)

#: changed documents past which a posting is computed again from the
#: indexes rather than brought up to date document by document (the
#: thresholds an operator may tune are options: ``refresh_after``,
#: ``keep_generations``)
RECOMPUTE_AFTER = 50_000
#: bytes of postings a process keeps (a broad word's bitmap is 40-130 kB at
#: a million datasets, the tags' values some megabytes)
CACHE_BYTES = 64 * 1024 * 1024

ALL = "*"


class Posting:
    """One key's documents at a generation: a bitmap, or for a grouped key
    (:func:`grouped`) a bitmap per value."""

    __slots__ = ("generation", "bits", "values", "size", "by_bucket")

    def __init__(self, generation: int, bits: BitMap | None = None,
                 values: dict[str, BitMap] | None = None, size: int = 0) -> None:
        self.generation = generation
        self.bits = bits
        self.values = values
        self.size = size  # bytes serialized, once known
        self.by_bucket: dict[int, BitMap] | None = None  # of a lexeme's groups

    def serialize(self) -> bytes:
        if self.values is None:
            data = self.bits.serialize()
        else:
            parts = []
            for value, bits in sorted(self.values.items()):
                encoded, serialized = value.encode(), bits.serialize()
                parts.append(struct.pack("<II", len(encoded), len(serialized))
                             + encoded + serialized)
            data = b"".join(parts)
        self.size = len(data)
        return data

    @classmethod
    def load(cls, key: str, generation: int, data: bytes) -> "Posting":
        if not grouped(key):
            return cls(generation, BitMap.deserialize(data), size=len(data))
        values, offset = {}, 0
        while offset < len(data):
            size, length = struct.unpack_from("<II", data, offset)
            offset += 8
            value = data[offset:offset + size].decode()
            offset += size
            values[value] = BitMap.deserialize(data[offset:offset + length])
            offset += length
        return cls(generation, values=values, size=len(data))


def grouped(key: str) -> bool:
    """A facet field's values (``F:<field>``), a lexeme's score groups
    (``r:<lexeme>``) and a listing order's chunks (``o:<order>``) are a
    bitmap per value."""
    return key.startswith(("F:", "r:", "o:"))


class _Cache:
    """The newest posting of each key this process has seen, least recently
    used dropped first."""

    def __init__(self) -> None:
        self.items: collections.OrderedDict[str, Posting] = collections.OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> Posting | None:
        with self.lock:
            posting = self.items.get(key)
            if posting is not None:
                self.items.move_to_end(key)
            return posting

    def put(self, key: str, posting: Posting) -> None:
        with self.lock:
            known = self.items.get(key)
            if known is None or known.generation < posting.generation:
                self.bytes += posting.size - (known.size if known else 0)
                self.items[key] = posting
            self.items.move_to_end(key)
            while self.bytes > CACHE_BYTES and len(self.items) > 1:
                self.bytes -= self.items.popitem(last=False)[1].size

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = 0


_cache = _Cache()


def in_use(documents: float) -> bool:
    """Whether an index of this many documents answers counts from postings
    (``ckanext.govshare.search.postings_from``; 0: always)."""
    threshold = tk.config.get(options.SEARCH_POSTINGS_FROM) or 0
    return threshold == 0 or documents >= threshold


def documents(cursor) -> float:
    """The index's documents as the planner's statistics count them
    (-1 before its first ``ANALYZE``)."""
    cursor.execute(DOCUMENTS_SQL)
    return cursor.fetchone()[0]


DOCUMENTS_SQL = ("SELECT reltuples FROM pg_class"
                 " WHERE oid = 'govshare_search_doc'::regclass")


# -- plans ------------------------------------------------------------------

def keys_of(plan: Any) -> set[str]:
    """The posting keys a plan reads."""
    kind = plan[0]
    if kind == "key":
        return {plan[1]}
    if kind == "facet":
        return {f"F:{plan[1]}"}
    if kind in ("all", "not", "atleast"):
        inner = set() if kind == "all" else keys_of(plan[1]) if kind == "not" \
            else set().union(*(keys_of(p) for p in plan[2]))
        return inner | {ALL}
    if kind in ("and", "or"):
        return set().union(*(keys_of(p) for p in plan[1]))
    return set()  # none


def evaluate(plan: Any, postings: dict[str, Posting]) -> BitMap:
    kind = plan[0]
    if kind == "key":
        return postings[plan[1]].bits
    if kind == "facet":
        return postings[f"F:{plan[1]}"].values.get(plan[2]) or BitMap()
    if kind == "all":
        return postings[ALL].bits
    if kind == "none":
        return BitMap()
    if kind == "not":
        return postings[ALL].bits - evaluate(plan[1], postings)
    if kind == "and":
        parts = sorted((evaluate(p, postings) for p in plan[1]), key=len)
        result = parts[0]
        for part in parts[1:]:
            result = result & part
        return result
    if kind == "or":
        return BitMap.union(*(evaluate(p, postings) for p in plan[1]))
    if kind == "atleast":
        # levels[j]: the documents in at least j of the parts seen so far
        k = plan[1]
        levels = [postings[ALL].bits] + [BitMap() for _ in range(k)]
        for part in (evaluate(p, postings) for p in plan[2]):
            for j in range(k, 0, -1):
                levels[j] = levels[j] | (levels[j - 1] & part)
        return levels[k]
    raise ValueError(f"unknown plan {kind}")


# -- computing a key ----------------------------------------------------------

def _condition(key: str) -> tuple[str, str, tuple[Any, ...]]:
    """(table, condition, parameters) of the documents a key holds."""
    from ckanext.govshare.search import analysis

    if key == ALL:
        return "govshare_search_doc", "TRUE", ()
    kind, _, rest = key.partition(":")
    if kind == "t":
        return "govshare_search_text", "d.tsv @@ %s::tsquery", (analysis.quote_lexeme(rest),)
    if kind == "q":
        return "govshare_search_text", "d.tsv @@ %s::tsquery", (rest,)
    if kind == "l":
        return "govshare_search_doc", "d.permission_labels @> ARRAY[%s]::text[]", (rest,)
    if kind == "c":
        column, _, value = rest.partition(":")
        if column not in PLAN_COLUMNS:
            raise ValueError(key)
        return "govshare_search_doc", f"d.{column} = %s", (value,)
    raise ValueError(key)


def _compute(cursor, key: str, generation: int, among: list[int] | None = None) -> Posting:
    """The key's documents in this snapshot (only those ``among`` these)."""
    restrict = " AND d.doc_id = ANY(%s)" if among is not None else ""
    extra = (among,) if among is not None else ()
    if key.startswith("r:"):
        return _lexeme(cursor, key[2:], generation, restrict, extra)[1]
    if key.startswith(("t:", "q:")):
        # from the vectors' GIN index, as the search's own planning says
        return _documents_of(cursor, key, generation, restrict, extra)
    # the rest reads (nearly) every row: a text search's planning forbids
    # sequential scans, and made a nested loop of the facet values' join
    cursor.execute("SELECT current_setting('enable_seqscan')")
    planning = cursor.fetchone()[0]
    cursor.execute("SET LOCAL enable_seqscan = on")
    try:
        if key.startswith("o:"):
            if among is not None:  # a position is relative to every document
                raise ValueError(f"{key} is computed whole")
            return _order(cursor, key, generation)
        if key.startswith("F:"):
            cursor.execute("SELECT value_id, value FROM govshare_search_facet_value"
                           " WHERE field = %s", (key[2:],))
            names = dict(cursor.fetchall())
            cursor.execute("SELECT v, array_agg(d.doc_id) FROM govshare_search_doc d,"
                           f" unnest(d.facet_values) v WHERE v = ANY(%s){restrict} GROUP BY v",
                           (list(names),) + extra)
            return Posting(generation, values={names[v]: BitMap(ids) for v, ids in cursor})
        return _documents_of(cursor, key, generation, restrict, extra)
    finally:
        cursor.execute("SET LOCAL enable_seqscan = %s", (planning,))


def _documents_of(cursor, key: str, generation: int, restrict: str,
                  extra: tuple[Any, ...]) -> Posting:
    table, condition, params = _condition(key)
    cursor.execute(f"SELECT coalesce(array_agg(d.doc_id), '{{}}') FROM {table} d"
                   f" WHERE {condition}{restrict}", params + extra)
    return Posting(generation, BitMap(cursor.fetchone()[0]))


def _lexeme(cursor, lexeme: str, generation: int, restrict: str = "",
            extra: tuple[Any, ...] = ()) -> tuple[Posting, Posting]:
    """``t:<lexeme>`` and ``r:<lexeme>`` in one reading: its documents, and
    them grouped by their one-lexeme score (exactly, or by bucket where the
    scores are many)."""
    from ckanext.govshare.search import analysis
    from ckanext.govshare.search.client import RANK_WEIGHTS

    quoted = analysis.quote_lexeme(lexeme)
    cursor.execute("SELECT d.doc_id, ts_rank(%s, d.rank_tsv, %s::tsquery)"
                   f" FROM govshare_search_text d WHERE d.tsv @@ %s::tsquery{restrict}",
                   (RANK_WEIGHTS, quoted, quoted) + extra)
    found = cursor.fetchall()
    by_score: dict[float, list[int]] = {}
    for doc_id, score in found:
        if score > 0:
            by_score.setdefault(score, []).append(doc_id)
    if len(by_score) <= EXACT_SCORES:
        groups = {f"={score!r}": ids for score, ids in by_score.items()}
    else:
        groups = {}
        for score, ids in by_score.items():
            groups.setdefault(str(bucket_of(score)), []).extend(ids)
    return (Posting(generation, BitMap(row[0] for row in found)),
            Posting(generation, values={group: BitMap(ids) for group, ids in groups.items()}))


def _brought_up_to_date(cursor, key: str, posting: Posting, changed: BitMap,
                        generation: int) -> Posting:
    """The posting with the changed documents as they are in this snapshot."""
    now = _compute(cursor, key, generation, among=list(changed))
    if posting.values is None:
        return Posting(generation, (posting.bits - changed) | now.bits)
    values = {value: bits - changed for value, bits in posting.values.items()}
    for value, bits in now.values.items():
        values[value] = values.get(value, BitMap()) | bits
    return Posting(generation, values={v: b for v, b in values.items() if b})


# -- a search's postings ------------------------------------------------------

def _postings(cursor, keys: set[str], generation: int, horizon: int
              ) -> tuple[dict[str, Posting], BitMap]:
    """The postings of ``keys`` in this snapshot, and the documents changed
    since the oldest of them (empty once they were brought up to date)."""
    postings: dict[str, Posting] = {}
    for key in keys:
        cached = _cache.get(key)
        if cached is not None and horizon <= cached.generation <= generation:
            postings[key] = cached
    wanted = sorted(keys - postings.keys())
    if wanted:
        cursor.execute("SELECT key, generation, bits FROM govshare_search_posting"
                       " WHERE key = ANY(%s) AND generation >= %s", (wanted, horizon))
        for key, posting_generation, data in cursor.fetchall():
            postings[key] = Posting.load(key, posting_generation, bytes(data))
            _cache.put(key, postings[key])
    computed = {}
    for key in wanted:
        if key not in postings:
            postings[key] = computed[key] = _compute(cursor, key, generation)
    oldest = min((p.generation for p in postings.values()), default=generation)
    changed = BitMap()
    if oldest < generation:
        cursor.execute("SELECT coalesce(array_agg(DISTINCT doc_id), '{}')"
                       " FROM govshare_search_change WHERE generation > %s", (oldest,))
        changed = BitMap(cursor.fetchone()[0])
        if len(changed) > tk.config.get(options.SEARCH_POSTINGS_REFRESH_AFTER):
            for key, posting in list(postings.items()):
                if posting.generation < generation:
                    postings[key] = computed[key] = \
                        _compute(cursor, key, generation) \
                        if len(changed) > RECOMPUTE_AFTER or key.startswith("o:") \
                        else _brought_up_to_date(cursor, key, posting, changed, generation)
            changed = BitMap()
    if computed:
        _keep(computed)
    return postings, changed


# -- a search's counts --------------------------------------------------------

class Counts:
    """What the postings answer: the count and facet counts of the documents
    not changed since them; ``changed`` are left to SQL."""

    def __init__(self, hits: int, facets: dict[str, dict[str, int]], changed: list[int]):
        self.hits = hits
        self.facets = facets
        self.changed = changed


def counts(cursor, plan: Any, facet_fields: Iterable[str], generation: int,
           horizon: int) -> Counts:
    """Answer ``plan``'s count and the ``facet_fields``' counts in the
    snapshot of ``cursor``'s transaction, which sees ``generation``."""
    facet_fields = list(facet_fields)
    keys = keys_of(plan) | {f"F:{name}" for name in facet_fields}
    postings, changed = _postings(cursor, keys, generation, horizon)
    result = evaluate(plan, postings) - changed
    facets: dict[str, dict[str, int]] = {}
    for name in facet_fields:
        counted = {}
        for value, bits in postings[f"F:{name}"].values.items():
            n = result.intersection_cardinality(bits)
            if n:
                counted[value] = n
        facets[name] = counted
    return Counts(len(result), facets, list(changed))


def _keep(computed: dict[str, Posting]) -> None:
    """Store computed postings, then keep them in this process. A phrase's
    (``q:``) is kept in the process only: the phrases visitors may type are
    without number, and would fill the table."""
    stored = {key: posting for key, posting in computed.items() if not key.startswith("q:")}
    if stored:
        _store(stored)  # serialized there: their sizes are known after
    for key, posting in computed.items():
        if posting.size == 0:
            posting.serialize()  # to know its size
        _cache.put(key, posting)


def _store(postings: dict[str, Posting]) -> None:
    """Store postings (a newer one stays) and forget the changes older than
    every stored posting, in a transaction of its own: a cache write."""
    from ckanext.govshare.search.client import _connection

    conn = _connection()
    try:
        with conn.cursor() as cursor:
            execute_values(
                cursor,
                "INSERT INTO govshare_search_posting (key, generation, bits) VALUES %s"
                " ON CONFLICT (key) DO UPDATE SET generation = EXCLUDED.generation,"
                " bits = EXCLUDED.bits"
                " WHERE govshare_search_posting.generation < EXCLUDED.generation",
                [(key, p.generation, p.serialize()) for key, p in sorted(postings.items())])
            forget_changes_before_postings(cursor)
        conn.commit()
    except Exception:  # a cache write: the search has its answer anyway
        conn.rollback()
        log.warning("Could not store search postings", exc_info=True)
    finally:
        conn.close()


def forget_changes_before_postings(cursor) -> None:
    """Forget the changes no stored posting needs. The horizon moves in the
    same transaction as the deletion, so that a search's snapshot sees
    either both or neither."""
    cursor.execute("DELETE FROM govshare_search_posting WHERE generation < (SELECT"
                   " generation FROM govshare_search_meta) - %s",
                   (tk.config.get(options.SEARCH_POSTINGS_KEEP_GENERATIONS),))
    cursor.execute("SELECT min(generation) FROM govshare_search_posting")
    oldest = cursor.fetchone()[0]
    if oldest is None:
        return
    cursor.execute("UPDATE govshare_search_meta SET postings_horizon = %s"
                   " WHERE postings_horizon < %s RETURNING 1", (oldest, oldest))
    if cursor.fetchone():
        cursor.execute("DELETE FROM govshare_search_change WHERE generation <= %s", (oldest,))


def forget_all() -> None:
    """After a re-index every posting is stale: forget them and every change."""
    from ckanext.govshare.search.client import _Transaction

    with _Transaction() as cursor:
        cursor.execute("UPDATE govshare_search_meta SET postings_horizon = generation"
                       " RETURNING generation")
        horizon = cursor.fetchone()[0]
        # every one: those of this generation too (a new version may keep them
        # differently)
        cursor.execute("DELETE FROM govshare_search_posting WHERE generation <= %s", (horizon,))
        cursor.execute("DELETE FROM govshare_search_change WHERE generation <= %s", (horizon,))
    _cache.clear()


def warm_keys(cursor) -> list[str]:
    """The keys worth computing ahead of the first visitor: every document,
    the public label and the common columns' values, the facet fields, the
    listing orders, and the broad words: the vectors' most common lexemes in
    the planner's statistics (``ANALYZE``), a thousand at most."""
    keys = [ALL, "l:public", "c:state:active", "c:entity_type:package",
            "c:dataset_type:dataset", f"c:site_id:{tk.config.get('ckan.site_id')}"]
    keys += [f"F:{name}" for name in tk.config.get(options.SEARCH_FACET_FIELDS) or ()]
    keys += sorted(orders())
    cursor.execute("SELECT most_common_elems::text::text[] FROM pg_stats"
                   " WHERE tablename = 'govshare_search_text' AND attname = 'tsv'")
    row = cursor.fetchone()
    keys += [f"t:{lexeme}" for lexeme in (row[0] if row and row[0] else ())]
    return keys


def warm(keys: Iterable[str] | None = None, done: Any = None) -> int:
    """Compute and store ``keys`` (default: the :func:`warm_keys`), a key
    per snapshot, in the search's own snapshot and read settings; calls
    ``done(1)`` after each. Returns how many."""
    from ckanext.govshare.search import client

    if keys is None:
        with client._Transaction() as cursor:
            keys = warm_keys(cursor)
    keys = list(keys)
    for key in keys:
        with client._Transaction() as cursor:
            cursor.execute(client._SNAPSHOT + client._READ_PLANNING
                           + " SET LOCAL enable_seqscan = off;"  # words: from the GIN index
                           + " SELECT generation FROM govshare_search_meta")
            generation = cursor.fetchone()[0]
            if key.startswith("t:"):
                # a word's score buckets too, for ranking: one reading
                words, buckets = _lexeme(cursor, key[2:], generation)
                computed = {key: words, f"r:{key[2:]}": buckets}
            else:
                computed = {key: _compute(cursor, key, generation)}
        _keep(computed)
        if done:
            done(1)
    return len(keys)


# -- a search's first page by relevance ---------------------------------------

#: ``rank(known, check, k)``: the search's own SQL on candidates, the first
#: ``k`` rows (doc_id, score) in its order; ``known`` match its condition,
#: ``check`` may
Rank = Callable[[BitMap, BitMap, int], list[tuple]]

#: a lexeme's one-lexeme ``ts_rank`` is below 1.7 (1.0 at most for each of
#: its positions, less and less for the later ones): 64 buckets of it
BUCKETS = 64
BUCKET_WIDTH = 1.7 / BUCKETS
#: what float4 arithmetic may add to an average of bucketed scores
SCORE_MARGIN = 1e-5
#: a lexeme's documents are grouped by their exact score (``=<score>``) where
#: it has at most this many scores (the score depends only on the weights of
#: its positions, so a few dozen is usual), else by bucket (``<bucket>``)
EXACT_SCORES = 512
#: score classes past which ties are left to SQL
MAX_CLASSES = 2048


def bucket_of(score: float) -> int:
    return min(int(score / BUCKET_WIDTH), BUCKETS - 1)


def _by_bucket(posting: Posting) -> dict[int, BitMap]:
    """A lexeme's documents by score bucket, from its groups (exact scores
    or buckets), computed once a posting."""
    if posting.by_bucket is None:
        by_bucket: dict[int, BitMap] = {}
        for group, bits in posting.values.items():
            number = bucket_of(float(group[1:])) if group.startswith("=") else int(group)
            by_bucket[number] = by_bucket[number] | bits if number in by_bucket else bits
        posting.by_bucket = by_bucket
    return posting.by_bucket


def _score_classes(pool: BitMap, groups: list[dict[str, BitMap]]
                   ) -> list[tuple[float, BitMap]] | None:
    """``pool`` split into classes of documents with the same exact score in
    every lexeme (so the same score in the search: its ranking query
    averages them), each with that average; None where a lexeme's scores
    are not kept exactly or the classes are too many."""
    if any(not group.startswith("=") for values in groups for group in values):
        return None
    classes = [(0.0, pool)]
    for values in groups:
        split = []
        for total, bits in classes:
            rest = bits
            for group, members in values.items():
                if rest.intersect(members):
                    split.append((total + float(group[1:]), rest & members))
                    rest = rest - members
                    if not rest:
                        break
            if rest:
                split.append((total, rest))
        if len(split) > MAX_CLASSES:
            return None
        classes = split
    return [(total / len(groups), bits) for total, bits in classes]


def rank_lexemes(rank_tsquery: str | None) -> list[str] | None:
    """The lexemes of the ranking query, which OR-s them (``ts_rank`` is
    then the average of each lexeme's own score); None if it is not that."""
    from ckanext.govshare.search.query import tsquery_plan

    plan = tsquery_plan(rank_tsquery) if rank_tsquery else None
    if plan is None:
        return None
    parts = plan[1] if plan[0] == "or" else (plan,)
    if any(part[0] != "key" for part in parts):
        return None
    return sorted({part[1][2:] for part in parts})


def first_by_score(cursor, plan: Any, lexemes: list[str], k: int, generation: int,
                   horizon: int, always: BitMap, rank: Rank, ties: str | None = None
                   ) -> list[tuple]:
    """The first ``k`` documents of ``plan`` in the search's order, which
    begins with the relevance score, ranked exactly by ``rank(known, check,
    k)`` (the search's own SQL, restricted to candidates: ``known`` match
    the plan, ``check`` may) on a few candidates only.

    Each lexeme's documents are kept in groups of their one-lexeme score;
    a document outside the buckets read so far scores under the edge in
    every lexeme, so under it on average. Buckets are read from the top
    down until they hold ``k`` candidates; if the k-th exact score is not
    above the edge, the edge is lowered under it and the new candidates
    ranked too. ``always`` (changed documents, exact title matches) are
    always candidates.

    Where many candidates tie (every title with the word scores the same),
    those that tie with the k-th are taken in the order after the score
    (``ties``: an order posting's key, "" for the document id; None: rank
    them all)."""
    keys = keys_of(plan) | {f"r:{lexeme}" for lexeme in lexemes}
    postings, changed = _postings(cursor, keys, generation, horizon)
    result = evaluate(plan, postings) - changed
    check = always | changed
    scored = [postings[f"r:{lexeme}"] for lexeme in lexemes]
    buckets = [_by_bucket(posting) for posting in scored]
    known = BitMap()
    edge = BUCKETS

    def lower_to(new_edge: int) -> None:
        nonlocal edge, known
        while edge > new_edge:
            edge -= 1
            for by_bucket in buckets:
                bits = by_bucket.get(edge)
                if bits is not None:
                    known |= bits & result
        if edge == 0:
            known |= result  # those no lexeme scores above 0

    while True:
        while edge > 0 and known.difference_cardinality(check) < k:
            lower_to(edge - 1)
        chosen = known - check
        if ties is not None \
                and len(chosen) > k + tk.config.get(options.SEARCH_POSTINGS_TIES_AFTER):
            untied = _untied(cursor, chosen, [posting.values for posting in scored], k,
                             ties, generation, horizon)
            if untied is not None:
                chosen, kth = untied
                if edge > 0 and kth < edge * BUCKET_WIDTH + 2 * SCORE_MARGIN:
                    # the k-th is known to be under the edge: lower it first
                    lower_to(max(0, int((kth - 2 * SCORE_MARGIN) / BUCKET_WIDTH)))
                    continue
        ranked = rank(chosen, check, k)
        kth = ranked[-1][1] if len(ranked) == k else None
        if edge == 0 or (kth is not None and kth >= edge * BUCKET_WIDTH + SCORE_MARGIN):
            return ranked
        lower_to(max(0, int((kth - SCORE_MARGIN) / BUCKET_WIDTH)) if kth is not None else 0)


def _untied(cursor, pool: BitMap, groups: list[dict[str, BitMap]], k: int, ties: str,
            generation: int, horizon: int) -> tuple[BitMap, float] | None:
    """Of ``pool`` (documents matching the search, none of them changed),
    a few that hold its first ``k`` by score and then the ``ties`` order:
    every document of a score class above the k-th's, and of each class
    that ties with it, its first ``k`` in the ``ties`` order; and the k-th
    score (to float4 arithmetic's margin). None where the scores are not
    known exactly."""
    classes = _score_classes(pool, groups)
    if classes is None:
        return None
    classes.sort(key=lambda item: -item[0])
    count = 0
    for kth, bits in classes:
        count += len(bits)
        if count >= k:
            break
    chosen = BitMap.union(BitMap(), *(bits for score, bits in classes
                                      if score > kth + SCORE_MARGIN))
    tied = [bits for score, bits in classes if abs(score - kth) <= SCORE_MARGIN]
    wanted = k - len(chosen)
    if not ties:  # the document id
        return BitMap.union(chosen, *(bits[:wanted] for bits in tied)), kth
    postings, moved = _postings(cursor, {ties}, generation, horizon)
    for bits in tied:
        # a document changed since the order was kept may have moved in it
        chosen |= _in_order(postings[ties], bits - moved, wanted) | (bits & moved)
    return chosen, kth


# -- a search's first page in a listing order ---------------------------------

#: the columns a listing order posting may follow
ORDER_COLUMNS = kinds.COLUMN_FIELDS | kinds.DATE_COLUMN_FIELDS | kinds.NUMBER_COLUMN_FIELDS


def orders() -> frozenset[str]:
    """The keys of the orders kept as postings: the portal's listings and
    the default sorts' ties (``search/document.py``, and the configured
    default sort). Only these: an order a visitor makes up is answered by
    SQL rather than computed over every document."""
    from ckanext.govshare.search import document

    sorts = (document.SORT, document.CKAN_SORT, tk.config.get(document.SORT_OPTION) or "",
             *document.LISTING_SORTS)
    return frozenset(key for key in map(sort_key, sorts) if key)


def sort_key(sort: str) -> str | None:
    """The order key of a search's ``sort`` parameter (after the score: its
    ties), whether kept or not; None where it is not of columns."""
    specs = [spec.split() for spec in sort.split(",") if spec.strip()]
    if specs and specs[0][0] == "score":
        specs = specs[1:]
    if any(len(spec) != 2 for spec in specs):
        return None
    return _key_of([(column, direction.upper()) for column, direction in specs])


def order_key(order: Iterable[tuple[str, str]]) -> str | None:
    """The posting key of an order of columns and directions (``ASC``,
    ``DESC``; the document id after them, as a search orders), or None if
    it is not kept as a posting (:func:`orders`)."""
    key = _key_of(list(order))
    return key if key in orders() else None


def _key_of(order: list[tuple[str, str]]) -> str | None:
    if not order or any(column not in ORDER_COLUMNS or direction not in ("ASC", "DESC")
                        for column, direction in order):
        return None
    return "o:" + ",".join(f"{column} {direction}" for column, direction in order)


def _order_by(key: str) -> str:
    """``key``'s ORDER BY, exactly as the search writes it (NULLS LAST, then
    the document id)."""
    parts = []
    for spec in key[2:].split(","):
        column, _, direction = spec.partition(" ")
        if column not in ORDER_COLUMNS or direction not in ("ASC", "DESC"):
            raise ValueError(key)
        parts.append(f"d.{column} {direction} NULLS LAST")
    return ", ".join(parts + ["d.doc_id"])


def _order(cursor, key: str, generation: int) -> Posting:
    """Every document in ``key``'s order, in chunks (``postings_order_chunk``
    documents): chunk ``i`` holds the ``i``-th documents."""
    size = tk.config.get(options.SEARCH_POSTINGS_ORDER_CHUNK)
    cursor.execute(f"SELECT coalesce(array_agg(d.doc_id ORDER BY {_order_by(key)}), '{{}}')"
                   " FROM govshare_search_doc d")
    ids = cursor.fetchone()[0]
    return Posting(generation, values={
        str(number): BitMap(ids[start:start + size])
        for number, start in enumerate(range(0, len(ids), size))})


def _in_order(order: Posting, among: BitMap, k: int) -> BitMap:
    """The first chunks' documents of ``among`` until there are at least
    ``k`` (every one of ``among`` if fewer): the first ``k`` of ``among`` in
    the order are among them."""
    if len(among) <= k:
        return among
    taken = BitMap()
    for number in range(len(order.values)):
        taken |= order.values[str(number)] & among
        if len(taken) >= k:
            break
    return taken


def first_in_order(cursor, plan: Any, key: str, k: int, generation: int, horizon: int,
                   rank: Rank) -> list[tuple]:
    """The first ``k`` documents of ``plan`` in a listing order, ranked
    exactly by ``rank(known, check, k)`` (as :func:`first_by_score`): the
    first chunks' matches, and the documents changed since the postings
    (their place in the order may have changed)."""
    postings, changed = _postings(cursor, keys_of(plan) | {key}, generation, horizon)
    result = evaluate(plan, postings) - changed
    return rank(_in_order(postings[key], result, k), changed, k)
