"""The requester of a data request is told of their access as an interested
party (利害关系人): when the answer opens a closed dataset to them (which
one, until which day, its address), when an admin of the agency revokes it
(why) and when its term ends (written by the tick, once). Through the
applications' outbox: mailed to the requester's account and delivered in
their message centre by the real job (Redis, a burst worker in this
process; mail caught by CKAN's SMTP test double); nobody else is told
anything, and once the access has ended the notice names the request, not
the closed dataset."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

import ckanext.govshare as govshare
from ckanext.govshare.applications import grants, mail, notices
from ckanext.govshare.applications.model import Grant, Notice
from ckanext.govshare.data_requests import notices as request_notices, parties
from ckanext.govshare.notifications.model import UserNotice
from tests.applications.test_notifications import (
    mails, run_jobs, subject_line, tick, translated, translated_jinja)
from tests import factories
from tests.applications.test_pages import auth

from .test_data_requests import answer, ask, ctx
from .test_interested_party import BASIS, SECRET_TITLE, closed_entry, last_day, \
    open_to_requester

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues",
                                     "with_test_worker")

REQUEST_TITLE = "本人不动产登记信息"
GRANTED = ("Your data request “{title}” has been answered: you have been granted access "
           "to the data as an interested party")
REVOKED = "Your access as an interested party under the data request “{title}” has been revoked"
EXPIRED = "Your access as an interested party under the data request “{title}” has ended"
REASON = "经核查，申请人已不再具备利害关系"


def opened(agency, entry: dict, **values) -> dict:
    """The request answered with the requester's access as an interested party."""
    made = ask(agency.applicant, organization=agency.org["id"], title=REQUEST_TITLE)
    values = {"basis": BASIS, "package_id": entry["name"], "interested_party": True,
              "valid_until": last_day(), **values}
    return answer(agency.editor, made["id"], "cannot_open", **values)


def told(user: dict) -> list[UserNotice]:
    return (model.Session.query(UserNotice).filter(UserNotice.user_id == user["id"])
            .order_by(UserNotice.id).all())


def everyone_else(agency) -> list[dict]:
    return [agency.admin, agency.editor, agency.member, agency.stranger, agency.sysadmin]


def revoke(agency, reason: str = REASON) -> dict:
    grant = model.Session.query(Grant).one()
    return helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin),
                               id=grant.id, reason=reason)


def test_the_requester_alone_is_told_of_the_access_granted(app, agency, mail_server):
    entry = closed_entry(agency.org["id"])
    made = opened(agency, entry)
    until = last_day()
    run_jobs()
    sent = mails(mail_server)
    # one mail, to the requester's account: the agency is told nothing
    assert [(m.kind, m.to) for m in sent] == [("granted", agency.applicant["email"])]
    [item] = sent
    assert item.subject == subject_line(GRANTED, title=REQUEST_TITLE)
    assert translated_jinja("Dataset: %(dataset_title)s",
                            dataset_title=SECRET_TITLE) in item.body
    assert until in item.body
    assert f"/dataset/{entry['name']}" in item.body          # the dataset's address
    assert f"/datarequest/{made['id']}" in item.body         # and the request's
    # in the message centre: the requester's only
    [notice] = told(agency.applicant)
    assert notice.kind == "granted" and notice.link.endswith(f"/datarequest/{made['id']}")
    assert SECRET_TITLE in notice.body and until in notice.body
    assert f"/dataset/{entry['name']}" in notice.body
    for user in everyone_else(agency):
        assert told(user) == [], user["name"]
    assert model.Session.query(UserNotice).count() == 1
    listed = helpers.call_action("govshare_notice_list", context=ctx(agency.applicant))
    assert listed["unread"] == 1
    assert listed["results"][0]["subject"] == translated(GRANTED, title=REQUEST_TITLE)


ANSWERED = "Your data request “{title}” has been answered"


@pytest.mark.parametrize("outcome, values, shown", [
    ("cannot_open", {"basis": BASIS}, [BASIS]),
    ("will_open", {"open_by": "2027-06-30"}, ["2027-06-30"]),
])
def test_an_answer_that_opens_nothing_is_told_to_the_requester_alone(
        app, agency, mail_server, outcome, values, shown):
    made = ask(agency.applicant, organization=agency.org["id"], title=REQUEST_TITLE)
    answer(agency.editor, made["id"], outcome, reason="依据本单位数据开放目录", **values)
    run_jobs()
    sent = mails(mail_server)
    assert [(m.kind, m.to) for m in sent] == [("answered", agency.applicant["email"])]
    [item] = sent
    assert item.subject == subject_line(ANSWERED, title=REQUEST_TITLE)
    label = {"cannot_open": "Cannot be opened", "will_open": "Will be opened"}[outcome]
    assert translated(label) in item.body
    for text in [*shown, "依据本单位数据开放目录", f"/datarequest/{made['id']}"]:
        assert text in item.body
    # no access is granted: no dataset, no last day
    assert model.Session.query(Grant).count() == 0
    [notice] = told(agency.applicant)
    assert notice.kind == "answered" and notice.link.endswith(f"/datarequest/{made['id']}")
    for user in everyone_else(agency):
        assert told(user) == [], user["name"]


