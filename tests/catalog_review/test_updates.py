"""Update deadlines (更新时限) and attachment (挂接): the due date from the
update frequency on the working-day calendar, the flags, the facet, the
organization's list, the dataset page and the supervision figures.

Dates are checked against the calendar of 2025–2026 (chinese-calendar):
National Day 1–8 October 2025 and 1–7 October 2026, Spring Festival
15–23 February 2026 with make-up working Saturdays 14 and 28 February,
make-up working Sunday 20 September 2026, New Year 1–3 January 2026 with
make-up working Sunday 4 January.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from freezegun import freeze_time

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from tests import factories
from tests.catalog_review.conftest import as_user
from tests.catalog_review.test_views import auth

from ckanext.govshare.catalog_review import updates

TODAY = "2026-10-20 02:00:00"


def entry(frequency: str, *last_modified: str) -> dict:
    """A package dict with resources last modified on those days."""
    return {"update_frequency": frequency,
            "resources": [{"created": "2020-01-01T00:00:00", "last_modified": day}
                          for day in last_modified]}


@pytest.mark.usefixtures("with_plugins")
class TestDueDate:
    @pytest.mark.parametrize("frequency, last, due", [
        # the day after: National Day 2026, then the first working day
        ("daily", "2026-09-30", "2026-10-08"),
        ("realtime", "2026-09-30", "2026-10-08"),
        # a make-up working Sunday is a working day
        ("daily", "2026-09-19", "2026-09-20"),
        # 1 January 2026 is a holiday; 4 January a make-up working Sunday
        ("daily", "2025-12-31", "2026-01-04"),
        # a week later is in the Spring Festival holiday
        ("weekly", "2026-02-10", "2026-02-24"),
        ("weekly", "2026-03-02", "2026-03-09"),
        # a month after 31 January is 28 February, a make-up working Saturday
        ("monthly", "2026-01-31", "2026-02-28"),
        ("monthly", "2026-06-15", "2026-07-15"),
        # a quarter after 1 July 2025 is National Day 2025
        ("quarterly", "2025-07-01", "2025-10-09"),
        # a year after Labour Day 2025 is Labour Day 2026 (1–5 May)
        ("yearly", "2025-05-01", "2026-05-06"),
    ])
    def test_each_frequency_across_holidays(self, frequency, last, due):
        state = updates.update_state(entry(frequency, f"{last}T02:00:00"),
                                     today=dt.date(2025, 1, 1))
        assert state.last_updated.isoformat() == last
        assert state.due.isoformat() == due and state.provisional is False
        assert state.status == updates.ON_TIME

    def test_overdue_from_the_day_after_the_due_date(self):
        pkg = entry("daily", "2026-09-30T02:00:00")
        assert updates.update_state(pkg, dt.date(2026, 10, 8)).status == updates.ON_TIME
        assert updates.update_state(pkg, dt.date(2026, 10, 9)).status == updates.OVERDUE

    def test_the_newest_resource_counts_and_created_stands_in(self):
        pkg = entry("monthly", "2026-03-01T02:00:00", None)
        pkg["resources"][1]["created"] = "2026-06-15T02:00:00"
        assert updates.last_updated(pkg) == dt.date(2026, 6, 15)

    def test_days_are_days_in_china(self):
        # 17:00 UTC on 30 September is 1 October, 01:00 in Beijing
        state = updates.update_state(entry("daily", "2026-09-30T17:00:00"), dt.date(2026, 1, 1))
        assert state.last_updated == dt.date(2026, 10, 1)
        assert state.due == dt.date(2026, 10, 8)

    def test_irregular_has_no_due_date(self):
        state = updates.update_state(entry("irregular", "2010-01-01T00:00:00"))
        assert state.status == updates.ON_TIME and state.due is None

    def test_no_resource_is_not_attached(self):
        state = updates.update_state({"update_frequency": "daily", "resources": []})
        assert state.status == updates.NOT_ATTACHED and state.due is None

    def test_a_due_date_in_an_unknown_year_is_provisional(self):
        state = updates.update_state(entry("yearly", "2026-09-01T02:00:00"), dt.date(2026, 10, 1))
        assert state.due == dt.date(2027, 9, 1) and state.provisional is True

    def test_every_frequency_of_the_schema_has_a_rule(self):
        from ckanext.scheming.helpers import scheming_get_preset

        values = [c["value"] for c in scheming_get_preset(updates.FREQUENCY_PRESET)["choices"]]
        assert [v for v in values if updates.update_interval(v) is None] == ["irregular"]


@pytest.fixture(scope="module")
def catalog(module_db):
    """An agency whose entries are overdue, on time, irregular and not
    attached on 20 October 2026, and another agency's overdue entry."""
    admin, editor, member, outsider = (factories.User() for _ in range(4))
    org = factories.Organization(users=[
        {"name": admin["name"], "capacity": "admin"},
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"},
    ])
    other_org = factories.Organization()
    with freeze_time(TODAY):
        def dataset(name, frequency, last_modified=None, owner=org):
            pkg = factories.Dataset(owner_org=owner["id"], name=name, title=name,
                                    update_frequency=frequency)
            if last_modified:
                factories.Resource(package_id=pkg["id"], last_modified=last_modified)
            return pkg

        dataset("stale-daily", "daily", "2026-09-30T02:00:00")
        dataset("fresh-yearly", "yearly", "2026-09-01T02:00:00")
        dataset("old-irregular", "irregular", "2020-01-01T02:00:00")
        dataset("nothing-attached", "monthly")
        dataset("elsewhere-stale", "weekly", "2026-01-05T02:00:00", owner=other_org)
    return SimpleNamespace(org=org, other_org=other_org, admin=admin, editor=editor,
                           member=member, outsider=outsider, sysadmin=factories.Sysadmin())


