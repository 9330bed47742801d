"""A reviewer of the publishing agency answers an application from the
inbox: the organization's page leads to the applications received, the
row to the application, whose approval form records the agreement terms
(refused while one is missing) and opens the data to the applicant. The
applicant is someone else: nobody decides their own case."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories
from tests.applications.conftest import application_data

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def agency(module_db) -> dict:
    reviewer = factories.User(password=PASSWORD, fullname="王芳")
    org = factories.Organization(name="city-transport-review", title="市交通运输局",
                                 users=[{"name": reviewer["name"], "capacity": "admin"}])
    dataset = factories.Dataset(owner_org=org["id"], name="taxi-permits",
                                title="出租汽车经营许可", open_tier="conditional",
                                resources=[{"url": "http://files.example.org/taxi.csv",
                                            "format": "CSV", "name": "许可表"}])
    applicant = factories.User()
    application = call_action("govshare_application_create", {"user": applicant["name"]},
                              **application_data(dataset["id"],
                                                 applicant_name="某市交通研究院"))
    return {"reviewer": {**reviewer, "password": PASSWORD}, "org": org,
            "applicant": applicant, "application": application}


def test_a_reviewer_approves_from_the_inbox(open_visitor, agency):
    reviewer = agency["reviewer"]
    assert agency["applicant"]["id"] != reviewer["id"]
    visitor = open_visitor(user=reviewer).go("/organization/city-transport-review")
    page = visitor.page

    with visitor.navigation():
        page.locator(".nav a", has_text="数据申请").click()
    row = page.locator("#govshare-inbox tbody tr, .govshare-applications-table tbody tr",
                       has_text="某市交通研究院")
    assert row.locator(".badge").inner_text().strip() == "已提交"
    with visitor.navigation():
        row.locator("a", has_text="出租汽车经营许可").click()
    assert agency["application"]["id"] in page.url

    approve = page.locator("#govshare-move-approve")
    approve.locator("summary").click()
    visitor.check_accessibility()
    # the scope and the term come filled in from the application
    assert approve.locator("#field-scope").input_value() \
        == agency["application"]["requested_fields"]
    assert approve.locator("#field-valid-until").input_value()
    approve.locator("#field-extent").fill("仅用于交通规划研究，不得公开原始数据")
    approve.locator("#field-disposal").fill("期满后30日内删除全部数据及副本")
    with visitor.navigation():
        approve.get_by_role("button", name="批准").click()
    # refused: the ownership of derived data is part of the agreement
    approve = page.locator("#govshare-move-approve")
    assert approve.get_attribute("open") is not None
    assert approve.locator(".form-group.error #field-derived-data-ownership").count() == 1
    assert "衍生数据" in page.locator("#govshare-move-errors").inner_text()
    assert approve.locator("#field-extent").input_value() == "仅用于交通规划研究，不得公开原始数据"
    approve.locator("#field-derived-data-ownership").fill("衍生数据归申请人所有，须注明数据来源")
    with visitor.navigation():
        approve.get_by_role("button", name="批准").click()

    assert "已批准申请" in page.locator(".flash-messages, .alert-success").first.inner_text()
    assert page.locator(".govshare-application").get_attribute("data-state") == "approved"
    assert page.locator("h1 .badge").inner_text().strip() == "已同意"
    assert page.locator("#govshare-grant").is_visible()
    shown = call_action("govshare_application_show", {"user": reviewer["name"]},
                        id=agency["application"]["id"])
    # the grant opens once the applicant accepts the terms (test_applicant_journey)
    assert shown["state"] == "approved" and shown["grant"]["state"] == "awaiting_acceptance"
    assert shown["terms"]["derived_data_ownership"] == "衍生数据归申请人所有，须注明数据来源"

    # back in the inbox, the row says so
    with visitor.navigation():
        page.locator(".breadcrumb a", has_text="数据申请").click()
    row = page.locator(".govshare-applications-table tbody tr", has_text="某市交通研究院")
    assert row.locator(".badge").inner_text().strip() == "已同意"
