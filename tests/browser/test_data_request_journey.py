"""Data requests (需求征集) and an interested party (利害关系人): a citizen
asks for data from the list's button through the form; another user
supports the request and sees the count go up; the agency's admin answers
on the request's page that the data cannot be opened, but opens one of its
closed datasets to the requester alone until a last day; the requester
follows the answer's link to the dataset, which the supporter cannot open;
the admin revokes the access on the page, the dataset closes to the
requester, who reads the revocation, with its reason, in the message
centre. In Chinese, in English, and on a phone.

The pages are served over real HTTP (the live server); the notices are
sent by the real job (Redis, a burst worker in this process), whose mail
(test.ini sends to a server that is not there) fails and changes nothing
here."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.govshare import workdays
from ckanext.govshare.applications import mail
from tests import factories

PASSWORD = "Correct-Horse-2026"
BASIS = "《政务数据开放条例》第十二条：涉及个人隐私"
#: what the pages say, by language
WORDS = {
    "": {"published": "您的需求已发布", "thanks": "感谢您的支持。",
         "no_support": "0 人支持", "one_support": "1 人支持", "supported": "您已支持该需求。",
         "answered": "该需求已答复。", "cannot_open": "暂不予开放",
         "party": "利害关系人访问权限", "revoked": "已撤销需求人的访问权限。"},
    "en": {"published": "Your request has been published", "thanks": "Thank you for your support.",
           "no_support": "0 supporters", "one_support": "1 supporter",
           "supported": "You support this request.", "answered": "The request was answered.",
           "cannot_open": "Cannot be opened", "party": "Access as an interested party",
           "revoked": "The requester's access has been revoked."},
}
REVOKED_SUBJECT = ("Your access as an interested party under the data request “{title}” "
                   "has been revoked")


@pytest.fixture(scope="module")
def world(module_db) -> dict:
    """The agency (its admin answers and revokes) and a user who supports
    requests; each journey has a requester and a closed dataset of its own."""
    admin = factories.User(password=PASSWORD, fullname="李建国")
    supporter = factories.User(password=PASSWORD, fullname="周晓红")
    org = factories.Organization(title="市自然资源和规划局",
                                 users=[{"name": admin["name"], "capacity": "admin"}])
    return {"org": org, "admin": {**admin, "password": PASSWORD},
            "supporter": {**supporter, "password": PASSWORD}}


def run_jobs() -> None:
    from ckan.lib import jobs

    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()


def status(visitor, path: str) -> int:
    """Open ``path`` and return the page's HTTP status."""
    response = visitor.page.goto(visitor.url(path), wait_until="domcontentloaded")
    visitor.ready()
    return response.status


def flash(page) -> str:
    return page.locator(".flash-messages").inner_text()


def in_language(lang: str, msgid: str, **values) -> str:
    """A message as the pages of ``lang`` say it (Chinese: the default)."""
    if lang == "en":
        return msgid.format(**values)
    with mail.mail_context():
        return tk._(msgid).format(**values)


@pytest.mark.usefixtures("clean_queues", "with_test_worker")
@pytest.mark.parametrize("lang, phone", [("", False), ("en", False), ("", True)],
                         ids=["zh", "en", "zh-phone"])
