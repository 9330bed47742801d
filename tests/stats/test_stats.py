"""The public statistics (/stats) and the supervisor's dashboard: the figures
equal counts made here with straight SQL over the tables, closed entries are
counted (by tier) and never named, each role reads what it may, and the
tables download as CSV and JSON.

The data is made once for the module (the tests only read it): the
applications of tests/applications/test_report.py (two agencies, read on
15 December 2026), a topic, open datasets, a closed entry that is in the
topic and is downloaded more than any other, and downloads over three months.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import types

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.labelling.model import DownloadCount, DownloadReceipt
from ckanext.govshare.stats import cache as stats_cache
from ckanext.govshare.stats import figures
from tests import factories
from tests.applications.conftest import application_data, make_agency
from tests.applications.test_report import REPORT_DAY, make_applications, make_bureau

CLOSED_NAME = "stats-closed-entry"
CLOSED_TITLE = "不公开的统计测试条目"
PUBLIC_FIGURES = ("datasets_by_tier", "datasets_by_agency", "datasets_by_topic",
                  "downloads_by_month", "most_downloaded", "answers_open",
                  "answers_error_report", "answers_data_request", "catalog_timeliness")
DASHBOARD_FIGURES = ("supervision_scorecard", "supervision_overdue", "supervision_trends",
                     "answers_sharing", "answers_verification")
#: what the scorecard rates per agency
PROCEDURES = ("open", "sharing", "verification", "error_report", "data_request")


@pytest.fixture(scope="module")
def scenario(module_db) -> types.SimpleNamespace:
    agency, bureau = make_agency(), make_bureau()
    with freeze_time(REPORT_DAY) as frozen:
        made = make_applications(agency, bureau, frozen)
    sysadmin = agency.sysadmin
    topic = factories.Group(name="stats-transport", title="交通出行")
    bus = factories.Dataset(owner_org=agency.org["id"], name="stats-bus-lines",
                            title="公交线路", groups=[{"name": topic["name"]}],
                            resources=[{"url": "http://example.com/bus.csv"}])
    yearbook = factories.Dataset(owner_org=bureau.org["id"], name="stats-yearbook",
                                 title="统计年鉴",
                                 resources=[{"url": "http://example.com/y.csv"}])
    closed = factories.Dataset(owner_org=agency.org["id"], name=CLOSED_NAME,
                               title=CLOSED_TITLE, open_tier="closed",
                               groups=[{"name": topic["name"]}],
                               resources=[{"url": "http://example.com/c.csv"}])
    reader = factories.User()
    receipts = [(bus, dt.datetime(2026, 11, 3, 2), 3), (yearbook, dt.datetime(2026, 10, 31, 17), 1),
                (closed, dt.datetime(2026, 12, 1, 2), 40), (bus, dt.datetime(2025, 1, 5, 2), 7)]
    for pkg, at, times in receipts:
        for _ in range(times):
            model.Session.add(DownloadReceipt(
                user_id=reader["id"], package_id=pkg["id"],
                resource_id=pkg["resources"][0]["id"], obtained_at=at, channel="web"))
    model.Session.add(DownloadCount(resource_id=yearbook["resources"][0]["id"],
                                    day=dt.date(2026, 12, 1), package_id=yearbook["id"],
                                    count=5))
    model.Session.commit()
    with freeze_time("2026-11-20 02:00:00"):
        for organization in (bureau.org["name"], None):
            helpers.call_action("govshare_data_request_create", context={
                "user": reader["name"]}, title="全市公共停车场泊位数据",
                description="各停车场的实时泊位数", purpose="停车导航应用",
                **({"organization": organization} if organization else {}))
        # an error report, overdue by REPORT_DAY: a second kind of case
        helpers.call_action("govshare_error_report_create", context={
            "user": reader["name"]}, package_id=bus["id"], kind="out_of_date",
            description="线路数据未更新")
    supervisor = factories.User()
    helpers.call_action("govshare_supervisor_grant", context={"user": sysadmin["name"]},
                        user=supervisor["name"], reason="市政务服务数据管理局监督科")
    # figures of downloads stay cached for the TTL whatever else changes: those
    # an earlier module on this worker counted (other receipts) must not stand
    stats_cache.forget()
    return types.SimpleNamespace(
        agency=agency, bureau=bureau, applications=made, topic=topic, bus=bus,
        yearbook=yearbook, closed=closed, reader=reader, supervisor=supervisor,
        sysadmin=sysadmin)


@pytest.fixture
def world(scenario, freezer):
    freezer.move_to(REPORT_DAY)
    return scenario


def show(name: str, user: dict | None = None) -> dict:
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("govshare_stats_show", context=context, figure=name)


def sql(statement: str, **params) -> list:
    return model.Session.execute(sa.text(statement), params).all()


#: the catalog the public sees, counted straight from the tables
PUBLIC_DATASETS = """
    FROM package p LEFT JOIN package_extra t
      ON t.package_id = p.id AND t.key = 'open_tier' AND t.state = 'active'
    WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset'"""
