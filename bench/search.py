"""Search benchmark: 100,000 datasets, a fixed mix of 1,000 package_search calls.

    .venv/bin/python bench/search.py [--datasets 100000] [--queries 1000]
                                     [--skip-rebuild] [--workers 2]

Uses its own database (govshare_bench) and Redis db 5; generates the synthetic
catalog once (bench/generate.py), re-indexes it with
``ckan govshare search rebuild`` (timed, peak RSS of the indexing processes),
then runs the query mix in-process as an anonymous user and, as the baseline
in the same run, the same number of ``package_show`` calls. Facet counts of
sample queries are checked against counts computed from CKAN's own tables.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
from bench.generate import DISTRICTS, EN_WORDS, FORMATS, TOPICS  # noqa: E402

DATABASE = "govshare_bench"
FACETS = '["organization", "tags", "res_format"]'


def query_mix(rng: random.Random, n: int, org_names: list[str], tags: list[str]) -> list[dict]:
    """Free text, text + 3 facets, fq filters, sorts and deep pages, shuffled."""
    words = [t[:2] for t in TOPICS] + TOPICS + DISTRICTS + EN_WORDS
    mix = []
    for i in range(n):
        kind = i % 5
        if kind == 0:  # free text, Chinese, English or both
            q = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
            mix.append({"q": q})
        elif kind == 1:  # text + 3 facets, as the /dataset page asks
            mix.append({"q": rng.choice(words), "facet.field": FACETS, "facet.limit": 50})
        elif kind == 2:  # facet filters, with or without text
            fq = [f'organization:"{rng.choice(org_names)}"']
            if rng.random() < 0.5:
                fq.append(f'tags:"{rng.choice(tags[:80])}"')
            if rng.random() < 0.3:
                fq.append(f'res_format:"{rng.choice(FORMATS)}"')
            call = {"fq": " ".join(fq), "facet.field": FACETS}
            if rng.random() < 0.4:
                call["q"] = rng.choice(words)
            mix.append(call)
        elif kind == 3:  # sorted listings
            mix.append({"q": rng.choice(["", "", rng.choice(words)]),
                        "sort": rng.choice(["metadata_modified desc", "title_string asc",
                                            "name asc", "metadata_created desc"])})
        else:  # deep pages
            mix.append({"q": rng.choice(["", rng.choice(words)]), "rows": 20,
                        "start": rng.choice([200, 1000, 2000, 5000]),
                        "sort": rng.choice(["score desc, metadata_modified desc",
                                            "metadata_modified desc"])})
    rng.shuffle(mix)
    return mix


def _pairs(rows) -> dict:
    return {row[0]: row[1] for row in rows}


def check_facets(call, session) -> int:
    """Compare facet counts with counts computed from CKAN's tables; return mismatches."""
    from sqlalchemy import text

    result = call({"q": "*:*", "facet.field": FACETS, "facet.limit": -1, "rows": 0})
    bad = 0
    expected_orgs = _pairs(session.execute(text(
        "SELECT g.name, count(*) FROM package p JOIN \"group\" g ON g.id = p.owner_org"
        " WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset' GROUP BY g.name")))
    bad += expected_orgs != result["facets"]["organization"]
    expected_tags = _pairs(session.execute(text(
        "SELECT t.name, count(DISTINCT p.id) FROM package p JOIN package_tag pt"
        " ON pt.package_id = p.id AND pt.state = 'active' JOIN tag t ON t.id = pt.tag_id"
        " WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset' GROUP BY t.name")))
    bad += expected_tags != result["facets"]["tags"]
    expected_formats = _pairs(session.execute(text(
        "SELECT r.format, count(DISTINCT p.id) FROM package p JOIN resource r"
        " ON r.package_id = p.id AND r.state = 'active' WHERE p.state = 'active'"
        " AND NOT p.private AND p.type = 'dataset' GROUP BY r.format")))
    bad += expected_formats != result["facets"]["res_format"]
    org = next(iter(expected_orgs))
    filtered = call({"fq": f'organization:"{org}"', "facet.field": FACETS, "rows": 0})
    bad += filtered["count"] != expected_orgs[org]
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--redis-db", type=int, default=5)
    args = parser.parse_args()

    _env.use_database(DATABASE, redis_db=args.redis_db)
    _env.ensure_database(DATABASE)
    import psycopg2

    conn = psycopg2.connect(_env.database_url(DATABASE))
    from bench.generate import generate

    started = time.perf_counter()
    generate(conn, args.datasets, progress=lambda m: print("  " + m, flush=True))
    print(f"catalog ready in {time.perf_counter() - started:.1f} s")
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM package WHERE state = 'active'")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT name FROM \"group\" WHERE is_organization ORDER BY name")
        org_names = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT t.name FROM tag t JOIN package_tag pt ON pt.tag_id = t.id"
                       " GROUP BY t.name ORDER BY count(*) DESC")
        tags = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM package WHERE state = 'active' AND NOT private")
        ids = [r[0] for r in cursor.fetchall()]
    conn.close()

    rebuild_line = "rebuild skipped"
    if not args.skip_rebuild:
        print(f"re-indexing {total} datasets with {args.workers} workers ...", flush=True)
        started = time.perf_counter()
        subprocess.run([str(_env.VENV_BIN / "ckan"), "-c", str(_env.INI), "govshare",
                        "search", "rebuild", "--clear", "--workers", str(args.workers)],
                       check=True)
        seconds = time.perf_counter() - started
        rebuild_line = (f"rebuild: {total} datasets in {seconds:.0f} s"
                        f" ({total / seconds:.0f} datasets/s), peak RSS of one indexing"
                        f" process {_env.peak_rss_mb(children=True):.0f} MB")
        print(rebuild_line, flush=True)

    app = _env.load_ckan()
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    flask_app = app._wsgi_app
    rng = random.Random(7)
    mix = query_mix(rng, args.queries, org_names, tags)

    def search(params: dict) -> dict:
        context = {"user": "", "ignore_auth": False}
        return tk.get_action("package_search")(context, dict(params))

    def show(package_id: str) -> dict:
        context = {"user": "", "ignore_auth": False}
        return tk.get_action("package_show")(context, {"id": package_id})

    with flask_app.test_request_context():
        search({"q": "warm up", "facet.field": FACETS})
        show(ids[0])
        mismatches = check_facets(search, model.Session)
        search_ms = _env.timed([lambda p=p: search(p) for p in mix])
        sample = rng.sample(ids, len(mix))
        show_ms = _env.timed([lambda i=i: show(i) for i in sample])
        by_kind: dict[str, list[float]] = {}
        for params, ms in zip(mix, search_ms):
            kind = ("deep page" if params.get("start") else "sorted" if "sort" in params
                    else "filter" if "fq" in params else "text+facets"
                    if "facet.field" in params else "free text")
            by_kind.setdefault(kind, []).append(ms)

    p50 = _env.percentile(search_ms, 50)
    p95 = _env.percentile(search_ms, 95)
    show_p50 = _env.percentile(show_ms, 50)
    print()
    print(f"datasets indexed:       {total}")
    print(f"package_search x{len(search_ms)}:  {_env.summary(search_ms)}")
    for kind, values in sorted(by_kind.items()):
        print(f"  {kind:<20}  {_env.summary(values)}  (n={len(values)})")
    print(f"package_show   x{len(show_ms)}:  {_env.summary(show_ms)}   (baseline)")
    print(f"ratio search/show:      p50 {p50 / show_p50:.2f}x"
          f"  p95 {p95 / _env.percentile(show_ms, 95):.2f}x")
    print(f"facet counts exact:     {'yes' if mismatches == 0 else f'NO ({mismatches} off)'}")
    print(rebuild_line)
    print(f"targets: p50 <= 30 ms {'met' if p50 <= 30 else 'MISSED'},"
          f" p95 <= 100 ms {'met' if p95 <= 100 else 'MISSED'}")
    print(json.dumps({"search_p50_ms": round(p50, 1), "search_p95_ms": round(p95, 1),
                      "show_p50_ms": round(show_p50, 1), "facets_exact": mismatches == 0}))


if __name__ == "__main__":
    main()