def test_a_data_request_opens_a_closed_dataset_to_its_requester_alone(
        open_visitor, world, lang, phone):
    words = WORDS[lang]
    tag = uuid.uuid4().hex[:6]
    citizen = {**factories.User(password=PASSWORD, fullname="王小明"), "password": PASSWORD}
    entry = factories.Dataset(owner_org=world["org"]["id"], name=f"land-register-{tag}",
                              title=f"不动产登记簿 {tag}", open_tier="closed",
                              share_type="not_shared")
    title = f"本人名下不动产登记信息 {tag}"
    last_day = (workdays.local_today() + dt.timedelta(days=30)).isoformat()

    # the citizen asks, from the list's button, through the form
    visitor = open_visitor(lang=lang, phone=phone, user=citizen).go("/datarequest")
    page = visitor.page
    with visitor.navigation():
        page.locator("#govshare-data-request-new").click()
    form = page.locator("#govshare-data-request-form")
    form.locator("#field-title").fill(title)
    form.locator("#field-description").fill("本人名下房屋的不动产登记簿记载事项，含抵押登记")
    form.locator("#field-purpose").fill("办理继承公证，核实本人权属状况")
    form.locator("#field-organization").select_option(label="市自然资源和规划局")
    if not lang and not phone:
        visitor.check_accessibility()
    with visitor.navigation():
        form.locator("button[type=submit]").click()
    assert words["published"] in flash(page)
    assert page.locator("#govshare-data-request").get_attribute("data-state") == "submitted"
    assert page.locator("h1.page-heading").inner_text().strip() == title
    assert "市自然资源和规划局" in page.locator("#govshare-data-request").inner_text()
    count = page.locator("#govshare-data-request-support-count")
    assert count.inner_text().strip() == words["no_support"]
    request_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    request_page = f"/datarequest/{request_id}"

    # another user finds it among the newest and supports it: the count goes up
    supporter = open_visitor(lang=lang, phone=phone, user=world["supporter"])
    supporter.go("/datarequest?sort=newest")
    with supporter.navigation():
        supporter.page.locator(f"[data-request='{request_id}'] a", has_text=title).click()
    count = supporter.page.locator("#govshare-data-request-support-count")
    assert count.inner_text().strip() == words["no_support"]
    with supporter.navigation():
        supporter.page.locator("#govshare-data-request-support").click()
    assert words["thanks"] in flash(supporter.page)
    assert count.inner_text().strip() == words["one_support"]
    assert words["supported"] in supporter.page.locator("#govshare-data-request").inner_text()
    assert supporter.page.locator("#govshare-data-request-support").count() == 0

    # the agency's admin answers: cannot be opened, but the requester is an
    # interested party, until a last day
    agency = open_visitor(lang=lang, phone=phone, user=world["admin"]).go(request_page)
    answer = agency.page.locator("#govshare-data-request-answer-form")
    answer.locator("#field-outcome").select_option("cannot_open")
    answer.locator("#field-reason").fill("该数据涉及个人隐私，不予开放；经核实申请人为权利人，向其本人开放")
    answer.locator("#field-basis").fill(BASIS)
    answer.locator("#field-package-id").fill(entry["name"])
    answer.locator("#field-interested-party").check()
    answer.locator("#field-valid-until").fill(last_day)
    if not lang and not phone:
        agency.check_accessibility()
    with agency.navigation():
        answer.locator("button[type=submit]").click()
    assert words["answered"] in flash(agency.page)
    assert agency.page.locator("#govshare-data-request").get_attribute("data-state") \
        == "answered"
    assert words["cannot_open"] in agency.page.locator("#govshare-data-request-answer") \
        .inner_text()
    party = agency.page.locator("#govshare-data-request-party")
    assert party.get_attribute("data-state") == "active"
    assert words["party"] in party.inner_text() and last_day in party.inner_text()

    # the requester follows the answer's link to the closed dataset
    visitor.go(request_page)
    assert last_day in page.locator("#govshare-data-request-party").inner_text()
    with visitor.navigation():
        page.locator("#govshare-data-request-answer a", has_text=entry["title"]).click()
    assert page.url.endswith(f"/dataset/{entry['name']}")
    assert page.get_by_role("heading", name=entry["title"]).first.is_visible()
    # the supporter cannot open it, nor reads which dataset the answer names
    assert status(supporter, f"/dataset/{entry['name']}") == 404
    assert entry["title"] not in supporter.page.content()
    supporter.go(request_page)
    assert entry["title"] not in supporter.page.content()
    assert supporter.page.locator("#govshare-data-request-party").count() == 0

    # the admin revokes the access on the request's page
    agency.go(request_page)
    revoke = agency.page.locator("#govshare-data-request-revoke-form")
    revoke.locator("#field-revoke-reason").fill("继承公证已办结，不再具备利害关系")
    with agency.navigation():
        revoke.locator("button[type=submit]").click()
    assert words["revoked"] in flash(agency.page)
    party = agency.page.locator("#govshare-data-request-party")
    assert party.get_attribute("data-state") == "revoked"
    assert "继承公证已办结" in party.inner_text()
    assert agency.page.locator("#govshare-data-request-revoke-form").count() == 0

    # the dataset is closed to the requester again
    assert status(visitor, f"/dataset/{entry['name']}") == 404
    assert entry["title"] not in page.content()

    # who reads the revocation, with its reason, in the message centre
    run_jobs()
    visitor.go("/dashboard/notices")
    revoked = page.locator(".govshare-notice[data-kind='revoked']")
    assert revoked.count() == 1
    subject = in_language(lang, REVOKED_SUBJECT, title=title)
    assert subject in revoked.inner_text()
    assert page.locator(".govshare-notice[data-kind='granted']").count() == 1
    with visitor.navigation():
        revoked.locator("a").click()
    assert page.locator("#govshare-notice h2").inner_text().strip() == subject
    body = page.locator(".govshare-notice-body").inner_text()
    assert "继承公证已办结，不再具备利害关系" in body and entry["title"] not in body
    button = page.locator("#govshare-notice a.btn-primary")
    assert button.inner_text().strip() == in_language(lang, "Open the data request")
    with visitor.navigation():
        button.click()
    assert page.url.endswith(request_page)
    # nobody else was told
    for other in (world["admin"], world["supporter"]):
        listed = call_action("govshare_notice_list",
                             context={"user": other["name"], "ignore_auth": False})
        assert title not in str(listed), other["name"]