def call(action: str, user: dict | None, **data):
    return helpers.call_action(action, context=as_user(user), **data)


@pytest.mark.usefixtures("with_plugins")
@freeze_time(TODAY)
class TestFlags:
    def test_show(self, catalog):
        shown = call("govshare_catalog_update_show", catalog.member, id="stale-daily")
        assert shown["update_status"] == "overdue"
        assert shown["last_updated"] == "2026-09-30" and shown["update_due"] == "2026-10-08"
        # 9, 10 (make-up Saturday), 12–16, 19, 20 October
        assert shown["working_days_overdue"] == 9
        assert shown["update_status_label"] == "Update overdue"
        assert call("govshare_catalog_update_show", catalog.member,
                    id="nothing-attached")["update_status"] == "not_attached"

    @pytest.mark.parametrize("who", ["outsider", None])
    def test_only_the_organization_sees_it(self, catalog, who):
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_update_show", getattr(catalog, who) if who else None,
                 id="stale-daily")

    def test_the_organizations_list(self, catalog):
        listing = call("govshare_catalog_update_list", catalog.editor, id=catalog.org["name"])
        assert listing["counts"] == {"on_time": 2, "overdue": 1, "not_attached": 1}
        assert [e["name"] for e in listing["results"]] == [
            "stale-daily", "nothing-attached", "fresh-yearly", "old-irregular"]
        assert listing["today"] == "2026-10-20"
        overdue = call("govshare_catalog_update_list", catalog.admin, id=catalog.org["id"],
                       status="overdue")
        assert [e["name"] for e in overdue["results"]] == ["stale-daily"]

    @pytest.mark.parametrize("data, field", [
        ({"status": "late"}, "status"),
        ({"status": ["overdue"]}, "status"),
    ])
    def test_bad_input(self, catalog, data, field):
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_update_list", catalog.editor, id=catalog.org["id"], **data)
        assert field in error.value.error_dict

    def test_bad_input_through_the_api_is_409(self, app, catalog):
        response = app.post(url_for("api.action", ver=3,
                                    logic_function="govshare_catalog_update_list"),
                            json={"id": catalog.org["id"], "status": "late"},
                            headers=auth(catalog.editor), status=409)
        assert "status" in response.json["error"]

    @pytest.mark.parametrize("who", ["member", "outsider"])
    def test_who_may_not_list(self, catalog, who):
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_update_list", getattr(catalog, who), id=catalog.org["id"])