#: the open and conditional entries of each agency
PER_AGENCY = """
    SELECT g.name, count(*) FROM package p
    JOIN "group" g ON g.id = p.owner_org
    LEFT JOIN package_extra t
      ON t.package_id = p.id AND t.key = 'open_tier' AND t.state = 'active'
    WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset'
      AND coalesce(t.value, '') <> 'closed'
    GROUP BY g.name"""
#: the open and conditional entries of each topic (group)
PER_TOPIC = """
    SELECT g.name, count(*) FROM package p
    JOIN member m ON m.table_id = p.id AND m.table_name = 'package' AND m.state = 'active'
    JOIN "group" g ON g.id = m.group_id AND NOT g.is_organization
    LEFT JOIN package_extra t
      ON t.package_id = p.id AND t.key = 'open_tier' AND t.state = 'active'
    WHERE p.state = 'active' AND NOT p.private AND p.type = 'dataset'
      AND coalesce(t.value, '') <> 'closed'
    GROUP BY g.name"""


# ------------------------------------------------------------------ figures
@pytest.mark.usefixtures("with_plugins")
class TestFiguresEqualTheTables:
    def test_datasets_by_tier(self, world):
        expected = dict(sql(f"SELECT coalesce(t.value, 'unconditional'), count(*) "
                            f"{PUBLIC_DATASETS} GROUP BY 1"))
        rows = {r["tier"]: r["datasets"] for r in show("datasets_by_tier")["rows"]}
        assert rows == {tier: expected.get(tier, 0)
                        for tier in ("unconditional", "conditional", "closed")}
        assert rows["closed"] == 1 and rows["conditional"] == 2

    def test_datasets_by_agency_leave_closed_entries_out(self, world):
        expected = dict(sql(PER_AGENCY))
        rows = show("datasets_by_agency")["rows"]
        assert {r["organization_name"]: r["datasets"] for r in rows} == expected
        assert {r["organization"] for r in rows} >= {"市统计局"}
        assert [r["datasets"] for r in rows] == sorted((r["datasets"] for r in rows),
                                                       reverse=True)

    def test_datasets_by_topic_leave_closed_entries_out(self, world):
        expected = dict(sql(PER_TOPIC))
        rows = show("datasets_by_topic")["rows"]
        assert {r["topic_name"]: r["datasets"] for r in rows} == expected == {
            world.topic["name"]: 1}
        assert rows[0]["topic"] == "交通出行"

    def test_downloads_by_month(self, world):
        expected = dict(sql("""
            SELECT month, sum(n) FROM (
              SELECT to_char((obtained_at + interval '8 hours'), 'YYYY-MM') AS month, 1 AS n
              FROM govshare_download_receipt
              UNION ALL SELECT to_char(day, 'YYYY-MM'), count FROM govshare_download_count
            ) d WHERE month >= '2026-01' GROUP BY month"""))
        rows = show("downloads_by_month")["rows"]
        assert [r["month"] for r in rows] == [f"2026-{m:02d}" for m in range(1, 13)]
        assert {r["month"]: r["downloads"] for r in rows if r["downloads"]} == {
            k: int(v) for k, v in expected.items()}
        # 17:00 UTC on 31 October is 1 November in China
        assert {r["month"]: r["downloads"] for r in rows if r["downloads"]} == {
            "2026-11": 4, "2026-12": 45}

    def test_most_downloaded_names_only_what_the_public_sees(self, world):
        totals = dict(sql("""
            SELECT package_id, sum(n) FROM (
              SELECT package_id, 1 AS n FROM govshare_download_receipt
              UNION ALL SELECT package_id, count FROM govshare_download_count) d
            GROUP BY package_id"""))
        rows = show("most_downloaded")["rows"]
        assert [(r["dataset_name"], r["downloads"]) for r in rows] == [
            ("stats-bus-lines", int(totals[world.bus["id"]])),
            ("stats-yearbook", int(totals[world.yearbook["id"]]))]
        assert totals[world.closed["id"]] > totals[world.bus["id"]]  # and yet not shown

    def test_answers_of_the_public_applications(self, world):
        expected = {r.name: r for r in sql("""
            SELECT g.name, count(*) AS received,
              count(*) FILTER (WHERE a.state IN ('approved', 'expired', 'revoked')) AS approved,
              count(*) FILTER (WHERE a.state = 'rejected') AS rejected,
              count(*) FILTER (WHERE decided_at IS NOT NULL
                               AND a.state NOT IN ('needs_supplement', 'withdrawn', 'submitted'))
                AS answered,
              count(*) FILTER (WHERE decided_at IS NOT NULL AND answered_late = false
                               AND a.state NOT IN ('needs_supplement', 'withdrawn', 'submitted'))
                AS on_time
            FROM govshare_application a JOIN "group" g ON g.id = a.owner_org
            WHERE kind = 'open' GROUP BY g.name""")}
        rows = show("answers_open")["rows"]
        by_org = {r["organization_name"]: r for r in rows if not r["total"]}
        assert set(by_org) == set(expected)
        for name, row in by_org.items():
            e = expected[name]
            assert (row["received"], row["approved"], row["rejected"], row["answered"]) == (
                e.received, e.approved, e.rejected, e.answered)
            assert row["on_time_percent"] == round(100.0 * e.on_time / e.answered, 1)
        # the module docstring of test_report: agency 2 of 3 answers on time,
        # a median of 6 working days; the bureau all of its 2
        assert (by_org[world.agency.org["name"]]["on_time_percent"],
                by_org[world.agency.org["name"]]["median_answer_working_days"]) == (66.7, 6.0)
        assert by_org[world.bureau.org["name"]]["on_time_percent"] == 100.0
        total = rows[-1]
        assert total["total"] and total["organization_label"] == "All agencies"
        assert total["received"] == sum(e.received for e in expected.values())

    def test_answers_of_the_data_requests(self, world):
        expected = {r[0]: r for r in sql("""
            SELECT g.name, count(*) AS received,
              count(*) FILTER (WHERE d.state = 'answered') AS answered,
              count(*) FILTER (WHERE d.state = 'submitted' AND d.due_date < :today) AS overdue
            FROM govshare_data_request d LEFT JOIN "group" g ON g.id = d.owner_org
            GROUP BY g.name""", today=dt.date(2026, 12, 15))}
        shown = show("answers_data_request")
        rows = {r["organization_name"]: r for r in shown["rows"] if not r["total"]}
        assert {name: (r["received"], r["answered"], r["overdue"])
                for name, r in rows.items()} == {
            name: (e.received, e.answered, e.overdue) for name, e in expected.items()}
        # the request that names no agency has its own row, said so
        assert rows[None]["organization_label"] == "No agency named"
        assert "median_answer_working_days" not in [c["id"] for c in shown["columns"]]
        overdue = [r for r in show("supervision_overdue", world.supervisor)["rows"]
                   if r["what"] == "data_request"]
        assert len(overdue) == sum(e.overdue for e in expected.values()) == 2

    def test_catalog_timeliness_counts_the_public_entries(self, world):
        expected = dict(sql(PER_AGENCY))
        rows = show("catalog_timeliness")["rows"]
        assert {r["organization_name"]: r["on_time"] + r["overdue"] + r["not_attached"]
                for r in rows} == expected

    def test_a_new_dataset_is_counted_at_once(self, world):
        """The cache is keyed by the search index's generation."""
        before = {r["organization_name"]: r["datasets"] for r in show("datasets_by_agency")["rows"]}
        new = factories.Dataset(owner_org=world.bureau.org["id"])
        try:
            after = {r["organization_name"]: r["datasets"]
                     for r in show("datasets_by_agency")["rows"]}
            assert after[world.bureau.org["name"]] == before[world.bureau.org["name"]] + 1
        finally:
            helpers.call_action("dataset_purge", context={"user": world.sysadmin["name"]},
                                id=new["id"])

    def test_a_new_application_is_counted_at_once(self, world):
        """The cache is keyed by the latest application event."""
        before = show("answers_open")["rows"][-1]
        # a read of the same figure comes from the cache and agrees
        assert show("answers_open")["rows"][-1] == before
        helpers.call_action("govshare_application_create",
                            context={"user": factories.User()["name"]},
                            **application_data(world.bureau.dataset["id"]))
        after = show("answers_open")["rows"][-1]
        assert after["received"] == before["received"] + 1

    def test_an_answer_to_a_data_request_is_counted_at_once(self, world):
        """An answer writes no event: the cache is keyed by the latest answer."""
        made = helpers.call_action(
            "govshare_data_request_create", context={"user": world.reader["name"]},
            title="公交车辆实时位置", description="每辆公交车的实时位置",
            purpose="出行应用", organization=world.bureau.org["name"])
        try:
            before = show("answers_data_request")["rows"][-1]
            assert show("answers_data_request")["rows"][-1] == before  # from the cache
            helpers.call_action(
                "govshare_data_request_answer", context={"user": world.bureau.editor["name"]},
                id=made["id"], outcome="cannot_open", reason="涉及车辆运营安全",
                basis="《公共交通安全管理办法》")
            after = show("answers_data_request")["rows"][-1]
            assert (after["received"], after["answered"]) == (
                before["received"], before["answered"] + 1)
        finally:
            sql("DELETE FROM govshare_data_request WHERE id = :id RETURNING id", id=made["id"])
            model.Session.commit()

    def test_every_kind_counted_in_one_pass_as_each_alone(self, world):
        """The answer figures and the scorecard read every kind's report from
        one statement: it agrees with the report of each kind alone."""
        from ckanext.govshare.applications import report

        kinds_there = {k for (k,) in sql("SELECT DISTINCT kind FROM govshare_application")}
        together = report.reports_by_kind()
        assert set(together) == kinds_there and len(kinds_there) > 1
        for kind in kinds_there:
            assert together[kind] == report.report(kind=kind)
        assert figures.kind_report("no-such-kind") == report.report(kind="no-such-kind")

    def test_ended_months_are_kept_this_month_is_counted(self, world):
        """Counted again (when its TTL ends), the figure counts this month's
        downloads and reads the months that have ended from their own entry:
        their downloads do not change."""
        before = {r["month"]: r["downloads"] for r in figures.downloads_by_month()}
        resource_id = world.bus["resources"][0]["id"]
        added = [DownloadReceipt(user_id=world.reader["id"], package_id=world.bus["id"],
                                 resource_id=resource_id, obtained_at=at, channel="web")
                 for at in (dt.datetime(2026, 12, 10, 2), dt.datetime(2026, 10, 10, 2))]
        model.Session.add_all(added)
        model.Session.commit()
        try:
            after = {r["month"]: r["downloads"] for r in figures.downloads_by_month()}
            assert after["2026-12"] == before["2026-12"] + 1
            assert after["2026-10"] == before["2026-10"]
            stats_cache.forget()
            again = {r["month"]: r["downloads"] for r in figures.downloads_by_month()}
            assert again["2026-10"] == before["2026-10"] + 1
        finally:
            for receipt in added:
                model.Session.delete(receipt)
            model.Session.commit()
            stats_cache.forget()


