"""Between agencies: an analyst of the statistics bureau finds, on a
dataset another agency shares on conditions, the sharing request (共享申请)
offered to agency staff, fills in the form for the bureau, forgets the
security commitment, is shown the error with what they typed kept, and sends
it; the application page names the procedure and the bureau. In Chinese on
a desktop, then in English on a phone (the request made up to the form's
refusal, where language and layout matter)."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def world(module_db) -> dict:
    analyst = factories.User(password=PASSWORD, fullname="李娜")
    bureau = factories.Organization(name="city-statistics", title="市统计局",
                                    users=[{"name": analyst["name"], "capacity": "editor"}])
    provider = factories.Organization(name="city-civil-affairs", title="市民政局")
    factories.Dataset(owner_org=provider["id"], name="marriage-registrations",
                      title="婚姻登记信息", open_tier="conditional",
                      resources=[{"url": "http://files.example.org/marriage.csv",
                                  "format": "CSV", "name": "登记表"}])
    return {"analyst": {**analyst, "password": PASSWORD}, "bureau": bureau}


def _fill(page, purpose: str, scope: str) -> None:
    form = page.locator("#govshare-agency-request-form")
    form.locator("#field-purpose").fill(purpose)
    form.locator("#field-use-scenario").fill(scope)
    form.locator("#field-contact-phone").fill("0571-88888888")
    form.locator("#field-accept-terms").check()


def test_an_agency_requests_shared_data_in_chinese(open_visitor, world):
    visitor = open_visitor(user=world["analyst"]).go("/dataset/marriage-registrations")
    page = visitor.page
    offer = page.locator("#govshare-agency-requests")
    assert "部门间共享与校核" in offer.inner_text()
    with visitor.navigation():
        offer.get_by_role("link", name="共享申请").click()
    assert page.locator("h1").inner_text().startswith("共享申请")
    assert page.locator("#field-organization option:checked").inner_text() == "市统计局"
    _fill(page, "编制人口统计年报", "统计局年报汇总系统")
    visitor.check_accessibility()
    with visitor.navigation():
        page.get_by_role("button", name="提交申请").click()
    # the security commitment is part of the request
    assert page.locator(".form-group.error #field-accept-security-commitment").count() == 1
    assert page.locator("#field-purpose").input_value() == "编制人口统计年报"
    page.locator("#field-accept-security-commitment").check()
    with visitor.navigation():
        page.get_by_role("button", name="提交申请").click()

    assert "申请已提交" in page.locator(".flash-messages, .alert-success").first.inner_text()
    kind = page.locator(".govshare-application-kind").first
    assert kind.get_attribute("data-kind") == "sharing"
    assert "共享申请" in kind.inner_text() and "市统计局" in kind.inner_text()
    mine = call_action("govshare_application_list", {"user": world["analyst"]["name"]},
                       kind="sharing")
    assert [a["applicant_name"] for a in mine["results"]] == ["市统计局"]


def test_the_request_form_in_english_on_a_phone(open_visitor, world):
    visitor = open_visitor(lang="en", user=world["analyst"], phone=True)
    visitor.go("/dataset/marriage-registrations")
    page = visitor.page
    with visitor.navigation():
        page.locator("#govshare-agency-requests").get_by_role(
            "link", name="Sharing request").click()
    form = page.locator("#govshare-agency-request-form")
    assert form.locator("#field-organization").is_visible()
    # the form fits the phone's width: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    with visitor.navigation():
        page.get_by_role("button", name="Send the request").click()
    assert page.locator(".form-group.error #field-purpose").count() == 1
