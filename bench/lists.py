"""Lists benchmark: error reports and data requests at 100,000 each.

    .venv/bin/python -m bench.lists [--error-reports 100000]
                                   [--data-requests 100000] [--requests 100]
                                   [--explain]

Uses the statistics benchmark's database (``govshare_bench_stats``, Redis
db 12; run ``python -m bench.stats`` once first: it makes the synthetic
catalog of 100,000 datasets, the applications and the receipts) and adds,
once (kept from one run to the next, made again when the number asked
changes): ``--error-reports`` error reports over the catalog's public
datasets and ``--data-requests`` data requests with their votes
(:mod:`bench.generate_voice`), and an editor for each agency of the catalog
(who answers for it and reads its list).

Measured in-process, one request per call: the baselines ``package_show``
(anonymous), a dataset page without reports and ``/about`` signed in, then
the list actions
(``govshare_error_report_list``: a dataset's, the busiest agency's as its
editor, with a state, the reporter's own, everything as a sysadmin, a deep
page; ``govshare_data_request_list``: by support and newest, by state and
agency, anonymous and signed in, a deep page) and their pages (the dataset
page with the most reports, the agency's inbox of error reports,
``/datarequest`` in its orders and a deep page), p50/p95 and the ratio to
the baseline (``package_show`` for the actions, the dataset page for the
anonymous pages, ``/about`` signed in for the signed-in ones: CKAN's header
costs a signed-in user the same on every page). Target: the lists' p95 <=
100 ms. ``--explain`` prints the plans of the lists' queries. Not part of
the test suite.
"""
from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
from bench.stats import DATABASE, REDIS_DB  # noqa: E402

TARGET_MS = 100
#: editors of the synthetic catalog's agencies (bench/generate.py)
REVIEWER = "bench-voice-reviewer-{:02d}"


def ensure_reviewers(tk, admin: dict, conn) -> dict[str, str]:
    """An editor for each agency of the synthetic catalog: org id -> user id."""
    cursor = conn.cursor()
    cursor.execute("SELECT id, name FROM \"group\" WHERE name LIKE 'bench-org-%%'"
                   " AND is_organization ORDER BY name")
    orgs = cursor.fetchall()
    cursor.close()
    reviewers = {}
    for i, (org_id, org_name) in enumerate(orgs):
        name = REVIEWER.format(i)
        try:
            user = tk.get_action("user_show")(dict(admin), {"id": name})
        except tk.ObjectNotFound:
            user = tk.get_action("user_create")(dict(admin), {
                "name": name, "email": f"voice{i:02d}@bench.example",
                "password": "bench-reviewer-password-1", "fullname": f"纠错审核员{i:02d}"})
            tk.get_action("organization_member_create")(dict(admin), {
                "id": org_id, "username": name, "role": "editor"})
        reviewers[org_id] = user["id"]
    return reviewers