# ------------------------------------------------------- counted cheaply
@pytest.mark.usefixtures("with_plugins")
class TestCountedCheaply:
    def test_update_statuses_as_one_search_per_status_counts_them(self, world, freezer):
        """On time is the agency's entries less the overdue and those without
        data (stats/catalog.py): the same as a search for each status, for
        the public's figure and the scorecard's."""
        from ckan.lib import search
        from ckanext.govshare.stats import catalog

        freezer.move_to("2026-11-02 02:00:00")
        late = factories.Dataset(owner_org=world.bureau.org["id"], update_frequency="daily",
                                 resources=[{"url": "http://example.com/daily.csv"}])
        freezer.move_to(REPORT_DAY)
        search.rebuild(late["id"])  # as the tick does once it is overdue
        search.commit()
        empty = factories.Dataset(owner_org=world.bureau.org["id"])
        try:
            searched = helpers.call_action("govshare_catalog_update_counts",
                                           context={"user": world.sysadmin["name"]})
            assert catalog.update_counts() == searched
            bureau = next(r for r in searched["organizations"]
                          if r["organization_id"] == world.bureau.org["id"])
            assert bureau["overdue"] >= 1 and bureau["not_attached"] >= 1
            assert bureau["on_time"] >= 1
            assert figures.catalog_timeliness() == figures._timeliness_searched()
            public = {r["organization_name"]: r for r in figures.catalog_timeliness()}
            assert public[world.bureau.org["name"]]["overdue"] >= 1
        finally:
            for made in (late, empty):
                helpers.call_action("dataset_purge", context={"user": world.sysadmin["name"]},
                                    id=made["id"])

    def test_a_re_index_that_changes_no_count_keeps_the_catalog_s_shape(self, world):
        """The counts of the whole catalog are keyed by what they read of the
        documents, not by every write to the index."""
        from ckan.lib import search

        def state() -> tuple[str, str]:
            return (stats_cache.version((stats_cache.CATALOG,)),
                    stats_cache.version((stats_cache.CATALOG_SHAPE,)))

        before = state()
        search.rebuild(world.bus["id"])
        search.commit()
        after = state()
        assert after[0] != before[0] and after[1] == before[1]
        helpers.call_action("package_patch", context={"user": world.sysadmin["name"]},
                            id=world.yearbook["id"], owner_org=world.agency.org["id"])
        try:
            assert state()[1] != after[1]
        finally:
            helpers.call_action("package_patch", context={"user": world.sysadmin["name"]},
                                id=world.yearbook["id"], owner_org=world.bureau.org["id"])
        assert state()[1] == after[1]
        helpers.call_action("organization_patch", context={"user": world.sysadmin["name"]},
                            id=world.bureau.org["id"], title="市统计局（新）")
        try:
            assert state()[1] != after[1]
        finally:
            helpers.call_action("organization_patch", context={"user": world.sysadmin["name"]},
                                id=world.bureau.org["id"], title=world.bureau.org["title"])


