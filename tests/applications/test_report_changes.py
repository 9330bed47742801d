"""The supervisor's report on data each test makes and changes itself (the
read-only tests share one scenario in ``test_report.py``; these tests live
apart because the tests of a module run in random order and these empty the
database)."""
from __future__ import annotations

import csv
import io

import pytest

import ckan.model as model
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare.applications.model import Application, Grant
from tests import factories
from tests.applications.conftest import application_data, approval_terms
from tests.applications.test_report import (
    REPORT_DAY, SHOWN, as_user, auth, figures, make_agency, make_applications, make_bureau,
    report, rows)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestOnDataOfItsOwn:
    """Tests that add or change applications: each on data of its own."""

    @pytest.fixture
    def agency(self):
        return make_agency()

    @pytest.fixture
    def bureau(self):
        return make_bureau()

    @pytest.fixture
    def applications(self, agency, bureau, freezer):
        return make_applications(agency, bureau, freezer)

    def test_the_whole_wait_counts_from_the_first_submission(self, agency, bureau,
                                                             applications, freezer):
        """a6, submitted on 2 November and sent back for a supplement on the
        5th, comes back on Tuesday 1 December and is approved on Thursday
        the 3rd: answered in 2 working days, after a wait of 23."""
        a6 = applications["a6"]
        freezer.move_to("2026-12-01 02:00:00")
        helpers.call_action("govshare_application_supplement",
                            context=as_user(a6["applicant"]), id=a6["id"])
        freezer.move_to("2026-12-03 02:00:00")
        shown = helpers.call_action("govshare_application_decide",
                                    context=as_user(agency.editor), id=a6["id"],
                                    decision="approve", terms=approval_terms())
        assert (shown["answer_working_days"], shown["wait_working_days"],
                shown["answered_late"]) == (2, 23, False)
        freezer.move_to(REPORT_DAY)
        result = report(agency.sysadmin)
        row = next(r for r in result["organizations"]
                   if r["organization_name"] == agency.org["name"])
        # answers 2, 2, 6, 20; waits 2, 6, 20, 23
        assert figures(row, SHOWN) == (7, 3, 1, 1, 4.0, 13.0)
        # with b3 (2, 2) and b1 (4, 4)
        assert figures(result["total"], SHOWN) == (10, 5, 1, 2, 3.0, 5.0)

    def test_expired_grants_were_answered(self, agency, bureau, applications):
        # what the tick does when a term ends
        application = Application.get(applications["b1"]["id"])
        application.state = "expired"
        model.Session.query(Grant).filter_by(application_id=application.id).update(
            {"state": "expired"})
        model.repo.commit()
        assert rows(report(agency.sysadmin))[bureau.org["name"]] == (3, 2, 0, 1, 3.0)

    def test_no_applications(self, agency):
        result = report(agency.sysadmin)
        assert result["organizations"] == []
        assert figures(result["total"], SHOWN) == (0, 0, 0, 0, None, None)

    def test_days_are_china_days(self, agency, bureau, applications, freezer):
        # 1 November 17:30 UTC is 2 November 01:30 in China
        freezer.move_to("2026-11-01 17:30:00")
        helpers.call_action("govshare_application_create",
                            context=as_user(factories.User()),
                            **application_data(bureau.dataset["id"]))
        freezer.move_to(REPORT_DAY)
        assert rows(report(agency.sysadmin, since="2026-11-02", until="2026-11-02"))[
            bureau.org["name"]][0] == 1
        # ... and not on 1 November: only b3 (October) is up to then
        assert rows(report(agency.sysadmin, until="2026-11-01"))[bureau.org["name"]][0] == 1

    def test_csv_titles_are_not_formulas(self, app, agency):
        org = factories.Organization(title="=HYPERLINK(\"http://evil.example\")")
        dataset = factories.Dataset(owner_org=org["id"], open_tier="conditional",
                                    resources=[{"url": "http://example.com/d.csv"}])
        helpers.call_action("govshare_application_create", context=as_user(factories.User()),
                            **application_data(dataset["id"]))
        content = app.get(url_for("govshare_application_report.report_csv"),
                          headers=auth(agency.sysadmin)).body.lstrip("\ufeff")
        row = next(line for line in csv.reader(io.StringIO(content)) if line[1] == org["name"])
        assert row[0] == "'=HYPERLINK(\"http://evil.example\")"
