"""The tick reminds the agency of a data request waiting for its answer and
escalates it when overdue, through the applications' outbox: the same days
(``ckanext.govshare.application.reminder_working_days``), the same people,
mail and the message centre, in the request's words.

A request filed on Monday 2 November 2026 is due on Monday 23 November (15
working days, the profile's ``data_request`` period): reminded 5 working
days before (Monday 16th) and 1 before (Friday 20th), overdue from Tuesday
24th."""
from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare.applications import mail
from ckanext.govshare.applications.model import Notice
from ckanext.govshare.notifications.model import UserNotice
from tests.applications.test_notifications import (
    MONDAY, mails, run_jobs, subject_line, tick, translated_plural)
from tests.applications.test_tick import china_morning, days

from .test_data_requests import answer, ask, ctx

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues",
                                     "with_test_worker")

DUE = "2026-11-23"


def notices_of(request_id: str) -> list[tuple[str, dt.date]]:
    return [(n.kind, n.due_date) for n in model.Session.query(Notice)
            .filter(Notice.data_request_id == request_id).order_by(Notice.id)]


def test_reminders_then_overdue_day_by_day(app, agency, mail_server):
    with freeze_time(MONDAY):
        made = ask(agency.applicant, organization=agency.org["id"], title="公共自行车站点")
    assert made["due_date"] == DUE
    told: dict[str, list] = {}
    for day in days("2026-11-03", "2026-11-25"):
        with freeze_time(china_morning(day)):
            first = tick()
            again = tick()  # cron may run it as often as it likes
            run_jobs()
            told[day] = mails(mail_server)
        assert again == {"expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}
        assert first["requeued"] == 0
    assert {day: sorted((m.kind, m.to) for m in sent) for day, sent in told.items() if sent} == {
        "2026-11-16": [("reminder_5", "admin@agency.example"),
                       ("reminder_5", "editor@agency.example")],
        "2026-11-20": [("reminder_1", "admin@agency.example"),
                       ("reminder_1", "editor@agency.example")],
        "2026-11-24": sorted([("overdue", "admin@agency.example"),
                              ("overdue", agency.sysadmin["email"])]),
    }
    with freeze_time(china_morning("2026-11-16")):
        reminder = subject_line("Reminder: the data request “{title}” is due on {due_date}",
                                title="公共自行车站点", due_date=DUE)
        five_left = translated_plural(
            "Answer by %(due_date)s: %(count)s working day left.",
            "Answer by %(due_date)s: %(count)s working days left.", 5, due_date=DUE)
        overdue = subject_line("Overdue: the data request “{title}” was due on {due_date}",
                               title="公共自行车站点", due_date=DUE)
    for item in told["2026-11-16"]:
        assert item.subject == reminder and five_left in item.body
        assert f"/datarequest/{made['id']}" in item.body
        # the agency answers the request, not the person: nobody is named
        assert agency.applicant["name"] not in item.body
        assert agency.applicant["email"] not in item.body
    assert all(item.subject == overdue for item in told["2026-11-24"])
    assert notices_of(made["id"]) == [("reminder_5", dt.date(2026, 11, 23)),
                                      ("reminder_1", dt.date(2026, 11, 23)),
                                      ("overdue", dt.date(2026, 11, 23))]
    # and in the message centre, each linking to the request
    delivered = model.Session.query(UserNotice).filter(
        UserNotice.user_id == agency.editor["id"]).order_by(UserNotice.id).all()
    assert [n.kind for n in delivered] == ["reminder_5", "reminder_1"]
    assert all(n.link.endswith(f"/datarequest/{made['id']}") for n in delivered)
    listed = helpers.call_action("govshare_notice_list", context=ctx(agency.editor))
    assert "公共自行车站点" in str(listed)


def test_an_answered_request_is_no_longer_reminded(app, agency, mail_server):
    """Answered after the reminders: no overdue notice; one written before
    the answer but sent after it is not sent (the requester alone is told
    of the answer)."""
    with freeze_time(MONDAY):
        made = ask(agency.applicant, organization=agency.org["id"])
    with freeze_time(china_morning("2026-11-20")):
        assert tick()["reminders"] == 1  # written, not sent yet
        answer(agency.editor, made["id"], "will_open", open_by="2027-03-31")
        run_jobs()
        assert [(m.kind, m.to) for m in mails(mail_server)] == [
            ("answered", agency.applicant["email"])]
    with freeze_time(china_morning("2026-11-24")):
        assert tick()["overdue"] == 0
    [notice] = model.Session.query(Notice).filter(
        Notice.data_request_id == made["id"], Notice.kind != "answered").all()
    assert notice.last_error == "not sent: the data request is answered now"
    assert [n.user_id for n in model.Session.query(UserNotice)] == [agency.applicant["id"]]


def test_a_request_naming_no_agency_reminds_the_sysadmins(app, agency, mail_server):
    with freeze_time(MONDAY):
        made = ask(agency.applicant, title="全市古树名木")
    with freeze_time(china_morning("2026-11-16")):
        assert tick()["reminders"] == 1
        run_jobs()
        sent = mails(mail_server)
    assert [(m.kind, m.to) for m in sent] == [("reminder_5", agency.sysadmin["email"])]
    with mail.mail_context():
        notice = model.Session.query(Notice).filter(Notice.data_request_id == made["id"]).one()
        recipients = mail.audience_of(notice, mail.case_of(notice))
    ids = {r.user_id for r in recipients}
    assert agency.sysadmin["id"] in ids and not ids & {agency.admin["id"], agency.editor["id"]}
    assert all(model.User.get(i).sysadmin for i in ids)


def test_the_outbox_names_the_request(app, agency):
    """A sysadmin's view of the notices not sent yet (no mail server here)
    shows a data request's by its title and links to its page."""
    with freeze_time(MONDAY):
        made = ask(agency.applicant, organization=agency.org["id"], title="河道水质监测")
    with freeze_time(china_morning("2026-11-16")):
        assert tick()["reminders"] == 1
    listed = helpers.call_action("govshare_mail_outbox_list", context=ctx(agency.sysadmin))
    [row] = [r for r in listed["results"] if r["data_request_id"] == made["id"]]
    assert "河道水质监测" in row["subject"] and row["application_id"] is None
    page = app.get("/ckan-admin/mail",
                   extra_environ={"REMOTE_USER": agency.sysadmin["name"]})
    assert f'href="/datarequest/{made["id"]}"' in page.get_data(as_text=True)
