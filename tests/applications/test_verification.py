"""Verification requests between agencies (issue 15 §3; 数据校核, Qingyang
2021 art. 18, Liaoning 2019 art. 18): an organization that has a dataset's
data asks its provider to check records it doubts; the provider answers in
the profile's period with the result, and the correction when the data was
wrong. The same workflow as applications (``kind`` ``verification``), with
its own answers (``correct``, ``confirm``) in the move table."""
from __future__ import annotations

import datetime as dt

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import workdays
from ckanext.govshare.applications import mail, notices, workflow
from ckanext.govshare.applications.model import Application, Notice
from tests import factories
from tests.applications.test_pages import auth

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

CREATE = "/api/3/action/govshare_application_create"
DECIDE = "/api/3/action/govshare_application_decide"


def ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def verification(package_id: str, **overrides) -> dict:
    data = {
        "package_id": package_id, "kind": "verification",
        "requested_fields": "线路编号 101 至 120 的发车间隔",
        "purpose": "发车间隔为 0 分钟，与实际运营不符",
        "contact_email": "analyst@bureau.example", "contact_phone": "0571-88888888",
    }
    data.update(overrides)
    return data


@pytest.fixture
def parties(agency):
    """A bureau whose editor has the agency's data: the dataset is shared
    unconditionally with agency staff."""
    user = factories.User(email="analyst@bureau.example")
    bureau = factories.Organization(title="市统计局", users=[
        {"name": user["name"], "capacity": "editor"}])
    helpers.call_action("package_patch", context=ctx(agency.admin), id=agency.dataset["id"],
                        share_type="unconditional", share_type_reason="", share_type_basis="")
    return user, bureau


def test_a_verification_is_answered_with_the_correction_in_the_profile_s_period(
        agency, parties):
    user, bureau = parties
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    assert (created["kind"], created["state"]) == ("verification", "submitted")
    assert created["applicant_name"] == "市统计局"
    assert created["requesting_org"] == bureau["id"]
    assert created["requested_term_months"] is None  # no term of use
    submitted = workdays.local_date(dt.datetime.fromisoformat(created["submitted_at"]))
    # qingyang-2021 art. 18: five working days
    assert created["due_date"] == workdays.add_workdays(submitted, 5).date.isoformat()
    # the provider's reviewers are offered the verification's answers only
    shown = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                id=created["id"])
    assert set(shown["moves"]) == {"correct", "confirm", "request_supplement"}

    answered = helpers.call_action(
        "govshare_application_decide", context=ctx(agency.editor), id=created["id"],
        decision="correct", reason="核对运营调度系统：101 至 120 路发车间隔录入为 0",
        correction="已按调度系统更正 20 条记录，新版资源已发布")
    assert answered["state"] == workflow.CORRECTED
    assert answered["correction"].startswith("已按调度系统更正")
    assert answered["grant"] is None  # a verification opens nothing
    assert answered["answered_late"] is False and answered["answer_working_days"] == 0
    assert answered["events"][-1]["details"]["correction"] == answered["correction"]
    assert answered["moves"] == []

    # the requester is told, with the result and the correction
    notice = model.Session.query(Notice).filter(
        Notice.application_id == created["id"], Notice.kind == notices.VERIFIED).one()
    application = model.Session.get(Application, created["id"])
    with mail.mail_context():
        sent = mail.compose(notice, application)
    assert [m.recipient_email for m in sent] == ["analyst@bureau.example"]
    assert "已按调度系统更正 20 条记录" in sent[0].body
    report = helpers.call_action("govshare_application_report",
                                 context=ctx(agency.sysadmin), kind="verification")
    assert report["total"]["answered_on_time"] == 1


def test_no_error_found(agency, parties):
    user, _bureau = parties
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    answered = helpers.call_action("govshare_application_decide", context=ctx(agency.admin),
                                   id=created["id"], decision="confirm",
                                   reason="与登记原件一致，数据无误")
    assert answered["state"] == workflow.CONFIRMED
    assert answered["correction"] is None


def test_bad_requests_and_answers_are_409_at_the_field(app, agency, parties):
    user, _bureau = parties
    # no records named
    errors = app.post(CREATE, json=verification(agency.dataset["id"], requested_fields=""),
                      headers=auth(user), status=409).json["error"]
    assert "requested_fields" in errors
    # an organization without the data asks to verify it
    other = factories.User()
    factories.Organization(users=[{"name": other["name"], "capacity": "member"}])
    conditional = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional")
    errors = app.post(CREATE, json=verification(conditional["id"]), headers=auth(other),
                      status=409).json["error"]
    assert "package_id" in errors
    # the public does not ask for verifications
    errors = app.post(CREATE, json=verification(agency.dataset["id"]),
                      headers=auth(agency.applicant), status=409).json["error"]
    assert "organization" in errors

    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    # an approval is no answer to a verification; a correction says what changed
    errors = app.post(DECIDE, json={"id": created["id"], "decision": "approve"},
                      headers=auth(agency.editor), status=409).json["error"]
    assert "decision" in errors
    errors = app.post(DECIDE, json={"id": created["id"], "decision": "correct",
                                    "reason": "数据有误"},
                      headers=auth(agency.editor), status=409).json["error"]
    assert "correction" in errors
    assert helpers.call_action("govshare_application_show", context=ctx(user),
                               id=created["id"])["state"] == "submitted"
    # nor is a correction an answer to the public's application
    public = helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                 **_open_application(agency))
    errors = app.post(DECIDE, json={"id": public["id"], "decision": "correct",
                                    "reason": "x", "correction": "y"},
                      headers=auth(agency.editor), status=409).json["error"]
    assert "decision" in errors


