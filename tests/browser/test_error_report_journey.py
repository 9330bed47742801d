"""Error reports (纠错): a citizen finds a wrong figure on a dataset's page,
reports it in Chinese from the page's link, and sees when the agency has to
answer; the agency's editor answers it on the report's page (corrected,
with what was done); the public then reads the report and the answer on the
dataset page, without the citizen's name."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def world(module_db) -> dict:
    citizen = factories.User(password=PASSWORD, fullname="王小明")
    editor = factories.User(password=PASSWORD, fullname="赵敏")
    factories.Organization(name="city-transport", title="市交通运输局",
                           users=[{"name": editor["name"], "capacity": "editor"}])
    org = call_action("organization_show", id="city-transport")
    factories.Dataset(owner_org=org["id"], name="bus-ridership", title="公交客流量统计",
                      open_tier="unconditional",
                      resources=[{"url": "http://files.example.org/ridership.csv",
                                  "format": "CSV", "name": "2025 年季度客流量"}])
    return {"citizen": {**citizen, "password": PASSWORD},
            "editor": {**editor, "password": PASSWORD}}


def test_a_citizen_reports_an_error_and_the_agency_answers_it(open_visitor, world):
    visitor = open_visitor(user=world["citizen"]).go("/dataset/bus-ridership")
    page = visitor.page
    with visitor.navigation():
        page.locator("#govshare-error-report-link").click()
    form = page.locator("#govshare-error-report-form")
    form.locator("#field-kind").select_option("wrong_values")
    resource = page.locator("#field-resource-id option", has_text="2025 年季度客流量")
    form.locator("#field-resource-id").select_option(resource.get_attribute("value"))
    form.locator("#field-description").fill("第三季度客流量为负数（-1532），应为正数")
    visitor.check_accessibility()
    with visitor.navigation():
        form.locator("button[type=submit]").click()
    report = page.locator("#govshare-error-report")
    assert report.get_attribute("data-state") == "submitted"
    assert "第三季度客流量为负数" in page.locator("#govshare-error-report-description").inner_text()
    assert page.locator("#govshare-error-report-due").count() == 1
    assert page.locator("#govshare-error-report-answer-form").count() == 0
    report_url = urlparse(page.url).path

    agency = open_visitor(user=world["editor"]).go(report_url)
    page = agency.page
    assert "王小明" in page.locator("#govshare-error-report-reporter").inner_text()
    answer = page.locator("#govshare-error-report-answer-form")
    answer.locator("#field-outcome").select_option("corrected")
    answer.locator("#field-reason").fill("已核对原始台账，第三季度客流量更正为 1532 人次")
    agency.check_accessibility()
    with agency.navigation():
        answer.locator("button[type=submit]").click()
    assert page.locator("#govshare-error-report").get_attribute("data-state") == "corrected"
    assert "更正为 1532 人次" in page.locator("#govshare-error-report-answer").inner_text()

    public = open_visitor().go("/dataset/bus-ridership")
    listed = public.page.locator("#govshare-error-reports")
    assert "更正为 1532 人次" in listed.inner_text()
    assert "王小明" not in public.page.content()
    public.check()
