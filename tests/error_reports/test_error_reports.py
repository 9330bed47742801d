"""Error reports from the public (纠错, issue 16 §1): a kind of application
(``error_report``) on the one workflow: every move × role, the answer
period across a holiday, forwarding to another agency, the personal-data
notice, bad input, and the reporter's contact kept from the public."""
from __future__ import annotations

import io
import json

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.applications import mail, notices, workflow
from ckanext.govshare.applications.model import Application, ApplicationEvent, Notice
from tests import factories
from tests.applications.test_pages import auth

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

CREATE = "/api/3/action/govshare_error_report_create"
SHOW = "/api/3/action/govshare_error_report_show"
LIST = "/api/3/action/govshare_error_report_list"
ANSWER = "/api/3/action/govshare_error_report_answer"
DESCRIPTION = "2025 年第三季度的客流量为负数，应为正数"


def ctx(user: dict | None) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def report(agency, user=None, **overrides) -> dict:
    data = {"package_id": agency.dataset["id"], "kind": "wrong_values",
            "description": DESCRIPTION}
    data.update(overrides)
    return helpers.call_action("govshare_error_report_create",
                               context=ctx(user or agency.applicant), **data)


def answer(user, report_id: str, outcome: str = "corrected", **values) -> dict:
    values.setdefault("reason", "已核对原始台账并更正第三季度数据")
    return helpers.call_action("govshare_error_report_answer", context=ctx(user),
                               id=report_id, outcome=outcome, **values)


def notice_kinds(report_id: str) -> list[str]:
    return [n.kind for n in model.Session.query(Notice).filter(
        Notice.application_id == report_id).order_by(Notice.id)]


def events(report_id: str) -> list[str]:
    return [e.move for e in model.Session.query(ApplicationEvent).filter(
        ApplicationEvent.application_id == report_id).order_by(ApplicationEvent.seq)]


@pytest.fixture
def other_org():
    editor = factories.User(email="editor@other.example")
    org = factories.Organization(title="市交通运输局", users=[
        {"name": editor["name"], "capacity": "editor"}])
    return org, editor


# ------------------------------------------------------------------ report
def test_a_report_is_a_case_of_the_workflow_due_in_the_profile_s_period(agency, freezer):
    freezer.move_to("2026-11-02 02:00:00")  # a Monday in China
    created = report(agency, resource_id=agency.resources[0]["id"])
    assert (created["procedure"], created["kind"], created["state"]) == (
        "error_report", "wrong_values", "submitted")
    # both profiles: five working days
    assert (created["due_date"], created["working_days_left"], created["overdue"]) == (
        "2026-11-09", 5, False)
    assert created["resource_id"] == agency.resources[0]["id"]
    stored = model.Session.get(Application, created["id"])
    assert (stored.kind, stored.problem, stored.owner_org) == (
        "error_report", "wrong_values", agency.org["id"])
    assert events(created["id"]) == [workflow.SUBMIT]
    assert notice_kinds(created["id"]) == [notices.NEW]
    # the organization's inbox is the applications inbox, by kind
    inbox = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                organization=agency.org["id"], kind="error_report")
    assert [a["id"] for a in inbox["results"]] == [created["id"]]
    freezer.move_to("2026-11-10 02:00:00")
    late = helpers.call_action("govshare_error_report_show", context=ctx(agency.editor),
                               id=created["id"])
    assert (late["overdue"], late["working_days_left"]) == (True, -1)


def test_the_answer_period_runs_across_the_national_day(agency, freezer):
    """Filed Wednesday 30 September 2026: 1–7 October are off, Saturday 10
    October is worked: 8, 9, 10, 12, 13 October."""
    freezer.move_to("2026-09-30 01:00:00")
    assert report(agency)["due_date"] == "2026-10-13"


def test_several_reports_on_one_dataset_by_one_user(agency):
    first, second = report(agency), report(agency, kind="out_of_date")
    assert first["id"] != second["id"]


def test_nobody_answers_their_own_report(agency):
    """An editor who reports an error in their organization's data is only
    its reporter: refused, the attempt in the trail; a colleague answers."""
    created = report(agency, user=agency.editor)
    with pytest.raises(tk.NotAuthorized, match="own"):
        answer(agency.editor, created["id"])
    assert events(created["id"]) == [workflow.SUBMIT, workflow.OWN_CASE_REFUSED]
    assert answer(agency.admin, created["id"])["state"] == "corrected"


def test_an_application_is_not_an_error_report(agency):
    from tests.applications.conftest import application_data

    application = helpers.call_action("govshare_application_create", context=ctx(
        agency.applicant), **application_data(agency.dataset["id"]))
    with pytest.raises(tk.ObjectNotFound):
        answer(agency.editor, application["id"])
    with pytest.raises(tk.ValidationError):  # nor is a report made as an application
        helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                            **application_data(agency.dataset["id"], kind="error_report"))