# -------------------------------------------------------------- dashboard
@pytest.mark.usefixtures("with_plugins")
class TestDashboard:
    def test_overdue_items_with_their_due_dates(self, world):
        expected = sql("""SELECT id, due_date FROM govshare_application
                          WHERE state IN ('submitted') AND due_date < :today
                          ORDER BY due_date, id""", today=dt.date(2026, 12, 15))
        rows = [r for r in show("supervision_overdue", world.supervisor)["rows"]
                if r["what"] != "catalog_update"]
        assert [(r["reference"], r["due_date"]) for r in rows
                if r["what"] != "data_request"] == [
            (i, d.isoformat()) for i, d in expected]
        assert all(r["days_overdue"] > 0 for r in rows)
        assert rows and rows[0]["what_label"]

    def test_scorecard_per_agency(self, world):
        rows = {r["organization_name"]: r
                for r in show("supervision_scorecard", world.supervisor)["rows"]}
        bureau = rows[world.bureau.org["name"]]
        assert bureau["open_on_time_percent"] == 100.0
        assert bureau["catalog_on_time_percent"] is not None
        columns = [c["id"] for c in show("supervision_scorecard", world.supervisor)["columns"]]
        assert {f"{p}_on_time_percent" for p in PROCEDURES} | {"catalog_on_time_percent"} \
            <= set(columns)

    def test_a_long_list_is_cut_on_the_page_not_in_the_files(self, world, app, monkeypatch):
        from ckanext.govshare.stats import views

        monkeypatch.setattr(views, "PAGE_ROWS", 1)
        rows = show("supervision_overdue", world.supervisor)["rows"]
        body = app.get("/en/supervision/dashboard",
                       extra_environ={"REMOTE_USER": world.supervisor["name"]}).body
        start = body.index('id="figure-supervision_overdue"')
        section = body[start:body.index("</section>", start)]
        assert section.count("<tr") == 2  # the heading and one row
        assert f"… and {len(rows) - 1} more rows in the CSV" in section
        csv_rows = app.get("/stats/supervision_overdue.csv", extra_environ={
            "REMOTE_USER": world.supervisor["name"]}).body.strip().count("\n")
        assert csv_rows == len(rows)

    def test_monthly_trends(self, world):
        expected = dict(sql("""
            SELECT to_char(submitted_at + interval '8 hours', 'YYYY-MM'), count(*)
            FROM govshare_application GROUP BY 1"""))
        rows = show("supervision_trends", world.supervisor)["rows"]
        assert len(rows) == 12 and rows[-1]["month"] == "2026-12"
        assert {r["month"]: r["received"] for r in rows if r["received"]} == {
            k: v for k, v in expected.items() if k >= "2026-01"}


