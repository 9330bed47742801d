"""An applicant learns of a decision in the site: the header's bell counts
the unread notice, the message centre lists it, opening it reads it and the
count drops. In Chinese, in English, and on a phone (the bell stays in the
account bar above the collapsed menu).

The application and the decision go through the actions, the notice through
the real job (a burst worker in this process); the mail, which test.ini
sends to a server that is not there, fails and changes nothing here.
"""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.tests.helpers import call_action

from tests import factories
from tests.applications.conftest import application_data, approval_terms, make_agency

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def agency(module_db):
    return make_agency()


def run_jobs() -> None:
    from ckan.lib import jobs

    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
@pytest.mark.parametrize("lang, phone, unread_label, read_label, heading, unread_word", [
    ("", False, "消息中心（1 条未读）", "消息中心", "消息中心", "未读"),
    ("en", False, "Message centre (1 unread)", "Message centre", "Message centre", "Unread"),
    ("", True, "消息中心（1 条未读）", "消息中心", "消息中心", "未读"),
], ids=["zh", "en", "zh-phone"])
def test_an_applicant_reads_the_decision_in_the_message_centre(
        open_visitor, agency, lang, phone, unread_label, read_label, heading, unread_word):
    applicant = {**factories.User(password=PASSWORD), "password": PASSWORD}
    context = {"user": applicant["name"], "ignore_auth": False}
    application = call_action("govshare_application_create", context=context,
                              **application_data(agency.dataset["id"]))
    call_action("govshare_application_decide",
                context={"user": agency.editor["name"], "ignore_auth": False},
                id=application["id"], decision="approve", terms=approval_terms())
    run_jobs()

    visitor = open_visitor(lang=lang, phone=phone, user=applicant)
    page = visitor.go("/dataset").page
    bell = page.locator(".govshare-notices-bell a")
    assert bell.is_visible()                                 # phones too, menu collapsed
    assert bell.get_attribute("aria-label") == unread_label
    assert bell.locator(".govshare-unread-count").inner_text() == "1"

    with visitor.navigation():
        bell.click()
    assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    item = page.locator(".govshare-notice")
    assert item.count() == 1 and "govshare-notice-unread" in item.get_attribute("class")
    assert unread_word in item.inner_text() and agency.dataset["title"] in item.inner_text()

    with visitor.navigation():
        item.locator("a").click()
    assert agency.dataset["title"] in page.locator(".govshare-notice-body").inner_text()
    assert bell.get_attribute("aria-label") == read_label    # the count dropped
    assert bell.locator(".govshare-unread-count").count() == 0
    assert call_action("govshare_notice_list", context=context)["unread"] == 0

    with visitor.navigation():                               # on to the application
        page.locator("#govshare-notice a.btn-primary").click()
    # to the agreement the applicant is to accept
    assert page.url.endswith(f"/application/{application['id']}#govshare-agreement")