def ensure_voice(flask_app, conn, *, error_reports: int, data_requests: int,
                 reporters: list[str], progress=print) -> dict[str, int]:
    """The error reports and data requests asked for, made when their number
    differs (the old ones removed first). Returns what is there."""
    import psycopg2

    import ckan.plugins.toolkit as tk

    from bench import generate_applications as gen_apps
    from bench import generate_voice as gen
    from ckanext.govshare import workdays
    from ckanext.govshare.applications import deadline
    from ckanext.govshare.database import roles
    from ckanext.govshare.jurisdiction import profile

    def owner_run(statements: list[str]) -> None:
        # the event table is append-only for the portal role: the owner empties
        # it; and only the owner may VACUUM
        owner = psycopg2.connect(roles.owner_url(_env.database_url(DATABASE)))
        owner.autocommit = True
        with owner.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        owner.close()

    with flask_app.test_request_context():
        admin = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
                 "ignore_auth": True}
        reviewers = ensure_reviewers(tk, admin, conn)
        days = gen_apps.Days(workdays.local_today(), workdays.is_workday)
        knows = workdays.get_calendar().knows
        er_days = deadline.answer_working_days("error_report")
        dr_days = deadline.answer_working_days(profile.DATA_REQUEST)
        answerer = tk.get_action("user_show")(dict(admin), {"id": admin["user"]})["id"]
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM govshare_application WHERE kind = 'error_report'")
    existing = cursor.fetchone()[0]
    made = False
    if existing != error_reports:
        made = True
        started = time.perf_counter()
        if existing:
            owner_run([
                "DELETE FROM govshare_application_notice WHERE application_id IN"
                " (SELECT id FROM govshare_application WHERE kind = 'error_report')",
                "ALTER TABLE govshare_application_event DISABLE TRIGGER USER",
                "DELETE FROM govshare_application_event WHERE application_id IN"
                " (SELECT id FROM govshare_application WHERE kind = 'error_report')",
                "ALTER TABLE govshare_application_event ENABLE TRIGGER USER",
                "DELETE FROM govshare_application WHERE kind = 'error_report'"])
        cursor.execute(
            "SELECT p.id, p.owner_org, r.id FROM package p JOIN resource r"
            " ON r.package_id = p.id AND r.position = 0 AND r.state = 'active'"
            " WHERE p.name LIKE 'bench-0%%' AND p.state = 'active' AND NOT p.private"
            " AND p.owner_org = ANY(%s) ORDER BY p.id", (list(reviewers),))
        datasets = cursor.fetchall()
        random.Random(5).shuffle(datasets)  # the most reported: any of them
        counts = gen.error_reports(conn, error_reports, datasets=datasets, orgs=reviewers,
                                   reporters=reporters, days=days, answer_days=er_days,
                                   progress=progress, knows=knows)
        progress(f"error reports written in {time.perf_counter() - started:.0f} s: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    cursor.execute("SELECT count(*) FROM govshare_data_request")
    existing = cursor.fetchone()[0]
    if existing != data_requests:
        made = True
        started = time.perf_counter()
        if existing:
            owner_run(["TRUNCATE govshare_data_request, govshare_data_request_support"
                       " CASCADE"])
        cursor.execute("SELECT owner_org, array_agg(id ORDER BY id) FROM ("
                       " SELECT owner_org, id, row_number() OVER (PARTITION BY owner_org"
                       " ORDER BY id) AS k FROM package WHERE name LIKE 'bench-0%%'"
                       " AND state = 'active' AND NOT private AND owner_org = ANY(%s)) s"
                       " WHERE k <= 200 GROUP BY owner_org", (list(reviewers),))
        per_org = {org: ids for org, ids in cursor.fetchall()}
        counts = gen.data_requests(conn, data_requests,
                                   orgs={o: per_org.get(o, []) for o in reviewers},
                                   requesters=reporters, answerer=answerer, days=days,
                                   answer_days=dr_days, progress=progress)
        progress(f"data requests written in {time.perf_counter() - started:.0f} s: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if made:
        # as autovacuum would soon after: the lists' totals are counted from
        # indexes alone once the rows are marked visible to all
        owner_run(["VACUUM (ANALYZE) govshare_application",
                   "VACUUM (ANALYZE) govshare_application_event",
                   "VACUUM (ANALYZE) govshare_data_request",
                   "VACUUM (ANALYZE) govshare_data_request_support"])
    cursor.execute("SELECT count(*) FROM govshare_application WHERE kind = 'error_report'")
    reports = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM govshare_data_request")
    requests = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM govshare_data_request_support")
    votes = cursor.fetchone()[0]
    cursor.close()
    return {"error_reports": reports, "data_requests": requests, "votes": votes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--error-reports", type=int, default=100_000)
    parser.add_argument("--data-requests", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    app, _ = _env.site(DATABASE, redis_db=REDIS_DB)
    flask_app = app._wsgi_app
    # one line per page would bury the figures
    logging.getLogger("ckan.config.middleware.flask_app").setLevel(logging.WARNING)

    import psycopg2

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    from bench import applications as apps_bench

    conn = psycopg2.connect(_env.database_url(DATABASE))
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM package WHERE name LIKE 'bench-0%%'")
        if cursor.fetchone()[0] == 0:
            sys.exit("No synthetic catalog: run python -m bench.stats first")
    started = time.perf_counter()
    reporters = apps_bench.ensure_applicants(conn)
    there = ensure_voice(flask_app, conn, error_reports=args.error_reports,
                         data_requests=args.data_requests, reporters=reporters,
                         progress=lambda m: print("  " + m, flush=True))
    print(f"{there['error_reports']} error reports, {there['data_requests']} data requests"
          f" ({there['votes']} votes); ready in {time.perf_counter() - started:.0f} s",
          flush=True)

    with conn.cursor() as cursor:
        cursor.execute("SELECT a.package_id, p.name, count(*) FROM govshare_application a"
                       " JOIN package p ON p.id = a.package_id WHERE a.kind = 'error_report'"
                       " GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 200")
        reported = cursor.fetchall()
        cursor.execute("SELECT a.owner_org, g.name, count(*) FROM govshare_application a"
                       " JOIN \"group\" g ON g.id = a.owner_org"
                       " WHERE a.kind = 'error_report' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1")
        busiest_org, busiest_name, busiest_count = cursor.fetchone()
        cursor.execute("SELECT u.name, count(*) FROM govshare_application a JOIN \"user\" u"
                       " ON u.id = a.user_id WHERE a.kind = 'error_report'"
                       " GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
        reporter, reporter_count = cursor.fetchone()
        cursor.execute("SELECT d.owner_org, g.name, count(*) FROM govshare_data_request d"
                       " JOIN \"group\" g ON g.id = d.owner_org GROUP BY 1, 2"
                       " ORDER BY 3 DESC LIMIT 1")
        dr_org, dr_org_name, dr_org_count = cursor.fetchone()
        cursor.execute("SELECT p.name FROM package p WHERE p.name LIKE 'bench-0%%'"
                       " AND p.state = 'active' AND NOT p.private AND NOT EXISTS ("
                       " SELECT 1 FROM govshare_application a WHERE a.package_id = p.id)"
                       " ORDER BY p.name LIMIT 300")
        quiet = [r[0] for r in cursor.fetchall()]
    conn.close()
    with flask_app.test_request_context():
        org_index = int(busiest_name[-2:])
        editor = REVIEWER.format(org_index)
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        tokens = {user: tk.get_action("api_token_create")(
            {"user": user, "ignore_auth": True}, {"user": user, "name": "bench-lists"})["token"]
            for user in (editor, reporter, site_user)}
    print(f"most reported dataset {reported[0][1]} ({reported[0][2]} reports); busiest agency"
          f" {busiest_name} ({busiest_count} reports, editor {editor}); most active reporter"
          f" {reporter} ({reporter_count}); data requests of {dr_org_name}: {dr_org_count}",
          flush=True)

    client = CKANTestApp(app)
    rng = random.Random(11)
    n = args.requests

    def action(name: str, user: str, data: dict):
        def call() -> None:
            with flask_app.test_request_context():
                tk.get_action(name)({"user": user, "ignore_auth": False}, dict(data))
        return call

    def page(url: str, user: str | None = None, params: dict | None = None):
        def call() -> None:
            response = client.get(url, headers={"Authorization": tokens[user]} if user else {},
                                  query_string=params or {})
            assert response.status_code == 200, (url, response.status_code)
        return call

    def run(label: str, calls: list) -> list[float]:
        calls[0]()  # warm up (templates, connections)
        values = _env.timed(calls)
        print(f"  {label:<52} {_env.summary(values)}  (n={len(values)})", flush=True)
        return values

    results: dict[str, tuple[list[float], str]] = {}
    print("\nbaselines")
    base_action = run("package_show (anonymous)", [
        action("package_show", "", {"id": rng.choice(quiet)}) for _ in range(n)])
    base_page = run("/dataset/<id>, no reports (anonymous)", [
        page(f"/dataset/{rng.choice(quiet)}") for _ in range(n)])
    # what any page costs a signed-in user (CKAN's header: the dashboard's count)
    base_signed = run("/about (signed in)", [page("/about", reporter) for _ in range(n)])

    def measure(key: str, label: str, calls: list, base: str) -> None:
        results[key] = (run(label, calls), base)

    er = "govshare_error_report_list"
    print("error reports")
    measure("er dataset top", f"{er}, the most reported dataset", [
        action(er, "", {"package_id": reported[0][0]}) for _ in range(n)], "action")
    measure("er dataset any", f"{er}, a reported dataset (top 200)", [
        action(er, "", {"package_id": rng.choice(reported)[0]}) for _ in range(n)], "action")
    measure("er org", f"{er}, busiest agency (editor)", [
        action(er, editor, {"organization": busiest_org}) for _ in range(n)], "action")
    measure("er org state", f"{er}, busiest agency, state=submitted", [
        action(er, editor, {"organization": busiest_org, "state": "submitted"})
        for _ in range(n)], "action")
    measure("er org deep", f"{er}, busiest agency, offset 2,000", [
        action(er, editor, {"organization": busiest_org, "offset": 2000})
        for _ in range(n)], "action")
    measure("er mine", f"{er}, mine (most active reporter)", [
        action(er, reporter, {"mine": True}) for _ in range(n)], "action")
    measure("er all", f"{er}, everything (sysadmin)", [
        action(er, site_user, {}) for _ in range(n)], "action")
    measure("er all state", f"{er}, everything, state=corrected", [
        action(er, site_user, {"state": "corrected"}) for _ in range(n)], "action")
    measure("er all deep", f"{er}, everything, offset 5,000", [
        action(er, site_user, {"offset": 5000}) for _ in range(n)], "action")
    measure("er page dataset", "/dataset/<most reported> (20 reports listed)", [
        page(f"/dataset/{reported[0][1]}") for _ in range(n)], "page")
    measure("er page inbox", "/organization/<busiest>/applications?kind=error_report", [
        page(f"/organization/{busiest_name}/applications", editor,
             {"kind": "error_report"}) for _ in range(n)], "signed")

    dr = "govshare_data_request_list"
    print("data requests")
    measure("dr support", f"{dr}, by support (anonymous)", [
        action(dr, "", {}) for _ in range(n)], "action")
    measure("dr newest", f"{dr}, newest", [
        action(dr, "", {"sort": "newest"}) for _ in range(n)], "action")
    measure("dr submitted", f"{dr}, state=submitted, by support", [
        action(dr, "", {"state": "submitted"}) for _ in range(n)], "action")
    measure("dr answered new", f"{dr}, state=answered, newest", [
        action(dr, "", {"state": "answered", "sort": "newest"}) for _ in range(n)], "action")
    measure("dr org", f"{dr}, busiest agency, by support", [
        action(dr, "", {"organization": dr_org}) for _ in range(n)], "action")
    measure("dr signed in", f"{dr}, by support, signed in", [
        action(dr, reporter, {}) for _ in range(n)], "action")
    measure("dr deep", f"{dr}, by support, offset 5,000", [
        action(dr, "", {"offset": 5000}) for _ in range(n)], "action")
    measure("dr page", "/datarequest (anonymous)", [page("/datarequest") for _ in range(n)],
            "page")
    measure("dr page newest", "/datarequest?sort=newest&state=answered", [
        page("/datarequest", None, {"sort": "newest", "state": "answered"})
        for _ in range(n)], "page")
    measure("dr page signed in", "/datarequest (signed in)", [
        page("/datarequest", reporter) for _ in range(n)], "signed")
    measure("dr page deep", "/datarequest?page=250", [
        page("/datarequest", None, {"page": 250}) for _ in range(n)], "page")

    if args.explain:
        from bench.applications import explain

        statements = {
            "error reports of the busiest agency": (
                "SELECT id FROM govshare_application WHERE kind = 'error_report'"
                " AND owner_org = %(org)s ORDER BY CASE WHEN state IN ('submitted',"
                " 'needs_supplement') THEN 0 ELSE 1 END, due_date NULLS LAST,"
                " created_at DESC, id LIMIT 50", {"org": busiest_org}),
            "all error reports, newest": (
                "SELECT id FROM govshare_application WHERE kind = 'error_report'"
                " ORDER BY created_at DESC, id LIMIT 50", {}),
            "data requests by support": (
                "SELECT id FROM govshare_data_request ORDER BY support_count DESC,"
                " created_at DESC, id LIMIT 20", {}),
            "data requests answered, newest": (
                "SELECT id FROM govshare_data_request WHERE state = 'answered'"
                " ORDER BY created_at DESC, id LIMIT 20", {}),
        }
        with flask_app.test_request_context():
            for label, (statement, params) in statements.items():
                ms, plan = explain(model.Session, statement, params)
                print(f"\n-- {label}: {ms:.2f} ms\n{plan}")
            model.Session.rollback()

    print(f"\n{'':<20}{'p50':>9}{'p95':>9}  p95 / baseline  target p95")
    bases = {"action": base_action, "page": base_page, "signed": base_signed}
    names = {"action": "show", "page": "page", "signed": "about"}
    for key, (values, base) in results.items():
        p95 = _env.percentile(values, 95)
        ratio = p95 / _env.percentile(bases[base], 95)
        print(f"{key:<20}{_env.percentile(values, 50):8.1f} {p95:8.1f}  {ratio:7.2f}x"
              f" {names[base]:>5}  <= {TARGET_MS} ms"
              f" {'ok' if p95 <= TARGET_MS else 'MISSED'}")
    for name, values in (("package_show", base_action), ("dataset page", base_page),
                         ("/about signed in", base_signed)):
        print(f"{name:<20}{_env.percentile(values, 50):8.1f} {_env.percentile(values, 95):8.1f}")


if __name__ == "__main__":
    main()