# ------------------------------------------------------------------ forwarding
def test_forwarding_moves_the_report_and_its_clock_to_the_other_agency(
        agency, other_org, freezer):
    org, other_editor = other_org
    freezer.move_to("2026-11-02 02:00:00")
    created = report(agency)
    freezer.move_to("2026-11-04 02:00:00")
    forwarded = answer(agency.editor, created["id"], "forwarded", forward_to=org["name"],
                       reason="该数据由市交通运输局提供")
    assert (forwarded["owner_org"], forwarded["organization_title"]) == (org["id"], "市交通运输局")
    assert forwarded["due_date"] == "2026-11-11"  # a full period from the forwarding day
    assert forwarded["forwards"][0]["reason"] == "该数据由市交通运输局提供"
    # the first agency no longer answers it, the second does
    with pytest.raises(tk.NotAuthorized):
        answer(agency.editor, created["id"], "corrected")
    assert notice_kinds(created["id"]) == [notices.NEW, notices.FORWARDED, notices.NEW]
    done = answer(other_editor, created["id"], "no_error", reason="经核对，数据无误")
    assert (done["state"], done["outcome"], done["answered_late"]) == (
        "confirmed", "no_error", False)
    assert events(created["id"]) == [workflow.SUBMIT, workflow.FORWARD, workflow.CONFIRM]
    # the reporter is told where it went, in the portal's language
    with mail.mail_context():
        notice = model.Session.query(Notice).filter(
            Notice.application_id == created["id"], Notice.kind == notices.FORWARDED).one()
        values = mail.values_for(notice, model.Session.get(Application, created["id"]))
        assert org["title"] in mail.subject_text(notice.kind, values)
        assert "/error-report/" in values["url"]


# ------------------------------------------------------------------ personal data
@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_exposed_personal_data_is_told_at_once_to_admins_and_sysadmins(agency, mail_server):
    from ckan.lib import jobs

    created = report(agency, kind="personal_data",
                     description="资源 A 第 12 行含有身份证号 110101199003074518")
    assert notice_kinds(created["id"]) == [notices.NEW, notices.PERSONAL_DATA]
    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()
    told = {}
    for _none, _sender, to, raw in mail_server.get_smtp_messages():
        kind = raw.split("X-GovShare-Notice: ", 1)[1].split()[0]
        told.setdefault(kind, set()).update(to if isinstance(to, list) else [to])
    assert told[notices.PERSONAL_DATA] == {agency.admin["email"], agency.sysadmin["email"]}
    assert told[notices.NEW] == {agency.admin["email"], agency.editor["email"]}
    # the description (which repeats the data) is not public
    public = helpers.call_action("govshare_error_report_show", context=ctx(None),
                                 id=created["id"])
    assert public["description"] is None and public["description_hidden"] is True
    reviewer = helpers.call_action("govshare_error_report_show", context=ctx(agency.editor),
                                   id=created["id"])
    assert "110101199003074518" in reviewer["description"]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("body, field", [
    ({"kind": "wrong_values"}, "description"),
    ({"kind": "typo", "description": "x"}, "kind"),
    ({"description": "x"}, "kind"),
    ({"kind": "other", "description": "   "}, "description"),
    ({"kind": "other", "description": "x" * 2001}, "description"),
    ({"kind": "other", "description": "x", "resource_id": "not-a-resource"}, "resource_id"),
])
def test_a_bad_report_is_409_with_field_messages_and_nothing_written(app, agency, body, field):
    response = app.post(CREATE, json={"package_id": agency.dataset["id"], **body},
                        headers=auth(agency.applicant), status=409)
    assert field in response.json["error"]
    assert model.Session.query(Application).count() == 0
    assert model.Session.query(Notice).count() == 0


def test_an_attachment_is_kept_for_those_who_may_see_it(app, agency):
    response = app.post(CREATE, data={"package_id": agency.dataset["id"], "kind": "other",
                                      "description": "截图见附件",
                                      "upload": (io.BytesIO(b"PNG..."), "截图.png")},
                        headers=auth(agency.applicant), status=200)
    created = response.json["result"]
    assert created["attachment"]["filename"] == "截图.png"
    page = f"/error-report/{created['id']}/attachment"
    assert app.get(page, headers=auth(agency.editor), status=200).data == b"PNG..."
    app.get(page, headers=auth(agency.stranger), status=404)
    app.get(page, status=404)


