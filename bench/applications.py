"""Applications benchmark: the reviewer inbox, the supervisor report and the
tick over 100,000 applications.

    .venv/bin/python bench/applications.py [--applications 100000] [--requests 200]
                                           [--keep] [--explain] [--skip-tick]
                                           [--open-only] [--skip-recompute]

Uses its own database (govshare_bench_apps) and Redis db 9. Creates, once,
20 organizations with one reviewer (editor) each and 1,000 conditional
datasets (one made by ``package_create``, cloned with COPY) and 2,000
applicants; then (unless ``--keep``) empties the application tables and
writes the applications afresh relative to today (bench/generate_applications.py),
so that every run sees the same mix: overdue ones, ones due within 5 working
days, grants ending now.

Measured in-process, one request per call, ``--requests`` each, as the
organization's reviewer: ``govshare_application_list`` for an organization
(the inbox query; the busiest organization and all of them in turn) and the
inbox page ``/organization/<id>/applications`` when its route is there; as a
sysadmin: ``govshare_application_report`` and the report page (and CSV).
Baselines in the same process: ``package_show`` of a conditional dataset
(actions) and its page ``/dataset/<id>`` (pages). Then the tick
(``applications/tick.py``, when present) over the whole table, twice (the
second run finds nothing new: it is idempotent). Then the recompute of the
due dates from the events (``applications/recompute.py``, what ``ckan
govshare workdays recompute`` runs): on the unchanged calendar (nothing may
change), again, with a holiday added on the next working day (the override
file: the dates after it move) and with it removed again. ``--open-only``
writes every application open (``submitted``): the recompute's figure is for
100,000 open cases. ``--explain`` prints EXPLAIN ANALYZE of the report and
inbox queries. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
from bench.generate import _copy  # noqa: E402
# before CKAN loads: it puts its own package directory first on sys.path,
# where "tests" is CKAN's
from tests.factories import catalog_fields, credit_code  # noqa: E402

DATABASE = "govshare_bench_apps"
REDIS_DB = 9
ORGS = 20
DATASETS = 1000
APPLICANTS = 2000
AGENCIES = ["交通运输局", "卫生健康委员会", "市场监督管理局", "生态环境局", "统计局", "自然资源局",
            "公安局", "民政局", "教育局", "人力资源和社会保障局", "住房和城乡建设局", "水务局",
            "农业农村局", "商务局", "文化和旅游局", "应急管理局", "税务局", "气象局", "城市管理局",
            "医疗保障局"]
TARGET_MS = 300
TICK_TARGET_S = 30
RECOMPUTE_TARGET_S = 30
INBOX_RULE = "/organization/<id>/applications"


def ensure_people_and_orgs(tk, admin: dict) -> list[dict]:
    """20 organizations, each with one reviewer (editor); idempotent."""
    orgs = []
    for i in range(ORGS):
        reviewer_name = f"bench-apps-reviewer-{i:02d}"
        try:
            reviewer = tk.get_action("user_show")(dict(admin), {"id": reviewer_name})
        except tk.ObjectNotFound:
            reviewer = tk.get_action("user_create")(dict(admin), {
                "name": reviewer_name, "email": f"reviewer{i:02d}@bench.example",
                "password": "bench-reviewer-password-1", "fullname": f"审核员{i:02d}"})
        name = f"bench-apps-org-{i:02d}"
        try:
            org = tk.get_action("organization_show")(dict(admin), {"id": name})
        except tk.ObjectNotFound:
            org = tk.get_action("organization_create")(dict(admin), {
                "name": name, "title": f"市{AGENCIES[i]}",
                "unified_social_credit_code": credit_code(880000 + i),
                "review_contact": "数据开放联络员",
                "review_contact_email": f"review{i:02d}@bench.example",
                "users": [{"name": reviewer_name, "capacity": "editor"}]})
        orgs.append({"id": org["id"], "name": org["name"], "reviewer": reviewer})
    return orgs


def ensure_datasets(tk, admin: dict, conn, orgs: list[dict]) -> list[tuple[str, str]]:
    """1,000 conditional datasets spread over the organizations: the first by
    ``package_create`` (so the catalog schema writes its extras), the rest
    copies of its rows; idempotent. Returns (dataset id, organization id)."""
    cursor = conn.cursor()
    first = "bench-apps-ds-0000"
    try:
        template = tk.get_action("package_show")(dict(admin), {"id": first})
    except tk.ObjectNotFound:
        template = tk.get_action("package_create")(dict(admin), {
            "name": first, "title": "有条件开放基准数据集 0000",
            "notes": "申请基准测试用的有条件开放数据集。", "owner_org": orgs[0]["id"],
            "resources": [{"url": "http://data.example.gov.cn/a.csv", "name": "A"},
                          {"url": "http://data.example.gov.cn/b.csv", "name": "B"}],
            **catalog_fields(open_tier="conditional", resource_code="GS-BENCH-000000")})
    cursor.execute("SELECT count(*) FROM package WHERE name LIKE 'bench-apps-ds-%%'")
    if cursor.fetchone()[0] < DATASETS:
        cursor.execute("SELECT key, value FROM package_extra WHERE package_id = %s"
                       " AND state = 'active'", (template["id"],))
        extras = cursor.fetchall()
        rng = random.Random(1000)
        now = dt.datetime.utcnow()
        packages, package_extras, resources = [], [], []
        for n in range(1, DATASETS):
            org = orgs[n % len(orgs)]
            package_id = str(uuid.UUID(int=rng.getrandbits(128)))
            packages.append((package_id, f"bench-apps-ds-{n:04d}",
                             f"有条件开放基准数据集 {n:04d}", "申请基准测试用的有条件开放数据集。",
                             "active", "dataset", org["id"], False, now, now, None))
            for key, value in extras:
                if key == "resource_code":
                    value = f"GS-BENCH-{n:06d}"
                package_extras.append((str(uuid.UUID(int=rng.getrandbits(128))), package_id,
                                       key, value, "active"))
            for position, letter in enumerate("AB"):
                resources.append((str(uuid.UUID(int=rng.getrandbits(128))), package_id,
                                  f"http://data.example.gov.cn/{n}/{letter}.csv", "CSV",
                                  letter, position, "active", now, now, "{}"))
        _copy(cursor, "package", ["id", "name", "title", "notes", "state", "type", "owner_org",
                                  "private", "metadata_created", "metadata_modified",
                                  "creator_user_id"], packages)
        _copy(cursor, "package_extra", ["id", "package_id", "key", "value", "state"],
              package_extras)
        _copy(cursor, "resource", ["id", "package_id", "url", "format", "name", "position",
                                   "state", "created", "metadata_modified", "extras"],
              resources)
        conn.commit()
    cursor.execute("SELECT id, owner_org FROM package WHERE name LIKE 'bench-apps-ds-%%'"
                   " ORDER BY name")
    rows = cursor.fetchall()
    cursor.close()
    return rows


def ensure_applicants(conn) -> list[str]:
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM \"user\" WHERE name LIKE 'bench-apps-user-%%'")
    if cursor.fetchone()[0] < APPLICANTS:
        rng = random.Random(2000)
        now = dt.datetime.utcnow()
        _copy(cursor, "user", ["id", "name", "email", "fullname", "password", "state",
                               "sysadmin", "created"],
              [(str(uuid.UUID(int=rng.getrandbits(128))), f"bench-apps-user-{n:04d}",
                f"user{n:04d}@bench.example", f"申请人{n:04d}", "!", "active", False, now)
               for n in range(APPLICANTS)])
        conn.commit()
    # CKAN's user_create gives every user a dashboard row; without it the
    # header's new-activities count of a signed-in page takes CKAN's slow path
    cursor.execute("INSERT INTO dashboard (user_id, activity_stream_last_viewed, email_last_sent)"
                   " SELECT id, now(), now() FROM \"user\" ON CONFLICT DO NOTHING")
    conn.commit()
    cursor.execute("SELECT id FROM \"user\" WHERE name LIKE 'bench-apps-user-%%' ORDER BY name")
    ids = [r[0] for r in cursor.fetchall()]
    cursor.close()
    return ids


def explain(session, statement, params=None) -> tuple[float, str]:
    """EXPLAIN ANALYZE of a SQLAlchemy statement or an SQL string with
    ``%(name)s`` parameters: the execution time (ms) and the plan."""
    if not isinstance(statement, str):
        compiled = statement.compile(dialect=session.bind.dialect,
                                     compile_kwargs={"render_postcompile": True})
        statement, params = str(compiled), compiled.params
    rows = session.connection().exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + statement, params or {}).all()
    plan = "\n".join(r[0] for r in rows)
    ms = next(float(r[0].split(":")[1].split()[0]) for r in rows
              if r[0].startswith("Execution Time"))
    return ms, plan


def measure_recompute(flask_app) -> list[str]:
    """The recompute over the whole table: on the unchanged calendar, again,
    with a holiday added on the next working day (an override file for this
    year: the calendar as it is plus that day) and with it removed again."""
    import tempfile

    import yaml

    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.govshare import options, workdays
    from ckanext.govshare.applications import recompute, workflow
    from ckanext.govshare.applications.model import Application

    lines: list[str] = []

    def run(label: str) -> float:
        with flask_app.test_request_context():
            started = time.perf_counter()
            result = recompute.recompute_due_dates()
            model.repo.commit()
            seconds = time.perf_counter() - started
        lines.append(f"recompute, {label}: {seconds:.2f} s {result}")
        print(lines[-1], flush=True)
        return seconds

    with flask_app.test_request_context():
        opened = model.Session.query(Application).filter(
            Application.state.in_(workflow.WAITING_FOR_ANSWER)).count()
        today = workdays.local_today()
        calendar = workdays.get_calendar()
        year = today.year
        days = [dt.date(year, 1, 1) + dt.timedelta(days=n)
                for n in range((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)]
        holiday = calendar.add_workdays(today, 1).date
        override = {year: {
            "holidays": [d.isoformat() for d in days
                         if (d.weekday() < 5 and not calendar.is_workday(d)) or d == holiday],
            "workdays": [d.isoformat() for d in days
                         if d.weekday() >= 5 and calendar.is_workday(d)]}}
    first = run(f"unchanged calendar ({opened} open)")
    run("again")
    configured = tk.config.get(options.WORKDAYS_OVERRIDE_FILE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "workdays.yaml"
        path.write_text(yaml.safe_dump(override), encoding="utf-8")
        tk.config[options.WORKDAYS_OVERRIDE_FILE] = str(path)
        try:
            run(f"{holiday} made a holiday")
        finally:
            tk.config[options.WORKDAYS_OVERRIDE_FILE] = configured
    run(f"{holiday} a working day again")
    lines.append(f"recompute target <= {RECOMPUTE_TARGET_S} s (unchanged calendar, first"
                 f" run): {'met' if first <= RECOMPUTE_TARGET_S else 'MISSED'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true",
                        help="keep the applications of the last run (the tick changed them)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-tick", action="store_true")
    parser.add_argument("--open-only", action="store_true",
                        help="every application open (submitted): the recompute's cases")
    parser.add_argument("--skip-recompute", action="store_true")
    args = parser.parse_args()

    _env.use_database(DATABASE, redis_db=REDIS_DB)
    _env.ensure_database(DATABASE)
    app = _env.load_ckan()
    flask_app = app._wsgi_app

    import psycopg2
    import redis

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    from bench import generate_applications as gen
    from ckanext.govshare import workdays
    from ckanext.govshare.applications import deadline, report

    # the jobs the tick queues pile up in this run's own Redis db: start empty
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()

    conn = psycopg2.connect(_env.database_url(DATABASE))
    with flask_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        admin = {"user": site_user, "ignore_auth": True}
        started = time.perf_counter()
        orgs = ensure_people_and_orgs(tk, admin)
        datasets = ensure_datasets(tk, admin, conn, orgs)
        applicants = ensure_applicants(conn)
        print(f"{len(orgs)} organizations, {len(datasets)} conditional datasets,"
              f" {len(applicants)} applicants ready in {time.perf_counter() - started:.1f} s",
              flush=True)

        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM govshare_application")
            existing = cursor.fetchone()[0]
        if args.keep and existing >= args.applications:
            print(f"keeping the {existing} applications of the last run")
        else:
            started = time.perf_counter()
            try:
                gen.truncate(conn)
            except psycopg2.errors.InsufficientPrivilege:
                # migrated as the owner role: only it may TRUNCATE
                from ckanext.govshare.database import roles

                conn.rollback()
                owner = psycopg2.connect(roles.owner_url(_env.database_url(DATABASE)))
                gen.truncate(owner)
                owner.close()
            days = gen.Days(workdays.local_today(), workdays.is_workday)
            counts = gen.generate(
                conn, args.applications,
                orgs=[(o["id"], o["reviewer"]["id"]) for o in orgs], datasets=datasets,
                applicants=applicants, days=days, now=dt.datetime.utcnow(),
                answer_days=deadline.answer_working_days(),
                progress=lambda m: print("  " + m, flush=True),
                states=["submitted"] if args.open_only else None,
                knows=workdays.get_calendar().knows)
            print(f"applications written in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), flush=True)

        tokens = {}
        for user in [o["reviewer"]["name"] for o in orgs] + [site_user]:
            tokens[user] = tk.get_action("api_token_create")(
                {"user": user, "ignore_auth": True}, {"user": user, "name": "bench"})["token"]
    with conn.cursor() as cursor:
        cursor.execute("SELECT owner_org, count(*), count(*) FILTER (WHERE state = 'submitted'"
                       " AND due_date < %s) FROM govshare_application GROUP BY owner_org"
                       " ORDER BY 2 DESC", (workdays.local_today(),))
        load = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM govshare_application_event")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM govshare_application")
        total = cursor.fetchone()[0]
    conn.close()
    by_id = {o["id"]: o for o in orgs}
    busiest = by_id[load[0][0]]
    print(f"{total} applications, {events} events; busiest organization {busiest['name']}:"
          f" {load[0][1]} applications, {load[0][2]} overdue; quietest: {load[-1][1]}")

    client = CKANTestApp(app)
    rng = random.Random(7)
    n = args.requests
    sysadmin = site_user

    def action(name: str, user: str, data: dict):
        def call() -> None:
            with flask_app.test_request_context():
                tk.get_action(name)({"user": user, "ignore_auth": False}, dict(data))
        return call

    def page(url: str, user: str, params: dict | None = None):
        def call() -> None:
            response = client.get(url, headers={"Authorization": tokens[user]},
                                  query_string=params or {})
            assert response.status_code == 200, (url, response.status_code)
        return call

    def inbox_calls(make) -> list:
        """``n`` calls: all organizations in turn."""
        return [make(orgs[i % len(orgs)]) for i in range(n)]

    def run(label: str, calls: list) -> list[float]:
        calls[0]()  # warm up (templates, caches)
        values = _env.timed(calls)
        print(f"  {label:<44} {_env.summary(values)}  (n={len(values)})", flush=True)
        return values

    own = {o["id"]: [d for d, org_id in datasets if org_id == o["id"]] for o in orgs}
    has_inbox_page = any(r.rule == INBOX_RULE for r in flask_app.url_map.iter_rules())
    results: dict[str, list[float]] = {}
    print()
    print("baselines")
    results["package_show"] = run("package_show (reviewer, conditional)", [
        action("package_show", busiest["reviewer"]["name"],
               {"id": rng.choice(own[busiest["id"]])}) for _ in range(n)])
    with flask_app.test_request_context():
        names = dict(model.Session.query(model.Package.id, model.Package.name).filter(
            model.Package.id.in_(own[busiest["id"]])).all())
    results["dataset page"] = run("/dataset/<id> page (reviewer)", [
        page(f"/dataset/{names[rng.choice(own[busiest['id']])]}",
             busiest["reviewer"]["name"]) for _ in range(n)])

    print("reviewer inbox")
    results["inbox action busiest"] = run(
        "govshare_application_list, busiest org", [
            action("govshare_application_list", busiest["reviewer"]["name"],
                   {"organization": busiest["id"]}) for _ in range(n)])
    results["inbox action all"] = run("govshare_application_list, each org in turn",
                                      inbox_calls(lambda o: action(
                                          "govshare_application_list",
                                          o["reviewer"]["name"], {"organization": o["id"]})))
    results["inbox action overdue"] = run("govshare_application_list overdue, busiest", [
        action("govshare_application_list", busiest["reviewer"]["name"],
               {"organization": busiest["id"], "overdue": True}) for _ in range(n)])
    if has_inbox_page:
        results["inbox page busiest"] = run(
            "/organization/<id>/applications, busiest", [
                page(f"/organization/{busiest['name']}/applications",
                     busiest["reviewer"]["name"]) for _ in range(n)])
        results["inbox page all"] = run("/organization/<id>/applications, each org",
                                        inbox_calls(lambda o: page(
                                            f"/organization/{o['name']}/applications",
                                            o["reviewer"]["name"])))
        results["inbox page deep"] = run("  … page 20 of the busiest", [
            page(f"/organization/{busiest['name']}/applications",
                 busiest["reviewer"]["name"], {"page": 20}) for _ in range(n)])
    else:
        print(f"  (no {INBOX_RULE} route yet: the inbox page is measured once it exists)")

    print("supervisor report")
    results["report action"] = run("govshare_application_report", [
        action("govshare_application_report", sysadmin, {}) for _ in range(n)])
    results["report action org"] = run("govshare_application_report, one org + since", [
        action("govshare_application_report", sysadmin,
               {"organization": orgs[i % len(orgs)]["id"], "since": "2026-01-01"})
        for i in range(n)])
    results["report page"] = run("/ckan-admin/applications/report", [
        page("/ckan-admin/applications/report", sysadmin) for _ in range(n)])
    results["report csv"] = run("/ckan-admin/applications/report.csv", [
        page("/ckan-admin/applications/report.csv", sysadmin) for _ in range(n)])

    explained = {}
    with flask_app.test_request_context():
        today = workdays.local_today()
        explained["report"] = explain(model.Session, report.query(today=today))
        inbox_sql = ("SELECT * FROM govshare_application WHERE owner_org = %(org)s ORDER BY"
                     " CASE WHEN state IN ('submitted', 'needs_supplement') THEN 0 ELSE 1"
                     " END, due_date ASC NULLS LAST, submitted_at, id LIMIT 50")
        explained["inbox"] = explain(model.Session, inbox_sql, {"org": busiest["id"]})
        explained["inbox count"] = explain(
            model.Session, "SELECT count(*) FROM govshare_application WHERE owner_org = %(org)s",
            {"org": busiest["id"]})
        model.Session.rollback()

    tick_line = "tick: not measured (--skip-tick)"
    if not args.skip_tick:
        try:
            from ckanext.govshare.applications import tick as tick_module
        except ImportError:
            tick_module = None
        if tick_module is None or not hasattr(tick_module, "tick"):
            tick_line = ("tick: applications/tick.py with tick(now=None) is not there yet;"
                         " this step runs once it is")
        else:
            with flask_app.test_request_context():
                started = time.perf_counter()
                first = tick_module.tick()
                first_s = time.perf_counter() - started
                started = time.perf_counter()
                second = tick_module.tick()
                second_s = time.perf_counter() - started
            tick_line = (f"tick over {total} applications: {first_s:.2f} s {first};"
                         f" again (idempotent) {second_s:.2f} s {second}"
                         f"  target <= {TICK_TARGET_S} s:"
                         f" {'met' if first_s <= TICK_TARGET_S else 'MISSED'}")
            print(tick_line, flush=True)

    recompute_lines = (["recompute: not measured (--skip-recompute)"] if args.skip_recompute
                       else measure_recompute(flask_app))

    def p(name: str, pct: int = 95) -> float:
        return _env.percentile(results[name], pct)

    print()
    print(f"applications: {total}, events: {events}, organizations: {len(orgs)},"
          f" requests per figure: {n}")
    action_base, page_base = p("package_show"), p("dataset page")
    for name, base, base_name in (
            ("inbox action busiest", action_base, "package_show"),
            ("inbox action all", action_base, "package_show"),
            ("inbox action overdue", action_base, "package_show"),
            ("inbox page busiest", page_base, "dataset page"),
            ("inbox page all", page_base, "dataset page"),
            ("inbox page deep", page_base, "dataset page"),
            ("report action", action_base, "package_show"),
            ("report action org", action_base, "package_show"),
            ("report page", page_base, "dataset page"),
            ("report csv", page_base, "dataset page")):
        if name not in results:
            continue
        print(f"{name:<22} p50 {p(name, 50):7.1f} ms  p95 {p(name):7.1f} ms"
              f"  p95 ratio to {base_name} {p(name) / base:5.2f}x"
              f"  target p95 <= {TARGET_MS} ms: {'met' if p(name) <= TARGET_MS else 'MISSED'}")
    print(f"baselines: package_show p95 {action_base:.1f} ms, dataset page p95"
          f" {page_base:.1f} ms")
    for name, (ms, _plan) in explained.items():
        print(f"EXPLAIN ANALYZE {name:<12} {ms:8.1f} ms")
    if not has_inbox_page:
        print(f"inbox page: no {INBOX_RULE} route yet")
    print(tick_line)
    for line in recompute_lines:
        print(line)
    if args.explain:
        for name, (_ms, plan) in explained.items():
            print(f"\n--- EXPLAIN (ANALYZE, BUFFERS) {name}\n{plan}")
    print(json.dumps({k: {"p50_ms": round(p(k, 50), 1), "p95_ms": round(p(k), 1)}
                      for k in results}))


if __name__ == "__main__":
    main()