@pytest.mark.usefixtures("with_plugins")
@freeze_time(TODAY)
class TestFacetAndFigures:
    def search(self, user, **data):
        return call("package_search", user, include_private=True, **data)

    def test_the_facet(self, catalog):
        result = self.search(catalog.sysadmin, **{"facet.field": '["update_status"]',
                                                  "fq": f"owner_org:{catalog.org['id']}"})
        assert result["facets"]["update_status"] == {
            "on_time": 2, "overdue": 1, "not_attached": 1}
        labels = {i["name"]: i["display_name"]
                  for i in result["search_facets"]["update_status"]["items"]}
        assert labels["not_attached"] == "No data attached"

    def test_filter_and_due_dates(self, catalog):
        overdue = self.search(catalog.sysadmin, fq="update_status:overdue")
        assert sorted(d["name"] for d in overdue["results"]) == [
            "elsewhere-stale", "stale-daily"]
        later = self.search(catalog.sysadmin, fq="update_due_date:[2026-10-21T00:00:00Z TO *]")
        assert [d["name"] for d in later["results"]] == ["fresh-yearly"]
        passed = self.search(catalog.sysadmin, fq="update_due_date:[* TO 2026-10-19T00:00:00Z]")
        assert sorted(d["name"] for d in passed["results"]) == [
            "elsewhere-stale", "stale-daily"]

    def test_on_the_search_page_in_chinese(self, app, catalog):
        body = app.get(url_for("dataset.search"), headers=auth(catalog.sysadmin)).body
        assert "更新状态" in body and "未挂接" in body and "超期未更新" in body

    def test_supervision_figures(self, catalog):
        figures = call("govshare_catalog_update_counts", catalog.sysadmin)
        rows = {r["organization_id"]: r for r in figures["organizations"]}
        assert rows[catalog.org["id"]] == {
            "organization_id": catalog.org["id"], "organization_name": catalog.org["name"],
            "organization_title": catalog.org["title"],
            "on_time": 2, "overdue": 1, "not_attached": 1, "total": 4}
        assert rows[catalog.other_org["id"]]["overdue"] == 1
        assert figures["total"] == {"on_time": 2, "overdue": 2, "not_attached": 1,
                                    "total": 5}

    @pytest.mark.parametrize("who", ["admin", "editor", "outsider"])
    def test_figures_are_for_the_supervisor(self, catalog, who):
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_update_counts", getattr(catalog, who))


@pytest.mark.usefixtures("with_plugins")
@freeze_time(TODAY)
class TestPages:
    def test_the_dataset_page_flags_it_for_the_organization(self, app, catalog):
        page = url_for("dataset.read", id="stale-daily")
        body = app.get(page, headers=auth(catalog.member)).body
        assert 'data-update-status="overdue"' in body and "2026-10-08" in body
        assert "9 个工作日" in body
        body = app.get(url_for("dataset.read", id="nothing-attached"),
                       headers=auth(catalog.editor)).body
        assert 'data-update-status="not_attached"' in body

    def test_not_for_others(self, app, catalog):
        page = url_for("dataset.read", id="stale-daily")
        response = app.get(page, headers=auth(catalog.outsider), expect_errors=True)
        assert "govshare-update-flag" not in response.body

    def test_the_organizations_page(self, app, catalog):
        page = url_for("govshare_catalog_review.updates_page", id=catalog.org["name"])
        body = app.get(page, headers=auth(catalog.editor)).body
        assert "更新时限" in body
        table = body.split('id="govshare-update-deadlines"')[1]
        assert table.index("stale-daily") < table.index("nothing-attached") \
            < table.index("fresh-yearly")
        assert "elsewhere-stale" not in body
        only = app.get(page, query_string={"status": "not_attached"},
                       headers=auth(catalog.admin)).body
        assert "nothing-attached" in only and "stale-daily" not in only.split(
            'id="govshare-update-deadlines"')[1]

    def test_the_organizations_page_is_for_editors(self, app, catalog):
        page = url_for("govshare_catalog_review.updates_page", id=catalog.org["name"])
        app.get(page, headers=auth(catalog.member), status=403)
        app.get(page, query_string={"status": "late"}, headers=auth(catalog.editor),
                status=400)


    def test_the_supervisors_report_counts_them(self, app, catalog):
        body = app.get(url_for("govshare_application_report.report_page"),
                       headers=auth(catalog.sysadmin)).body
        table = body.split('id="govshare-catalog-update-report"')[1].split("</table>")[0]
        assert "目录数据更新情况" in body
        row = table.split(catalog.org["title"])[1].split("</tr>")[0]
        assert [cell.strip() for cell in row.split("<td>")[1:]] == [
            "2</td>", "1</td>", "1</td>"]