# ---------------------------------------------------------------- access
ROLES = ("anonymous", "user", "member", "org_admin", "supervisor", "sysadmin")


def user_of(world, role: str) -> dict | None:
    return {"anonymous": None, "user": world.reader, "member": world.agency.member,
            "org_admin": world.agency.admin, "supervisor": world.supervisor,
            "sysadmin": world.sysadmin}[role]


def environ(user: dict | None) -> dict:
    return {"REMOTE_USER": user["name"]} if user else {}


@pytest.mark.usefixtures("with_plugins")
class TestAccess:
    @pytest.mark.parametrize("role", ROLES)
    def test_public_figures_for_everyone(self, world, role):
        user = user_of(world, role)
        for name in PUBLIC_FIGURES:
            assert show(name, user)["name"] == name
        listed = helpers.call_action("govshare_stats_show", context={
            "user": user["name"] if user else "", "ignore_auth": False})["figures"]
        assert set(PUBLIC_FIGURES) <= set(listed)
        assert bool(set(DASHBOARD_FIGURES) & set(listed)) == (role in ("supervisor",
                                                                       "sysadmin"))

    @pytest.mark.parametrize("role", ROLES)
    def test_dashboard_figures_for_supervisors_only(self, world, role):
        user = user_of(world, role)
        allowed = role in ("supervisor", "sysadmin")
        for name in DASHBOARD_FIGURES:
            if allowed:
                assert show(name, user)["rows"] is not None
            else:
                with pytest.raises(tk.NotAuthorized):
                    show(name, user)
        if not allowed:
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_supervision_dashboard", context={
                    "user": user["name"] if user else "", "ignore_auth": False})

    @pytest.mark.parametrize("role", ROLES)
    def test_pages_and_downloads_by_role(self, world, app, role):
        user = user_of(world, role)
        allowed = role in ("supervisor", "sysadmin")
        env = environ(user)
        assert app.get("/stats", extra_environ=env).status_code == 200
        assert app.get("/stats/datasets_by_tier.csv", extra_environ=env).status_code == 200
        assert app.get("/api/3/action/govshare_stats_show?figure=answers_open",
                       extra_environ=env).json["success"] is True
        status = 200 if allowed else 403
        app.get("/supervision/dashboard", extra_environ=env, status=status)
        app.get("/stats/supervision_scorecard.csv", extra_environ=env, status=status)
        app.get("/stats/supervision_overdue.json", extra_environ=env, status=status)
        app.get("/api/3/action/govshare_stats_show?figure=supervision_overdue",
                extra_environ=env, status=status)

    def test_unknown_figure(self, world, app):
        app.get("/stats/no_such_figure.csv", status=404)
        response = app.get("/api/3/action/govshare_stats_show?figure=nope", status=409)
        assert "figure" in response.json["error"]