def _open_application(agency) -> dict:
    from tests.applications.conftest import application_data

    conditional = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional")
    return application_data(conditional["id"])


def test_the_provider_answers_on_the_page_and_the_requester_reads_the_result(
        app, agency, parties):
    user, _bureau = parties
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    page = tk.h.url_for("govshare_applications.read", id=created["id"])
    body = app.get(page, headers=auth(agency.editor)).get_data(as_text=True)
    assert 'id="govshare-move-correct"' in body and 'id="govshare-move-confirm"' in body
    assert 'id="govshare-move-approve"' not in body
    move = tk.h.url_for("govshare_applications.move", id=created["id"], move="correct")
    # a correction without saying what changed: the form again, with the error
    refused = app.post(move, data={"reason": "录入错误"}, headers=auth(agency.editor))
    assert refused.status_code == 200
    assert 'id="field-correction"' in refused.get_data(as_text=True)
    done = app.post(move, data={"reason": "录入错误", "correction": "已更正 3 条记录"},
                    headers=auth(agency.editor), follow_redirects=False)
    assert done.status_code == 302
    body = app.get(page, headers=auth(user)).get_data(as_text=True)
    assert 'id="govshare-verification-result"' in body and "已更正 3 条记录" in body


@pytest.mark.parametrize("answer", [workflow.CORRECT, workflow.CONFIRM])
def test_only_the_provider_s_reviewers_answer(agency, parties, answer):
    """Every role tries the answer: the requester (nobody decides their own
    case), a stranger and a plain member of the provider are refused and
    nothing changes; an editor answers."""
    user, _bureau = parties
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    data = {"id": created["id"], "decision": answer, "reason": "核实结果",
            "correction": "已更正"}
    for refused in (user, agency.stranger, agency.member):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_application_decide", context=ctx(refused), **data)
        assert helpers.call_action("govshare_application_show", context=ctx(user),
                                   id=created["id"])["state"] == workflow.SUBMITTED
    answered = helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                   **data)
    assert answered["state"] == workflow.find_move(answer, workflow.SUBMITTED,
                                                   "verification").target


def test_the_dataset_page_offers_a_verification_to_staff_who_have_the_data(app, agency, parties):
    user, bureau = parties
    read = tk.h.url_for("dataset.read", id=agency.dataset["name"])
    page = app.get(read, headers=auth(user)).get_data(as_text=True)
    assert 'data-kind="verification"' in page and 'data-kind="sharing"' not in page
    form = tk.h.url_for("govshare_applications.agency_request", id=agency.dataset["name"],
                        kind="verification")
    sent = app.post(form, headers=auth(user), follow_redirects=False, data={
        "organization": bureau["name"], "requested_fields": "第 3 行", "purpose": "数值异常",
        "contact_email": "analyst@bureau.example", "contact_phone": "0571-88888888"})
    assert sent.status_code == 302
    mine = helpers.call_action("govshare_application_list", context=ctx(user),
                               kind="verification")
    assert [a["requested_fields"] for a in mine["results"]] == ["第 3 行"]


def test_the_supplement_form_asks_only_what_a_verification_has(app, agency, parties):
    """A verification sent back for a supplement: the requester's form has no
    term and no applicant fields (the requesting organization applies), and
    sending it submits the request again."""
    user, _bureau = parties
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **verification(agency.dataset["id"]))
    helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                        id=created["id"], decision="request_supplement",
                        reason="请列出具体记录编号")
    page = tk.h.url_for("govshare_applications.read", id=created["id"])
    body = app.get(page, headers=auth(user)).get_data(as_text=True)
    assert 'id="govshare-move-supplement"' in body
    assert 'id="field-requested-term-months"' not in body
    assert 'id="field-applicant-type-person"' not in body and 'id="field-credit-code"' not in body
    move = tk.h.url_for("govshare_applications.move", id=created["id"], move="supplement")
    sent = app.post(move, data={"purpose": "记录 101、102 的发车间隔为 0 分钟",
                                "use_scenario": "", "requested_fields": "线路 101、102",
                                "contact_email": "analyst@bureau.example",
                                "contact_phone": "0571-88888888", "note": "已列出记录"},
                    headers=auth(user), follow_redirects=False)
    assert sent.status_code == 302
    shown = helpers.call_action("govshare_application_show", context=ctx(user), id=created["id"])
    assert shown["state"] == workflow.SUBMITTED
    assert shown["purpose"] == "记录 101、102 的发车间隔为 0 分钟"
    assert shown["applicant_type"] == "organization" and shown["requested_term_months"] is None