# ------------------------------------------------------------------ the public
def test_the_reporter_is_kept_from_the_public(app, agency):
    created = report(agency)
    answer(agency.editor, created["id"])
    secret = (agency.applicant["email"], agency.applicant["name"], agency.applicant["id"])
    for headers in ({}, auth(agency.stranger), auth(agency.member)):
        shown = app.get(SHOW, query_string={"id": created["id"]}, headers=headers).json
        listed = app.get(LIST, query_string={"package_id": agency.dataset["id"]},
                         headers=headers).json
        page = app.get(f"/dataset/{agency.dataset['name']}", headers=headers).get_data(
            as_text=True)
        for text in (json.dumps(shown, ensure_ascii=False),
                     json.dumps(listed, ensure_ascii=False), page):
            assert not any(s in text for s in secret)
        assert shown["result"]["reason"] == "已核对原始台账并更正第三季度数据"
        assert listed["result"]["count"] == 1
        assert DESCRIPTION in page
    # the reporter, the organization's reviewers and sysadmins see who it was
    for user in (agency.applicant, agency.editor, agency.sysadmin):
        shown = helpers.call_action("govshare_error_report_show", context=ctx(user),
                                    id=created["id"])
        assert shown["contact_email"] == agency.applicant["email"]
        assert [e["move"] for e in shown["events"]] == ["submit", "correct"]


def test_lists_are_scoped(agency, other_org):
    created = report(agency)
    mine = helpers.call_action("govshare_error_report_list", context=ctx(agency.applicant),
                               mine=True)
    assert [r["id"] for r in mine["results"]] == [created["id"]]
    assert helpers.call_action("govshare_error_report_list", context=ctx(agency.stranger),
                               mine=True)["count"] == 0
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govshare_error_report_list", context=ctx(other_org[1]),
                            organization=agency.org["id"])
    with pytest.raises(tk.ValidationError):
        helpers.call_action("govshare_error_report_list", context=ctx(agency.stranger))
    inbox = helpers.call_action("govshare_error_report_list", context=ctx(agency.editor),
                                organization=agency.org["id"], state="submitted")
    assert inbox["results"][0]["reporter_name"]


def test_a_report_on_a_dataset_one_may_not_see_is_404(agency):
    private = factories.Dataset(owner_org=agency.org["id"], private=True)
    with pytest.raises(tk.ObjectNotFound):
        report(agency, package_id=private["id"])


# ------------------------------------------------------------------ pages
def test_the_form_reports_and_the_agency_answers_on_the_pages(app, agency):
    form = f"/dataset/{agency.dataset['name']}/error-report"
    assert app.get(form, follow_redirects=False).status_code == 302  # log in first
    page = app.get(form, headers=auth(agency.applicant)).get_data(as_text=True)
    assert 'name="description"' in page
    response = app.post(form, data={"kind": "", "description": ""},
                        headers=auth(agency.applicant))
    assert 'class="error-explanation' in response.get_data(as_text=True)
    assert model.Session.query(Application).count() == 0
    app.post(form, data={"kind": "out_of_date", "description": "数据停留在 2023 年"},
             headers=auth(agency.applicant), follow_redirects=False, status=302)
    stored = model.Session.query(Application).one()
    read = f"/error-report/{stored.id}"
    assert 'id="govshare-error-report-answer-form"' in app.get(
        read, headers=auth(agency.editor)).get_data(as_text=True)
    assert 'answer-form' not in app.get(read, headers=auth(agency.applicant)).get_data(
        as_text=True)
    app.post(f"{read}/answer", data={"outcome": "corrected", "reason": "已更新至 2025 年"},
             headers=auth(agency.editor), follow_redirects=False, status=302)
    assert model.Session.get(Application, stored.id).state == "corrected"
    # the inbox's link to it leads to its page
    assert app.get(f"/application/{stored.id}", headers=auth(agency.editor),
                   follow_redirects=False).location.endswith(read)


# ------------------------------------------------------------------ the tick
@pytest.mark.usefixtures("clean_queues", "with_test_worker")
def test_the_tick_reminds_and_escalates_an_error_report(agency, mail_server, freezer):
    """Filed Monday 2 November 2026, due Monday 9 November (5 working days):
    reminded 5 working days before (at once: Monday 2nd) and 1 before
    (Friday 6th), overdue on Tuesday 10th, in the error report's words."""
    from tests.applications.test_notifications import mails, run_jobs, tick

    freezer.move_to("2026-11-02 02:00:00")
    created = report(agency)
    run_jobs()
    mails(mail_server)
    told = {}
    for day in ("2026-11-02", "2026-11-05", "2026-11-06", "2026-11-09", "2026-11-10"):
        freezer.move_to(f"{day} 01:30:00")
        tick()
        run_jobs()
        told[day] = sorted({m.kind for m in mails(mail_server)})
    assert told == {"2026-11-02": ["reminder_5"], "2026-11-05": [],
                    "2026-11-06": ["reminder_1"], "2026-11-09": [], "2026-11-10": ["overdue"]}
    assert notice_kinds(created["id"])[-1] == "overdue"
    with mail.mail_context():
        notice = model.Session.query(Notice).filter(
            Notice.application_id == created["id"], Notice.kind == "overdue").one()
        values = mail.values_for(notice, model.Session.get(Application, created["id"]))
        assert mail.subject_text("overdue", values) == tk._(
            "Overdue: the error report on “{dataset}” was due on {due_date}").format(
                dataset=agency.dataset["title"], due_date="2026-11-09")