# --------------------------------------------------- closed entries, files
@pytest.mark.usefixtures("with_plugins")
class TestClosedEntriesAndFiles:
    def test_no_public_figure_names_the_closed_entry(self, world, app):
        closed = world.closed
        texts = [app.get("/stats").body, app.get("/en/stats").body]
        for name in PUBLIC_FIGURES:
            texts.append(app.get(f"/stats/{name}.csv").body)
            texts.append(app.get(f"/stats/{name}.json").body)
        # a sysadmin reads the same public page as anyone
        texts.append(app.get("/stats", extra_environ=environ(world.sysadmin)).body)
        for text in texts:
            for secret in (CLOSED_NAME, CLOSED_TITLE, closed["id"]):
                assert secret not in text

    def test_supervisors_see_closed_entries_on_the_dashboard_only(self, world, app):
        body = app.get("/en/supervision/dashboard", extra_environ=environ(world.supervisor)).body
        assert "Scorecard by agency" in body

    def test_csv_is_the_table(self, world, app):
        response = app.get("/en/stats/answers_open.csv")
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.body
        assert text.startswith("\ufeff")
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert lines[0] == ["Agency", "Received", "Answered", "Approved", "Rejected",
                            "Answered on time (%)", "Median working days to answer"]
        shown = show("answers_open")
        assert len(lines) == 1 + len(shown["rows"])
        assert lines[-1][0] == "All agencies"
        assert [int(x) for x in lines[-1][1:5]] == [
            shown["rows"][-1][k] for k in ("received", "answered", "approved", "rejected")]

    def test_json_is_the_action(self, world, app):
        data = app.get("/stats/datasets_by_tier.json").json
        assert data["rows"] == show("datasets_by_tier")["rows"]
        assert [c["id"] for c in data["columns"]] == ["tier", "datasets"]
        assert data["chart"] == {"type": "pie", "category": "tier", "series": ["datasets"]}

    def test_chinese_headings(self, world, app):
        body = app.get("/zh_Hans_CN/stats").body
        assert 'data-chart="' in body and 'class="govshare-chart' in body
        assert app.get("/zh_Hans_CN/stats/datasets_by_tier.csv").body.count("\n") == 4