@pytest.mark.parametrize("outcome, label", [
    ("available", "Already available"),
    ("by_application", "Available by application"),
])
def test_an_answer_naming_a_dataset_tells_the_requester_its_title_and_address(
        app, agency, mail_server, outcome, label):
    """``available`` names an open dataset, ``by_application`` a conditional
    one (the agency's): the requester's mail and message centre say which,
    with its address; no access is granted."""
    named = (factories.Dataset(owner_org=agency.org["id"], open_tier="unconditional",
                               title="公交线路站点表") if outcome == "available"
             else agency.dataset)
    made = ask(agency.applicant, organization=agency.org["id"], title=REQUEST_TITLE)
    answer(agency.editor, made["id"], outcome, package_id=named["name"])
    run_jobs()
    sent = mails(mail_server)
    assert [(m.kind, m.to) for m in sent] == [("answered", agency.applicant["email"])]
    [item] = sent
    assert item.subject == subject_line(ANSWERED, title=REQUEST_TITLE)
    assert translated(label) in item.body
    assert translated_jinja("Dataset: %(dataset_title)s",
                            dataset_title=named["title"]) in item.body
    with mail.mail_context():  # the address as the mail builds it
        address = tk.h.url_for("dataset.read", id=named["name"], _external=True)
    assert translated_jinja("The dataset: %(dataset_url)s", dataset_url=address) in item.body
    assert f"/datarequest/{made['id']}" in item.body
    [notice] = told(agency.applicant)
    assert notice.kind == "answered"
    assert named["title"] in notice.body and f"/dataset/{named['name']}" in notice.body
    assert model.Session.query(Grant).count() == 0
    for user in everyone_else(agency):
        assert told(user) == [], user["name"]


def test_a_revocation_tells_the_requester_why_without_naming_the_dataset(
        app, agency, mail_server):
    entry = closed_entry(agency.org["id"])
    made = opened(agency, entry)
    run_jobs()
    mails(mail_server)
    revoke(agency)
    run_jobs()
    [item] = mails(mail_server)
    assert (item.kind, item.to) == ("revoked", agency.applicant["email"])
    assert item.subject == subject_line(REVOKED, title=REQUEST_TITLE)
    assert translated_jinja("Reason: %(reason)s", reason=REASON) in item.body
    assert f"/datarequest/{made['id']}" in item.body
    # the access has ended: the closed dataset is not named any more
    assert SECRET_TITLE not in item.body and entry["name"] not in item.body
    granted, revoked = told(agency.applicant)
    assert (granted.kind, revoked.kind) == ("granted", "revoked")
    for user in everyone_else(agency):
        assert told(user) == [], user["name"]

    # the message centre's pages: listed unread, opened with the reason, a
    # button to the request
    headers = auth(agency.applicant)
    index = app.get("/dashboard/notices", headers=headers).get_data(as_text=True)
    assert translated(REVOKED, title=REQUEST_TITLE) in index
    page = app.get(f"/dashboard/notices/{revoked.id}", headers=headers).get_data(as_text=True)
    assert REASON in page and SECRET_TITLE not in page
    with mail.mail_context():
        button = tk._("Open the data request")
    assert re.search(rf'href="[^"]*/datarequest/{made["id"]}"[^>]*>\s*{button}\s*<', page)
    # in English on the English pages
    english = app.get(f"/en/dashboard/notices/{revoked.id}", headers=headers)
    english = english.get_data(as_text=True)
    assert REVOKED.format(title=REQUEST_TITLE) in english
    assert "Open the data request" in english
    # nobody else can open it
    for user in (agency.admin, agency.stranger):
        assert app.get(f"/dashboard/notices/{revoked.id}", headers=auth(user)).status_code \
            == 404


