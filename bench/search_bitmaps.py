"""Probe: would posting bitmaps answer the broad queries of a million datasets?

    .venv/bin/python bench/search_bitmaps.py [--database govshare_bench_1m] [--words 24]

Reads the embedded index ``bench/search.py`` built (no CKAN app: the SQL is
the engine's own shape, on its own tables). For each of the benchmark's
words, as an anonymous visitor's search box query with the dataset page's
three facets, in the same process:

* **baseline, SQL**: the engine's count-and-facets statement (the matching
  rows' ``facet_values`` aggregated) and its ranking statement (the first
  100 by ``ts_rank``), timed;
* **bitmaps**: the same count and facets from roaring bitmaps (``pyroaring``)
  of the word's lexemes, the facet values and the visitor's filter, and the
  same first 100 from per-lexeme score buckets: only the documents whose
  bucket could reach the 100th score are ranked exactly, by the same
  ``ts_rank``, in SQL.

It checks that both give the same count, facet counts and first 100, and
prints the time of each and the ratio; then what building the bitmaps
took and what they would weigh. Not part of the test suite: it answers
issue 17 §6's question before an engine is built on the answer.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ckanext-govshare"))

from bench import _env  # noqa: E402
from bench.generate import DISTRICTS, EN_WORDS, TOPICS  # noqa: E402

from ckanext.govshare.search.cache import RESULT_WINDOW as WINDOW  # noqa: E402
from ckanext.govshare.search.client import RANK_WEIGHTS as WEIGHTS  # noqa: E402
# the engine's own score buckets (postings.first_by_score, built since on
# what this probe measured)
from ckanext.govshare.search.postings import BUCKET_WIDTH, BUCKETS  # noqa: E402

FACETS = ("organization", "tags", "res_format")
VISITOR = ("d.state = 'active' AND d.entity_type = 'package'"
           " AND d.permission_labels && ARRAY['public']")


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="govshare_bench_1m")
    parser.add_argument("--words", type=int, default=24)
    parser.add_argument("--postings", action="store_true",
                        help="also count every lexeme of every vector (minutes)")
    args = parser.parse_args()
    import psycopg2
    from pyroaring import BitMap

    from ckanext.govshare.search import analysis

    conn = psycopg2.connect(_env.database_url(args.database))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET jit = off; SET work_mem = '64MB'; SET enable_seqscan = off;"
                " SET max_parallel_workers_per_gather = 0")
    cur.execute("SELECT count(*) FROM govshare_search_doc")
    total = cur.fetchone()[0]
    print(f"documents in the index: {total:,}")

    # -- what the bitmaps are built from (offline in an engine: its merge step)
    build: dict[str, float] = {}
    (visitor, build["visitor filter"]) = timed(lambda: BitMap(_ids(
        cur, f"SELECT array_agg(d.doc_id) FROM govshare_search_doc d WHERE {VISITOR}")))
    cur.execute("SELECT value_id, field, value FROM govshare_search_facet_value"
                " WHERE field = ANY(%s)", (list(FACETS),))
    values = {row[0]: (row[1], row[2]) for row in cur.fetchall()}

    def facet_bitmaps():
        cur.execute("SELECT v, array_agg(d.doc_id) FROM govshare_search_doc d,"
                    " unnest(d.facet_values) v WHERE v = ANY(%s) GROUP BY v", (list(values),))
        return {v: BitMap(ids) for v, ids in cur.fetchall()}
    facet_bits, build["facet values"] = timed(facet_bitmaps)
    facet_bytes = sum(len(b.serialize()) for b in facet_bits.values())

    words = ([t[:2] for t in TOPICS] + TOPICS + DISTRICTS + EN_WORDS)
    words = words[::max(1, len(words) // args.words)][:args.words]
    lexeme_bits: dict[str, BitMap] = {}
    buckets: dict[str, dict[int, BitMap]] = {}
    build_lexemes = 0.0
    rows = []
    for word in words:
        tsquery = analysis.term_query(word, phrase=False)
        rank = analysis.rank_query(word)
        lexemes = sorted(set(_lexemes(tsquery)))
        rank_lexemes = sorted(set(_lexemes(rank)))
        started = time.perf_counter()
        for lexeme in set(lexemes) | set(rank_lexemes):
            if lexeme in lexeme_bits:
                continue
            quoted = analysis.quote_lexeme(lexeme)
            cur.execute("SELECT d.doc_id, ts_rank(%s, d.rank_tsv, %s::tsquery)"
                        " FROM govshare_search_text d WHERE d.tsv @@ %s::tsquery",
                        (WEIGHTS, quoted, quoted))
            found = cur.fetchall()
            lexeme_bits[lexeme] = BitMap(r[0] for r in found)
            by_bucket: dict[int, list[int]] = {}
            for doc_id, score in found:
                if score > 0:
                    by_bucket.setdefault(min(int(score / BUCKET_WIDTH), BUCKETS - 1),
                                         []).append(doc_id)
            buckets[lexeme] = {b: BitMap(ids) for b, ids in by_bucket.items()}
        build_lexemes += time.perf_counter() - started

        # -- baseline: the engine's statements
        sql_counts, sql_count_ms = timed(lambda: _sql_counts(cur, tsquery, values))
        score_sql = f"ts_rank('{WEIGHTS}', d.rank_tsv, %s::tsquery)"
        sql_top, sql_rank_ms = timed(lambda: _ids_in_order(
            cur, f"SELECT d.doc_id FROM govshare_search_text d WHERE d.tsv @@ %s::tsquery"
                 f" AND {VISITOR} ORDER BY {score_sql} DESC NULLS LAST, d.doc_id LIMIT %s",
            (tsquery, rank, WINDOW)))

        # -- bitmaps
        def bitmap_counts():
            result = BitMap(visitor)
            for lexeme in lexemes:
                result &= lexeme_bits[lexeme]
            facets = {}
            for value_id, bits in facet_bits.items():
                n = result.intersection_cardinality(bits)
                if n:
                    facets[values[value_id]] = n
            return result, len(result), facets
        (result, hits, facets), bitmap_count_ms = timed(bitmap_counts)

        def bitmap_top():
            # the lexemes' buckets from the top down until WINDOW candidates;
            # a document outside them scores below the bucket edge in every
            # lexeme, so below ``edge`` on average: if the 100th exact score is
            # at least ``edge``, nothing outside can reach it
            edge_bucket = BUCKETS
            ranked: list[tuple[int, float]] = []
            candidates = BitMap()
            rounds = 0
            while edge_bucket > 0:
                edge_bucket -= 1
                for lexeme in rank_lexemes:
                    bits = buckets[lexeme].get(edge_bucket)
                    if bits is not None:
                        candidates |= bits & result
                if len(candidates) < WINDOW and edge_bucket > 0:
                    continue
                rounds += 1
                cur.execute(f"SELECT d.doc_id, {score_sql} s FROM govshare_search_text d"
                            " WHERE d.doc_id = ANY(%s) ORDER BY s DESC NULLS LAST, d.doc_id"
                            " LIMIT %s", (rank, list(candidates), WINDOW))
                ranked = cur.fetchall()
                kth = ranked[-1][1] if len(ranked) == WINDOW else 0.0
                if kth >= edge_bucket * BUCKET_WIDTH:
                    break
                # lower the edge to the 100th score and rank the new candidates too
                while edge_bucket > 0 and (edge_bucket - 1) * BUCKET_WIDTH > kth:
                    edge_bucket -= 1
                    for lexeme in rank_lexemes:
                        bits = buckets[lexeme].get(edge_bucket)
                        if bits is not None:
                            candidates |= bits & result
            return [r[0] for r in ranked], len(candidates), rounds
        (bitmap_top_ids, candidate_count, rounds), bitmap_rank_ms = timed(bitmap_top)

        same_counts = (hits, facets) == sql_counts
        same_top = bitmap_top_ids == sql_top
        rows.append((word, hits, sql_count_ms, bitmap_count_ms, sql_rank_ms, bitmap_rank_ms,
                     candidate_count, rounds, same_counts, same_top))
        print(f"{word:<8} hits {hits:>7,}  count+facets SQL {sql_count_ms:7.1f} ms,"
              f" bitmaps {bitmap_count_ms:6.1f} ms ({sql_count_ms / bitmap_count_ms:5.1f}x)"
              f"  first 100 SQL {sql_rank_ms:7.1f} ms, buckets {bitmap_rank_ms:6.1f} ms"
              f" ({sql_rank_ms / bitmap_rank_ms:5.1f}x; {candidate_count:,} ranked,"
              f" {rounds} rounds)  equal: counts {'yes' if same_counts else 'NO'},"
              f" first 100 {'yes' if same_top else 'NO'}", flush=True)

    def p(values, q):
        return _env.percentile(values, q)
    print()
    for label, column in (("count+facets SQL", 2), ("count+facets bitmaps", 3),
                          ("first 100 SQL", 4), ("first 100 buckets", 5)):
        values_ms = [r[column] for r in rows]
        print(f"{label:<22} p50 {p(values_ms, 50):7.1f} ms  p95 {p(values_ms, 95):7.1f} ms"
              f"  mean {statistics.mean(values_ms):7.1f} ms")
    print(f"equal counts and facets: {sum(r[8] for r in rows)}/{len(rows)};"
          f" equal first 100: {sum(r[9] for r in rows)}/{len(rows)}")
    lexeme_bytes = sum(len(b.serialize()) for b in lexeme_bits.values())
    bucket_bytes = sum(len(b.serialize()) for d in buckets.values() for b in d.values())
    print(f"built: visitor filter {build['visitor filter']:.0f} ms, {len(facet_bits)} facet"
          f" values {build['facet values']:.0f} ms ({facet_bytes / 1e6:.1f} MB),"
          f" {len(lexeme_bits)} lexemes with score buckets {build_lexemes:.1f} s"
          f" ({lexeme_bytes / 1e6:.1f} MB + {bucket_bytes / 1e6:.1f} MB)")
    if args.postings:
        # what a full build of every lexeme's bitmap would read
        (n_postings, n_lexemes), ms = timed(lambda: _one(
            cur, "SELECT count(*), count(DISTINCT u.lexeme) FROM govshare_search_text d,"
                 " unnest(d.tsv) u"))
        print(f"every lexeme of every vector: {n_postings:,} postings of {n_lexemes:,}"
              f" lexemes, read and counted in {ms / 1000:.1f} s")
        (n_rank, _), ms = timed(lambda: _one(
            cur, "SELECT count(*), 0 FROM govshare_search_text d, unnest(d.rank_tsv) u"))
        print(f"every lexeme of every ranking vector: {n_rank:,} postings, {ms / 1000:.1f} s")
    conn.close()


def _one(cur, sql: str):
    cur.execute(sql)
    return cur.fetchone()


def _lexemes(tsquery: str | None) -> list[str]:
    import re

    return [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", tsquery or "")]


def _ids(cur, sql: str, params=()) -> list[int]:
    cur.execute(sql, params)
    return cur.fetchone()[0] or []


def _ids_in_order(cur, sql: str, params) -> list[int]:
    cur.execute(sql, params)
    return [r[0] for r in cur.fetchall()]


def _sql_counts(cur, tsquery: str, values: dict) -> tuple[int, dict]:
    cur.execute(
        "WITH m AS MATERIALIZED (SELECT d.doc_id, d.facet_values FROM govshare_search_text d"
        f" WHERE d.tsv @@ %s::tsquery AND {VISITOR})"
        " SELECT NULL::int, count(*) FROM m UNION ALL"
        " SELECT v, count(*) FROM m, unnest(m.facet_values) v WHERE v = ANY(%s) GROUP BY v",
        (tsquery, list(values)))
    hits, facets = 0, {}
    for value_id, n in cur.fetchall():
        if value_id is None:
            hits = n
        else:
            facets[values[value_id]] = n
    return hits, facets


if __name__ == "__main__":
    main()