# -------------------------------------------------- dataset page, search sort
@pytest.mark.usefixtures("with_plugins")
class TestDatasetPages:
    def test_download_count_on_the_dataset_page(self, world, app):
        body = app.get("/en/dataset/stats-yearbook").body
        start = body.index('class="govshare-downloads"')
        assert "Downloads" in body[start:start + 200] and ">6<" in body[start:start + 300]
        assert figures.download_total(world.yearbook["id"]) == 6

    def test_download_count_is_current(self, world):
        """Counted from the index on the dataset when the page is shown, not
        kept: a download shows on the next visit."""
        before = figures.download_total(world.yearbook["id"])
        receipt = DownloadReceipt(user_id=world.reader["id"], package_id=world.yearbook["id"],
                                  resource_id=world.yearbook["resources"][0]["id"],
                                  obtained_at=dt.datetime(2026, 12, 15, 2), channel="web")
        model.Session.add(receipt)
        model.Session.commit()
        try:
            assert figures.download_total(world.yearbook["id"]) == before + 1
        finally:
            model.Session.delete(receipt)
            model.Session.commit()
            stats_cache.forget()

    def test_most_downloaded_sort(self, world, app):
        from ckan.lib import search

        for pkg in (world.bus, world.yearbook):
            search.rebuild(pkg["id"])
        search.commit()
        body = app.get("/en/dataset/", params={
            "sort": "resources_accessed_total desc, metadata_modified desc"}).body
        assert "Most downloaded" in body
        # the index counts the anonymous downloads: the yearbook's 5 come first
        assert body.index("统计年鉴") < body.index("公交线路")
