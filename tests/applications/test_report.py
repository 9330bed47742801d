"""The supervisor's report: per organization, received, answered on time,
answered late, overdue now, the median working days to answer and the median
whole wait (from the first submission), as an action and as HTML, CSV and
JSON pages for sysadmins.

The applications are made through the actions on a moving frozen clock
(November 2026 has no public holiday; all times are 10:00 in China)::

    agency (A)  submitted 2 Nov, due 23 Nov
      a1  approved 10 Nov        6 working days, on time
      a2  rejected 30 Nov       20 working days, late
      a3  approved  4 Nov        2 working days, on time; revoked 25 Nov
      a4  still submitted       overdue on 15 Dec
      a6  supplement asked 5 Nov (needs_supplement: not answered, not overdue)
      a7  withdrawn 6 Nov
      a5  submitted 10 Dec      due in January: neither answered nor overdue
    bureau (B)
      b3  submitted 12 Oct, rejected 14 Oct: 2 working days, on time
      b1  submitted 16 Nov, approved 20 Nov: 4 working days, on time
      b2  submitted 16 Nov, due 7 Dec: overdue on 15 Dec

and the report is read on 15 December 2026.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import types

import pytest
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from tests import factories
from tests.applications.conftest import application_data, approval_terms, make_agency

from ckanext.govshare.applications.model import Application, Grant

REPORT_DAY = "2026-12-15 02:00:00"
COLUMNS = ("received", "answered_on_time", "answered_late", "overdue",
           "median_answer_working_days")
#: what the page and the CSV show: the figures, then the whole wait
SHOWN = (*COLUMNS, "median_wait_working_days")


def figures(row: dict, columns: tuple = COLUMNS) -> tuple:
    return tuple(row[k] for k in columns)


def as_user(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def auth(user: dict) -> dict:
    """An API token header for ``user``, issued in 2020 (CKAN takes the token's
    ``iat`` from a column default the frozen clock does not reach)."""
    from ckan.lib import api_token

    token = model.ApiToken(user_id=user["id"], name="tests")
    token.created_at = dt.datetime(2020, 1, 1)
    model.Session.add(token)
    model.Session.commit()
    encoded = api_token.encode({"jti": token.id,
                                "iat": api_token.into_seconds(token.created_at)})
    return {"Authorization": encoded}


def make_bureau() -> types.SimpleNamespace:
    """A second organization with its own editor and conditional dataset."""
    editor = factories.User()
    org = factories.Organization(title="市统计局",
                                 users=[{"name": editor["name"], "capacity": "admin"}])
    dataset = factories.Dataset(owner_org=org["id"], open_tier="conditional",
                                resources=[{"url": "http://example.com/c.csv", "name": "C"}])
    return types.SimpleNamespace(org=org, editor=editor, dataset=dataset)


def make_applications(agency, bureau, freezer) -> dict[str, dict]:
    """The applications of the module docstring; the clock ends on REPORT_DAY."""
    made: dict[str, dict] = {}

    def submit(key: str, dataset: dict) -> None:
        applicant = factories.User()
        made[key] = helpers.call_action(
            "govshare_application_create", context=as_user(applicant),
            **application_data(dataset["id"]))
        made[key]["applicant"] = applicant

    def decide(key: str, reviewer: dict, decision: str, **extra) -> None:
        helpers.call_action("govshare_application_decide", context=as_user(reviewer),
                            id=made[key]["id"], decision=decision, **extra)

    freezer.move_to("2026-10-12 02:00:00")
    submit("b3", bureau.dataset)
    freezer.move_to("2026-10-14 02:00:00")
    decide("b3", bureau.editor, "reject", reason="数据涉及个人信息")

    freezer.move_to("2026-11-02 02:00:00")
    for key in ("a1", "a2", "a3", "a4", "a6", "a7"):
        submit(key, agency.dataset)
    freezer.move_to("2026-11-04 02:00:00")
    decide("a3", agency.editor, "approve", terms=approval_terms())
    freezer.move_to("2026-11-05 02:00:00")
    decide("a6", agency.editor, "request_supplement", reason="请补充应用场景说明")
    freezer.move_to("2026-11-06 02:00:00")
    helpers.call_action("govshare_application_withdraw",
                        context=as_user(made["a7"]["applicant"]), id=made["a7"]["id"])
    freezer.move_to("2026-11-10 02:00:00")
    decide("a1", agency.admin, "approve", terms=approval_terms())

    freezer.move_to("2026-11-16 02:00:00")
    submit("b1", bureau.dataset)
    submit("b2", bureau.dataset)
    freezer.move_to("2026-11-20 02:00:00")
    decide("b1", bureau.editor, "approve", terms=approval_terms())

    freezer.move_to("2026-11-25 02:00:00")
    grant = model.Session.query(Grant).filter_by(application_id=made["a3"]["id"]).one()
    helpers.call_action("govshare_grant_revoke", context=as_user(agency.admin),
                        id=grant.id, reason="违反使用约定")
    freezer.move_to("2026-11-30 02:00:00")
    decide("a2", agency.editor, "reject", reason="超出开放范围")

    freezer.move_to("2026-12-10 02:00:00")
    submit("a5", agency.dataset)
    freezer.move_to(REPORT_DAY)
    return made


@pytest.fixture(scope="module")
def scenario(module_db) -> types.SimpleNamespace:
    """The module docstring's organizations and applications, made once: the
    tests only read them (those that add or change applications are in
    ``test_report_changes.py``, each with its own: a module of their own, as
    the tests of a module run in random order)."""
    agency, bureau = make_agency(), make_bureau()
    with freeze_time(REPORT_DAY) as frozen:
        made = make_applications(agency, bureau, frozen)
    return types.SimpleNamespace(agency=agency, bureau=bureau, applications=made)


@pytest.fixture
def agency(scenario):
    return scenario.agency


@pytest.fixture
def bureau(scenario):
    return scenario.bureau


@pytest.fixture
def applications(scenario, freezer):
    """The applications; the clock on REPORT_DAY."""
    freezer.move_to(REPORT_DAY)
    return scenario.applications


def report(user: dict, **filters) -> dict:
    return helpers.call_action("govshare_application_report", context=as_user(user),
                               **filters)


def rows(result: dict) -> dict[str, tuple]:
    return {r["organization_name"]: figures(r) for r in result["organizations"]}


# ------------------------------------------------------------------ figures
@pytest.mark.usefixtures("with_plugins")
class TestFigures:
    def test_the_scenario_is_what_the_docstring_says(self, agency, bureau, applications):
        states = {k: Application.get(a["id"]).state for k, a in applications.items()}
        assert states == {"b3": "rejected", "a1": "approved", "a2": "rejected",
                          "a3": "revoked", "a4": "submitted", "a6": "needs_supplement",
                          "a7": "withdrawn", "b1": "approved", "b2": "submitted",
                          "a5": "submitted"}
        a2 = Application.get(applications["a2"]["id"])
        assert (a2.due_date, a2.answer_working_days, a2.answered_late) == (
            dt.date(2026, 11, 23), 20, True)

    def test_per_organization_and_total(self, agency, bureau, applications):
        result = report(agency.sysadmin)
        assert result["today"] == "2026-12-15"
        assert (result["organization"], result["since"], result["until"]) == (
            None, None, None)
        assert rows(result) == {
            agency.org["name"]: (7, 2, 1, 1, 6.0),
            bureau.org["name"]: (3, 2, 0, 1, 3.0),
        }
        # the total's median is over every answer (2, 2, 4, 6, 20), not of medians
        assert figures(result["total"]) == (10, 4, 1, 2, 4.0)
        # no answer came after a supplement: the whole wait is the answer's
        assert {r["organization_name"]: r["median_wait_working_days"]
                for r in result["organizations"]} == {agency.org["name"]: 6.0,
                                                      bureau.org["name"]: 3.0}
        assert result["total"]["median_wait_working_days"] == 4.0
        row = next(r for r in result["organizations"] if r["organization_name"]
                   == bureau.org["name"])
        assert (row["organization_id"], row["organization_title"]) == (
            bureau.org["id"], "市统计局")

    def test_sorted_by_organization_title(self, agency, bureau, applications):
        titles = [r["organization_title"] for r in report(agency.sysadmin)["organizations"]]
        assert titles == sorted(titles)

    def test_overdue_is_counted_on_the_day_in_china(self, agency, bureau, applications,
                                                     freezer):
        # b2 is due on Monday 7 December: not overdue on that day (China) ...
        freezer.move_to("2026-12-07 15:59:00")      # 23:59 in China
        assert rows(report(agency.sysadmin))[bureau.org["name"]][3] == 0
        # ... overdue from the next day, although it is still the 7th in UTC
        freezer.move_to("2026-12-07 16:01:00")      # 00:01 on the 8th in China
        assert rows(report(agency.sysadmin))[bureau.org["name"]][3] == 1


@pytest.mark.usefixtures("with_plugins")
class TestFilters:
    def test_organization_by_name_or_id(self, agency, bureau, applications):
        for reference in (agency.org["name"], agency.org["id"]):
            result = report(agency.sysadmin, organization=reference)
            assert result["organization"] == agency.org["id"]
            assert rows(result) == {agency.org["name"]: (7, 2, 1, 1, 6.0)}
            assert figures(result["total"]) == (7, 2, 1, 1, 6.0)

    def test_since(self, agency, bureau, applications):
        result = report(agency.sysadmin, since="2026-11-01")
        assert result["since"] == "2026-11-01"
        assert rows(result) == {agency.org["name"]: (7, 2, 1, 1, 6.0),
                                bureau.org["name"]: (2, 1, 0, 1, 4.0)}
        assert figures(result["total"]) == (9, 3, 1, 2, 5.0)

    def test_until(self, agency, bureau, applications):
        result = report(agency.sysadmin, until="2026-10-31")
        assert rows(result) == {bureau.org["name"]: (1, 1, 0, 0, 2.0)}
        assert figures(result["total"]) == (1, 1, 0, 0, 2.0)

    def test_one_day_both_ends_included(self, agency, bureau, applications):
        result = report(agency.sysadmin, since="2026-11-02", until="2026-11-02")
        # a5 (10 Dec) is out: six applications, of which a4 is overdue
        assert rows(result) == {agency.org["name"]: (6, 2, 1, 1, 6.0)}

    def test_period_without_applications(self, agency, bureau, applications):
        result = report(agency.sysadmin, since="2027-01-01")
        assert result["organizations"] == []
        assert figures(result["total"]) == (0, 0, 0, 0, None)

    @pytest.mark.parametrize("filters, field", [
        ({"since": "2026-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "2026-12-01", "until": "2026-11-01"}, "until"),
    ])
    def test_bad_dates_are_refused(self, agency, filters, field):
        with pytest.raises(tk.ValidationError) as error:
            report(agency.sysadmin, **filters)
        assert field in error.value.error_dict

    def test_unknown_organization(self, agency):
        with pytest.raises(tk.ObjectNotFound):
            report(agency.sysadmin, organization="no-such-organization")


# ------------------------------------------------------------------ who
@pytest.mark.usefixtures("with_plugins")
class TestAuth:
    @pytest.mark.parametrize("role", ["admin", "editor", "member", "applicant", "stranger"])
    def test_only_sysadmins(self, agency, role):
        with pytest.raises(tk.NotAuthorized):
            report(getattr(agency, role))

    def test_not_anonymous(self):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_application_report",
                                context={"user": "", "ignore_auth": False})

    def test_api_refuses_others_with_403(self, app, agency):
        url = "/api/3/action/govshare_application_report"
        app.get(url, headers=auth(agency.admin), status=403)
        app.get(url, status=403)
        assert app.get(url, headers=auth(agency.sysadmin)).json["success"] is True

    @pytest.mark.parametrize("endpoint", ["report_page", "report_csv", "report_json"])
    def test_a_designated_supervisor_sees_it(self, app, agency, endpoint):
        helpers.call_action("govshare_supervisor_grant", user=agency.stranger["name"],
                            reason="市政府办公室指定的监督人员")
        url = url_for(f"govshare_application_report.{endpoint}")
        assert app.get(url, headers=auth(agency.stranger)).status_code == 200
        helpers.call_action("govshare_supervisor_revoke", user=agency.stranger["name"])
        app.get(url, headers=auth(agency.stranger), status=403)

    @pytest.mark.parametrize("endpoint", ["report_page", "report_csv", "report_json"])
    def test_pages_refuse_others_with_403(self, app, agency, endpoint):
        url = url_for(f"govshare_application_report.{endpoint}")
        app.get(url, headers=auth(agency.admin), status=403)
        app.get(url, headers=auth(agency.editor), status=403)
        app.get(url, status=403)


@pytest.mark.usefixtures("with_plugins")
class TestBadInputThroughTheApi:
    def test_bad_date_is_409(self, app, agency):
        response = app.get("/api/3/action/govshare_application_report",
                           params={"since": "2026-02-30"}, headers=auth(agency.sysadmin),
                           status=409)
        assert "since" in response.json["error"]

    def test_reversed_period_is_409(self, app, agency):
        response = app.get("/api/3/action/govshare_application_report",
                           params={"since": "2026-12-01", "until": "2026-11-01"},
                           headers=auth(agency.sysadmin), status=409)
        assert "until" in response.json["error"]

    def test_unknown_organization_is_404(self, app, agency):
        app.get("/api/3/action/govshare_application_report",
                params={"organization": "nobody"}, headers=auth(agency.sysadmin),
                status=404)

    def test_pages_say_what_is_wrong(self, app, agency):
        headers = auth(agency.sysadmin)
        page = app.get("/en" + url_for("govshare_application_report.report_page"),
                       params={"since": "2026-13-01"}, headers=headers, status=400)
        assert "Enter a date as YYYY-MM-DD" in page.body
        app.get(url_for("govshare_application_report.report_csv"),
                params={"until": "x"}, headers=headers, status=400)
        response = app.get(url_for("govshare_application_report.report_json"),
                           params={"until": "x"}, headers=headers, status=400)
        assert "until" in json.loads(response.body)["error"]
        app.get(url_for("govshare_application_report.report_json"),
                params={"organization": "nobody"}, headers=headers, status=404)


# ------------------------------------------------------------------ pages
def html_rows(body: str) -> dict[str, tuple]:
    """The report table's rows: organization name ('' for the total) to figures."""
    table = body.split('id="govshare-application-report"', 1)[1].split("</table>", 1)[0]
    found = {}
    for name, cells in re.findall(r'<tr data-organization="([^"]*)"[^>]*>(.*?)</tr>',
                                  table, re.S):
        values = [re.sub(r"<[^>]+>", "", c).strip()
                  for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        found[name] = tuple(values)
    return found


#: the CSV's application figures; the catalog's update figures follow
APPLICATION_COLUMNS = slice(2, 8)


def csv_rows(content: str, columns: slice = APPLICATION_COLUMNS) -> dict[str, tuple]:
    """Organization name ('' for the total) to the CSV's figures; only
    organizations with applications in the period (the others' are 0)."""
    reader = list(csv.reader(io.StringIO(content)))
    return {line[1]: tuple(line[columns]) for line in reader[1:]
            if columns != APPLICATION_COLUMNS or line[2] != "0" or line[1] == ""}


def as_text(row: tuple) -> tuple:
    *counts, median, wait = row
    return (*(str(c) for c in counts),
            *("" if m is None else f"{m:.1f}" for m in (median, wait)))


@pytest.mark.usefixtures("with_plugins")
class TestPages:
    def test_html_csv_json_and_the_action_agree(self, app, agency, bureau, applications):
        headers = auth(agency.sysadmin)
        expected = report(agency.sysadmin)
        page = app.get(url_for("govshare_application_report.report_page"),
                       headers=headers).body
        download = app.get(url_for("govshare_application_report.report_csv"),
                           headers=headers)
        data = json.loads(app.get(url_for("govshare_application_report.report_json"),
                                  headers=headers).body)

        catalog = helpers.call_action("govshare_catalog_update_counts",
                                      context={"user": agency.sysadmin["name"]})
        assert data == {**expected, "catalog_updates": catalog}
        assert csv_rows(download.body.lstrip("\ufeff"), slice(8, 11))[""] == tuple(
            str(catalog["total"][key]) for key in ("on_time", "overdue", "not_attached"))
        wanted = {r["organization_name"]: as_text(figures(r, SHOWN))
                  for r in expected["organizations"]}
        wanted[""] = as_text(figures(expected["total"], SHOWN))
        in_html = {k: tuple(v if v != "—" else "" for v in row)
                   for k, row in html_rows(page).items()}
        assert in_html == wanted
        assert csv_rows(download.body.lstrip("\ufeff")) == wanted

    def test_csv_opens_in_excel(self, app, agency, bureau, applications):
        response = app.get("/en" + url_for("govshare_application_report.report_csv"),
                           headers=auth(agency.sysadmin))
        assert response.data.startswith(b"\xef\xbb\xbf")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="govshare-applications-report-2026-12-15.csv"')
        lines = response.data.decode("utf-8-sig").splitlines()
        assert lines[0] == ("Organization,Organization URL name,Received,Answered on time,"
                            "Answered late,Overdue now,Median working days to answer,"
                            "Median working days since the first submission,"
                            "Updated on time,Update overdue,No data attached")
        assert any(line.startswith(f"市统计局,{bureau.org['name']},3,2,0,1,3.0,3.0,")
                   for line in lines)
        assert lines[-1].startswith("All organizations,,10,4,1,2,4.0,4.0,")

    def test_the_page_in_english(self, app, agency, bureau, applications):
        body = app.get("/en" + url_for("govshare_application_report.report_page"),
                       headers=auth(agency.sysadmin)).body
        assert "Applications report" in body
        assert "Median working days to answer" in body
        assert "Median working days since the first submission" in body
        assert "Figures as of 2026-12-15 (China time)." in body
        assert "市统计局" in body
        csv_url = url_for("govshare_application_report.report_csv")
        json_url = url_for("govshare_application_report.report_json")
        assert f'href="/en{csv_url}"' in body and f'href="/en{json_url}"' in body

    def test_filters_reach_the_table_and_the_downloads(self, app, agency, bureau,
                                                       applications):
        headers = auth(agency.sysadmin)
        params = {"organization": bureau.org["name"], "since": "2026-11-01"}
        body = app.get(url_for("govshare_application_report.report_page"),
                       params=params, headers=headers).body
        assert html_rows(body) == {bureau.org["name"]: ("2", "1", "0", "1", "4.0", "4.0"),
                                   "": ("2", "1", "0", "1", "4.0", "4.0")}
        assert f'<option value="{bureau.org["name"]}" selected' in body
        assert 'value="2026-11-01"' in body
        links = re.findall(r'href="([^"]*report\.(?:csv|json)[^"]*)"', body)
        assert len(links) == 2
        for link in links:
            assert f"organization={bureau.org['name']}" in link
            assert "since=2026-11-01" in link
        data = json.loads(app.get(links[1].replace("&amp;", "&"), headers=headers).body)
        assert figures(data["total"]) == (2, 1, 0, 1, 4.0)
        assert {r["organization_name"] for r in data["catalog_updates"]["organizations"]} \
            <= {bureau.org["name"]}
        download = app.get(links[0].replace("&amp;", "&"), headers=headers).body
        assert csv_rows(download.lstrip("\ufeff")) == {
            bureau.org["name"]: ("2", "1", "0", "1", "4.0", "4.0"),
            "": ("2", "1", "0", "1", "4.0", "4.0")}

    def test_empty_period(self, app, agency, bureau, applications):
        body = app.get("/en" + url_for("govshare_application_report.report_page"),
                       params={"since": "2027-01-01"}, headers=auth(agency.sysadmin)).body
        assert "Applications submitted on or after 2027-01-01." in body
        assert "No application was submitted in this period." in body
        assert 'id="govshare-application-report"' not in body


@pytest.mark.parametrize("title", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_no_cell_starts_a_formula(title):
    from ckanext.govshare.applications import report_views

    assert report_views._text(title) == "'" + title
    assert report_views._text("交通运输局") == "交通运输局"