def test_the_end_of_the_term_is_told_once_by_the_tick(agency, mail_server, freezer):
    freezer.move_to("2026-11-02 02:00:00")
    entry = closed_entry(agency.org["id"])
    made = opened(agency, entry, valid_until="2026-11-10")
    run_jobs()
    mails(mail_server)
    freezer.move_to("2026-11-10 15:59:00")  # 23:59 in China: the last day
    assert tick()["expired"] == 0
    run_jobs()
    assert mails(mail_server) == []
    freezer.move_to("2026-11-10 16:00:00")  # midnight: over
    assert tick()["expired"] == 1
    for _again in range(3):  # cron runs it as often as it likes
        assert tick()["expired"] == 0
        run_jobs()
    [item] = mails(mail_server)
    assert (item.kind, item.to) == ("expired", agency.applicant["email"])
    assert item.subject == subject_line(EXPIRED, title=REQUEST_TITLE)
    assert "2026-11-10" in item.body and SECRET_TITLE not in item.body
    assert f"/datarequest/{made['id']}" in item.body
    expired = model.Session.query(Notice).filter(
        Notice.data_request_id == made["id"], Notice.kind == "expired").all()
    assert len(expired) == 1 and expired[0].sent_at is not None
    assert [n.kind for n in told(agency.applicant)] == ["granted", "expired"]
    for user in everyone_else(agency):
        assert told(user) == [], user["name"]
    freezer.move_to("2026-11-20 02:00:00")
    assert tick()["expired"] == 0
    run_jobs()
    assert mails(mail_server) == []


def test_a_revoked_access_is_not_told_to_have_ended_too(agency, mail_server, freezer):
    freezer.move_to("2026-11-02 02:00:00")
    entry = closed_entry(agency.org["id"])
    opened(agency, entry, valid_until="2026-11-10")
    revoke(agency)
    freezer.move_to("2026-11-11 02:00:00")
    assert tick()["expired"] == 0
    run_jobs()
    assert sorted(m.kind for m in mails(mail_server)) == ["granted", "revoked"]
    assert model.Session.query(Grant).one().state == "revoked"


def test_the_requester_is_told_in_the_site_when_mail_cannot_be_sent(app, agency):
    """No mail server here (test.ini's is not there): the mail fails and is
    left for the tick to retry; the message centre has the notice anyway."""
    entry = closed_entry(agency.org["id"])
    made = open_to_requester(agency, entry)
    run_jobs()
    [notice] = model.Session.query(Notice).filter(Notice.data_request_id == made["id"]).all()
    assert notice.sent_at is None and notice.attempts == 1 and notice.last_error
    assert notice.delivered_at is not None
    assert [n.kind for n in told(agency.applicant)] == ["granted"]


def test_every_kind_of_a_data_request_s_notice_has_an_audience_and_a_template():
    templates = Path(govshare.__file__).parent / "templates"
    for kind in (notices.reminder_kind(5), notices.OVERDUE, *request_notices.PARTY_KINDS):
        assert notices.audience(kind)
        path = templates / request_notices.TEMPLATE.format(kind=notices.base_kind(kind))
        assert path.exists(), path
    assert {notices.audience(k) for k in request_notices.PARTY_KINDS} == {notices.APPLICANT}


def test_the_outbox_names_the_requester_s_notice_by_the_request(agency):
    """The sysadmins' view of notices not sent: by the request's title, not
    the closed dataset's."""
    entry = closed_entry(agency.org["id"])
    made = opened(agency, entry)
    listed = helpers.call_action("govshare_mail_outbox_list", context=ctx(agency.sysadmin))
    [row] = [r for r in listed["results"] if r["data_request_id"] == made["id"]]
    assert row["kind"] == "granted" and REQUEST_TITLE in row["subject"]
    assert SECRET_TITLE not in str(listed)


def test_the_grant_s_last_day_is_the_one_given(agency):
    entry = closed_entry(agency.org["id"])
    opened(agency, entry, valid_until="2027-01-31")
    grant = model.Session.query(Grant).one()
    assert grants.last_day(grant.valid_until) == dt.date(2027, 1, 31)
    assert grants.ends_at(dt.date(2027, 1, 31)) == grant.valid_until


def test_a_revocation_after_the_tick_ended_the_access_is_409_and_tells_nothing_more(agency):
    """The admin's page was read while the access ran; the tick ended it
    meanwhile (another connection, committed): the revocation is refused
    rather than ending it a second time with a second notice."""
    entry = closed_entry(agency.org["id"])
    made = opened(agency, entry)
    grant = model.Session.query(Grant).one()
    assert grant.state == "active"          # as the admin's request read it
    with model.meta.engine.begin() as other:  # the tick, at the end of the term
        ended = other.execute(parties._EXPIRE, {
            "now": grant.valid_until, "active": "active", "expired": "expired",
            "kind": "expired"}).all()
    assert len(ended) == 1
    with pytest.raises(tk.ValidationError, match="ended"):
        parties.revoke(grant, model.User.get(agency.admin["id"]), REASON, grant.valid_until)
    model.Session.rollback()
    assert [n.kind for n in model.Session.query(Notice).filter(
        Notice.data_request_id == made["id"]).order_by(Notice.id)] == ["granted", "expired"]
    assert model.Session.query(Grant).one().state == "expired"
