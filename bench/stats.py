"""Statistics benchmark: /stats and the supervisor's dashboard over a large
catalog, a million download receipts and 100,000 applications.

    .venv/bin/python -m bench.stats [--datasets 100000] [--receipts 1000000]
                                   [--applications 100000] [--requests 100]
                                   [--error-reports 100000] [--data-requests 100000]
                                   [--skip-rebuild] [--workers 2]

Uses its own database (govshare_bench_stats) and Redis db 12. Generates,
once (kept from one run to the next): the synthetic catalog of bench/search.py
(bench/generate.py: 30 agencies, published, 5% private), 10 topics (groups)
over it, the applications benchmark's 20 agencies with 1,000 conditional
datasets and ``--applications`` applications written relative to today
(bench/generate_applications.py), ``--receipts`` download receipts over the
last 18 months (Zipf-like: a few datasets are downloaded most) and anonymous
day counts, ``--error-reports`` error reports and ``--data-requests`` data
requests (bench/lists.py, bench/generate_voice.py: the statistics count
their answers too); then re-indexes the catalog (``ckan govshare search rebuild``)
unless the index already holds it.

Measured in-process, one request per call: the baseline, a dataset page
``/dataset/<id>`` as an anonymous visitor, in the same process; then
``/stats`` (anonymous) and ``/supervision/dashboard`` (a supervisor), cold
(the statistics cache emptied before each call: every figure counted),
warm (what visitors get while the catalog, the applications and the TTL
stand still) and after a change, made before each call and not timed (a
dataset re-indexed: the catalog's figures are counted again; an error report
answered: the figures of the cases; the visit is given the latest counts
while they are counted again in the background, ``stale_for``, and how long
until the page is current again is printed too), p50/p95 and the ratio to
the baseline;
and each figure counted alone, cold. Target: p95 <= 300 ms. Not part of the
test suite.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
from bench.generate import _copy  # noqa: E402

DATABASE = "govshare_bench_stats"
REDIS_DB = 12
TARGET_MS = 300
TOPICS = ["交通出行", "医疗卫生", "教育文化", "生态环境", "财税金融", "社会保障",
          "城乡建设", "农业农村", "公共安全", "市场监管"]


def ensure_topics(conn) -> int:
    """10 topics (groups), each dataset of the synthetic catalog in one."""
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM \"group\" WHERE name LIKE 'bench-topic-%%'")
    if cursor.fetchone()[0] == 0:
        now = dt.datetime(2026, 11, 1)
        rng = random.Random(31)
        groups = [(str(uuid.UUID(int=rng.getrandbits(128))), f"bench-topic-{i:02d}", title)
                  for i, title in enumerate(TOPICS)]
        _copy(cursor, "group", ["id", "name", "title", "description", "created", "state",
                                "type", "approval_status", "is_organization", "image_url"],
              [(g[0], g[1], g[2], "", now, "active", "group", "approved", False, "")
               for g in groups])
        cursor.execute("SELECT id FROM package WHERE name LIKE 'bench-%%' ORDER BY name")
        members = [(str(uuid.UUID(int=rng.getrandbits(128))), row[0], "package",
                    groups[rng.randrange(len(groups))][0], "active", "public")
                   for row in cursor.fetchall()]
        _copy(cursor, "member", ["id", "table_id", "table_name", "group_id", "state",
                                 "capacity"], members)
        conn.commit()
    cursor.execute("SELECT count(*) FROM member m JOIN \"group\" g ON g.id = m.group_id"
                   " WHERE g.name LIKE 'bench-topic-%%'")
    count = cursor.fetchone()[0]
    cursor.close()
    return count


def ensure_receipts(conn, count: int, user_ids: list[str]) -> int:
    """``count`` receipts and some anonymous day counts, Zipf-like over the datasets."""
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM govshare_download_receipt")
    existing = cursor.fetchone()[0]
    if existing >= count:
        cursor.close()
        return existing
    cursor.execute("SELECT p.id, r.id FROM package p JOIN resource r ON r.package_id = p.id"
                   " AND r.position = 0 WHERE p.state = 'active' ORDER BY p.name")
    files = cursor.fetchall()
    rng = random.Random(41)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(files))]
    now = dt.datetime.utcnow()
    batch = 100_000
    for start in range(existing, count, batch):
        rows = []
        for (package_id, resource_id) in rng.choices(files, weights, k=min(batch, count - start)):
            rows.append((rng.choice(user_ids), package_id, resource_id,
                         now - dt.timedelta(seconds=rng.randrange(540 * 86400)), "web"))
        _copy(cursor, "govshare_download_receipt",
              ["user_id", "package_id", "resource_id", "obtained_at", "channel"], rows)
        conn.commit()
        print(f"  receipts {min(count, start + batch)}/{count}", flush=True)
    counts = {}
    today = dt.date.today()
    for (package_id, resource_id) in rng.choices(files, weights, k=50_000):
        key = (resource_id, today - dt.timedelta(days=rng.randrange(540)))
        counts[key] = (package_id, counts.get(key, (package_id, 0))[1] + rng.randrange(1, 5))
    cursor.execute("DELETE FROM govshare_download_count")
    _copy(cursor, "govshare_download_count", ["resource_id", "day", "package_id", "count"],
          [(r, d, p, n) for (r, d), (p, n) in counts.items()])
    conn.commit()
    cursor.execute("ANALYZE govshare_download_receipt; ANALYZE govshare_download_count")
    conn.commit()
    cursor.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--error-reports", type=int, default=100_000)
    parser.add_argument("--data-requests", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    app, admin = _env.site(DATABASE, redis_db=REDIS_DB)
    flask_app = app._wsgi_app
    # one line per page would bury the figures
    logging.getLogger("ckan.config.middleware.flask_app").setLevel(logging.WARNING)

    import psycopg2
    import redis
    import sqlalchemy as sa

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    from bench import applications as apps_bench
    from bench import generate_applications as gen
    from bench import lists
    from bench.generate import generate
    from ckanext.govshare import workdays
    from ckanext.govshare.applications import deadline
    from ckan.lib import search

    from ckanext.govshare.applications import report as answers
    from ckanext.govshare.labelling import popular
    from ckanext.govshare.search import cache as search_cache
    from ckanext.govshare.stats import cache, figures
    from ckanext.govshare.stats.logic import action as _registers  # noqa: F401

    conn = psycopg2.connect(_env.database_url(DATABASE))
    started = time.perf_counter()
    with flask_app.test_request_context():
        orgs = apps_bench.ensure_people_and_orgs(tk, admin)
        datasets = apps_bench.ensure_datasets(tk, admin, conn, orgs)
        applicants = apps_bench.ensure_applicants(conn)
        # the dashboard's reader: a supervisor (not the site user, whose
        # header would count the 100,000 datasets it created)
        supervisor = "bench-supervisor"
        if not model.User.get(supervisor):
            tk.get_action("user_create")(dict(admin), {
                "name": supervisor, "email": "supervisor@bench.example.org",
                "password": "bench-supervisor-1", "fullname": "市数据局监督科"})
            tk.get_action("govshare_supervisor_grant")(dict(admin), {
                "user": supervisor, "reason": "市政务服务数据管理局监督科（基准测试）"})
        # pages are asked with an API token, as a browser's session would be
        token = tk.get_action("api_token_create")(dict(admin), {
            "user": supervisor, "name": "bench-stats"})["token"]
    generate(conn, args.datasets, progress=lambda m: print("  " + m, flush=True))
    members = ensure_topics(conn)
    receipts = ensure_receipts(conn, args.receipts, applicants)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM govshare_application WHERE kind = 'open'")
        existing = cursor.fetchone()[0]
    if existing != args.applications:
        try:
            gen.truncate(conn)
        except psycopg2.errors.InsufficientPrivilege:
            from ckanext.govshare.database import roles

            conn.rollback()
            owner = psycopg2.connect(roles.owner_url(_env.database_url(DATABASE)))
            gen.truncate(owner)
            owner.close()
        with flask_app.test_request_context():
            gen.generate(conn, args.applications,
                         orgs=[(o["id"], o["reviewer"]["id"]) for o in orgs],
                         datasets=datasets, applicants=applicants,
                         days=gen.Days(workdays.local_today(), workdays.is_workday),
                         now=dt.datetime.utcnow(), answer_days=deadline.answer_working_days(),
                         progress=lambda m: print("  " + m, flush=True),
                         knows=workdays.get_calendar().knows)
    voice = lists.ensure_voice(flask_app, conn, error_reports=args.error_reports,
                               data_requests=args.data_requests, reporters=applicants,
                               progress=lambda m: print("  " + m, flush=True))
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM package WHERE state = 'active'")
        packages = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM govshare_search_doc")
        indexed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM govshare_application WHERE kind = 'open'")
        applications = cursor.fetchone()[0]
    print(f"{packages} datasets ({indexed} indexed), {members} in topics, {receipts} receipts,"
          f" {applications} applications, {voice['error_reports']} error reports,"
          f" {voice['data_requests']} data requests; set up in"
          f" {time.perf_counter() - started:.0f} s", flush=True)
    if not args.skip_rebuild and indexed < packages:
        began = time.perf_counter()
        subprocess.run([str(_env.VENV_BIN / "ckan"), "-c", str(_env.INI), "govshare",
                        "search", "rebuild", "--clear", "--workers", str(args.workers)],
                       check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL)
        print(f"re-indexed {packages} datasets in {time.perf_counter() - began:.0f} s",
              flush=True)
    conn.close()

    client = CKANTestApp(app)
    store = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    rng = random.Random(7)
    n = args.requests

    def forget(search_counts: bool = False) -> None:
        """The statistics' cache emptied (and the search engine's facet counts)."""
        keys = list(store.scan_iter(cache.PREFIX + "*"))
        if search_counts:
            keys += list(store.scan_iter(search_cache.PREFIX + "*"))
        if keys:
            store.delete(*keys)

    def page(url: str, user: str | None = None, cold: bool = False):
        def call() -> None:
            if cold:
                forget()
            response = client.get(url, headers={"Authorization": token} if user else {})
            assert response.status_code == 200, (url, response.status_code)
        return call

    def run(label: str, calls: list) -> list[float]:
        calls[0]()  # warm up (templates, connections)
        values = _env.timed(calls)
        print(f"  {label:<46} {_env.summary(values)}  (n={len(values)})", flush=True)
        return values

    with flask_app.test_request_context():
        names = [name for (name,) in model.Session.query(model.Package.name).filter(
            model.Package.name.like("bench-0%"), model.Package.private.is_(False)).limit(500)]
    print("\nbaseline")
    base = run("/dataset/<id> (anonymous)", [page(f"/dataset/{rng.choice(names)}")
                                             for _ in range(n)])
    cold_n = max(5, n // 10)
    print("statistics")
    results = {
        "/stats warm": run("/stats, warm (anonymous)", [page("/stats") for _ in range(n)]),
        "/stats cold": run("/stats, cold: every figure counted", [
            page("/stats", cold=True) for _ in range(cold_n)]),
        "dashboard warm": run("/supervision/dashboard, warm (supervisor)", [
            page("/supervision/dashboard", supervisor) for _ in range(n)]),
        "dashboard cold": run("/supervision/dashboard, cold", [
            page("/supervision/dashboard", supervisor, cold=True) for _ in range(cold_n)]),
        "csv warm": run("/stats/answers_open.csv, warm", [
            page("/stats/answers_open.csv") for _ in range(n)]),
    }
    print("after a change (the change made before each request, not timed)")
    with flask_app.test_request_context():
        waiting = model.Session.execute(sa.text(
            "SELECT a.id, u.name FROM govshare_application a"
            " JOIN member m ON m.group_id = a.owner_org AND m.table_name = 'user'"
            " AND m.state = 'active' AND m.capacity = 'editor'"
            " JOIN \"user\" u ON u.id = m.table_id AND u.name LIKE 'bench-voice-%'"
            " WHERE a.kind = 'error_report' AND a.state = 'submitted'"
            " ORDER BY a.id LIMIT :n"), {"n": 4 * cold_n}).all()
        model.Session.rollback()

    def catalog_change() -> None:
        # a dataset re-indexed: the index's generation moves on
        with flask_app.test_request_context():
            search.rebuild(rng.choice(names))
            search.commit()

    def case_change() -> None:
        # an error report answered: an application event
        report_id, reviewer = waiting.pop()
        with flask_app.test_request_context():
            tk.get_action("govshare_error_report_answer")(
                {"user": reviewer, "ignore_auth": False},
                {"id": report_id, "outcome": "corrected", "reason": "已按报告更正"})

    def after(label: str, change, url: str, user: str | None = None) -> list[float]:
        page(url, user)()  # everything cached first
        cache.wait_for_counts()
        values, current = [], []
        for _ in range(cold_n):
            change()
            began = time.perf_counter()
            page(url, user)()
            values.append((time.perf_counter() - began) * 1000)
            # the figures the visit found out of date are counted again in
            # the background (stale_for): until when the page was behind
            cache.wait_for_counts()
            current.append((time.perf_counter() - began) * 1000)
        print(f"  {label:<46} {_env.summary(values)}  (n={len(values)});"
              f" current again after {_env.summary(current)}", flush=True)
        return values

    results["/stats catalog"] = after("/stats after a catalog change", catalog_change, "/stats")
    results["/stats case"] = after("/stats after an answer", case_change, "/stats")
    results["dashboard catalog"] = after("/supervision/dashboard after a catalog change",
                                         catalog_change, "/supervision/dashboard", supervisor)
    results["dashboard case"] = after("/supervision/dashboard after an answer", case_change,
                                      "/supervision/dashboard", supervisor)

    print("each figure counted alone (cold: the search engine's facet counts too)")
    with flask_app.test_request_context():
        for figure in figures.all_figures().values():
            values = []
            for _ in range(3):
                forget(search_counts=True)  # what the figure reads from other entries too
                began = time.perf_counter()
                figure.count()
                values.append((time.perf_counter() - began) * 1000)
                model.Session.rollback()
            print(f"  {figure.name:<28} {min(values):7.1f} ms (best of 3)", flush=True)
        for label, count in (
                ("every kind's answers, one pass", lambda: answers.reports_by_kind()),
                ("the download ranking", lambda: popular.most_downloaded(figures.CANDIDATES))):
            values = []
            for _ in range(3):
                began = time.perf_counter()
                count()
                values.append((time.perf_counter() - began) * 1000)
                model.Session.rollback()
            print(f"  {label:<28} {min(values):7.1f} ms (best of 3)", flush=True)
        began = time.perf_counter()
        for _ in range(20):
            cache.version()
        print(f"  the cache key's state (one query): "
              f"{(time.perf_counter() - began) * 1000 / 20:.2f} ms", flush=True)
        ids = [i for (i,) in model.Session.query(model.Package.id).filter(
            model.Package.name.like("bench-0%")).limit(50)]
        began = time.perf_counter()
        for package_id in ids:
            figures.download_total(package_id)
        print(f"  a dataset page's download count: "
              f"{(time.perf_counter() - began) * 1000 / len(ids):.1f} ms", flush=True)

    p95_base = _env.percentile(base, 95)
    print(f"\n{'':<22}{'p50':>9}{'p95':>9}  p95 / baseline  target p95")
    for label, values in results.items():
        p95 = _env.percentile(values, 95)
        print(f"{label:<22}{_env.percentile(values, 50):8.1f} {p95:8.1f}  "
              f"{p95 / p95_base:10.2f}x     {'<= ' + str(TARGET_MS) + ' ms':>10}"
              f" {'ok' if p95 <= TARGET_MS else 'MISSED'}")
    print(f"{'baseline':<22}{_env.percentile(base, 50):8.1f} {p95_base:8.1f}")


if __name__ == "__main__":
    main()
