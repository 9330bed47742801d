"""Data requests from the public (需求征集, issue 16 §2): ask, support once
(concurrency included), the public list by support and by newest, the
agency's four answers within the profile's period, who may answer, bad input,
the pages."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.data_requests.model import DataRequest, Support
from tests import factories
from tests.applications.test_pages import auth

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

CREATE = "/api/3/action/govshare_data_request_create"
ANSWER = "/api/3/action/govshare_data_request_answer"


def ctx(user: dict | None) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def ask(user: dict, **overrides) -> dict:
    data = {"title": "公交车辆实时位置", "description": "各线路车辆的实时经纬度，每 30 秒更新",
            "purpose": "开发候车提醒小程序"}
    data.update(overrides)
    return helpers.call_action("govshare_data_request_create", context=ctx(user), **data)


def support(user: dict, request_id: str) -> dict:
    return helpers.call_action("govshare_data_request_support", context=ctx(user),
                               id=request_id)


def answer(user: dict, request_id: str, outcome: str, **values) -> dict:
    values.setdefault("reason", "经研究答复如下")
    return helpers.call_action("govshare_data_request_answer", context=ctx(user),
                               id=request_id, outcome=outcome, **values)


def test_a_request_is_due_in_the_profile_s_period_across_a_holiday(agency, freezer):
    freezer.move_to("2026-09-30 01:00:00")  # Wednesday before the National Day
    made = ask(agency.applicant, organization=agency.org["name"])
    # 15 working days: 8, 9, 10 (make-up Saturday), 12-16, 19-23, 26, 27 October
    assert (made["state"], made["due_date"], made["support_count"]) == (
        "submitted", "2026-10-27", 0)
    assert made["organization_title"] == agency.org["title"]
    assert made["working_days_left"] == 15 and made["overdue"] is False


def test_one_vote_each_and_the_list_by_support_and_newest(agency, freezer):
    freezer.move_to("2026-11-02 02:00:00")
    older = ask(agency.applicant, title="路灯位置")
    freezer.move_to("2026-11-03 02:00:00")
    newer = ask(agency.applicant, title="停车场空位")
    assert support(agency.stranger, older["id"])["support_count"] == 1
    assert support(agency.member, older["id"])["support_count"] == 2
    with pytest.raises(tk.ValidationError, match="already"):
        support(agency.stranger, older["id"])
    with pytest.raises(tk.ValidationError, match="own"):
        support(agency.applicant, older["id"])
    with pytest.raises(tk.NotAuthorized):
        support(None, older["id"])
    by_support = helpers.call_action("govshare_data_request_list", context=ctx(None))
    assert [r["title"] for r in by_support["results"]] == ["路灯位置", "停车场空位"]
    newest = helpers.call_action("govshare_data_request_list", context=ctx(None), sort="newest")
    assert [r["id"] for r in newest["results"]] == [newer["id"], older["id"]]
    assert model.Session.get(DataRequest, older["id"]).support_count == 2
    # the public does not see who asked
    assert "user_id" not in by_support["results"][0]
    assert "requester_name" not in by_support["results"][0]


def test_the_database_keeps_one_vote_per_user(agency):
    made = ask(agency.applicant)
    model.Session.add(Support(request_id=made["id"], user_id=agency.stranger["id"]))
    model.Session.commit()
    model.Session.add(Support(request_id=made["id"], user_id=agency.stranger["id"]))
    with pytest.raises(sa.exc.IntegrityError):
        model.Session.commit()
    model.Session.rollback()


def test_two_votes_at_once_by_one_user_store_one(app, agency):
    made = ask(agency.applicant)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def vote() -> None:
        with app.flask_app.test_request_context():
            try:
                barrier.wait(5)
                support(agency.stranger, made["id"])
                outcomes.append("stored")
            except tk.ValidationError:
                outcomes.append("refused")
            finally:
                model.Session.remove()

    threads = [threading.Thread(target=vote) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["refused", "stored"]
    model.Session.remove()
    assert model.Session.query(Support).filter(Support.request_id == made["id"]).count() == 1
    assert model.Session.get(DataRequest, made["id"]).support_count == 1


@pytest.mark.parametrize("outcome, values, tier", [
    ("will_open", {"open_by": "2027-03-31"}, None),
    ("available", {"package_id": "OPEN"}, "unconditional"),
    ("by_application", {"package_id": "CONDITIONAL"}, "conditional"),
    ("cannot_open", {"basis": "《政务数据开放条例》第十二条：涉及国家安全"}, None),
])
def test_the_four_answers(agency, outcome, values, tier):
    opened = factories.Dataset(owner_org=agency.org["id"], open_tier="unconditional")
    values = {k: {"OPEN": opened["name"], "CONDITIONAL": agency.dataset["name"]}.get(v, v)
              for k, v in values.items()}
    made = ask(agency.applicant, organization=agency.org["id"])
    answered = answer(agency.editor, made["id"], outcome, **values)
    assert (answered["state"], answered["outcome"], answered["answered_late"]) == (
        "answered", outcome, False)
    if tier:  # an answered request links to its dataset
        assert answered["package_name"] == values["package_id"]
    with pytest.raises(tk.ValidationError, match="already"):
        answer(agency.admin, made["id"], "will_open", open_by="2027-01-01")


@pytest.mark.parametrize("outcome, values, field", [
    ("will_open", {}, "open_by"),
    ("available", {}, "package_id"),
    ("cannot_open", {}, "basis"),
    ("available", {"package_id": "no-such-dataset"}, "package_id"),
    ("by_application", {"package_id": "OPEN"}, "package_id"),
    ("will_open", {"open_by": "31/03/2027"}, "open_by"),
    ("maybe", {}, "outcome"),
    ("will_open", {"open_by": "2027-03-31", "reason": ""}, "reason"),
])
def test_a_bad_answer_is_409_and_nothing_changes(app, agency, outcome, values, field):
    opened = factories.Dataset(owner_org=agency.org["id"], open_tier="unconditional")
    values = {k: {"OPEN": opened["name"]}.get(v, v) for k, v in values.items()}
    made = ask(agency.applicant, organization=agency.org["id"])
    body = {"id": made["id"], "outcome": outcome, "reason": "答复", **values}
    response = app.post(ANSWER, json=body, headers=auth(agency.editor), status=409)
    assert field in response.json["error"]
    assert model.Session.get(DataRequest, made["id"]).state == "submitted"


@pytest.mark.parametrize("body, field", [
    ({"description": "x", "purpose": "y"}, "title"),
    ({"title": "x", "purpose": "y"}, "description"),
    ({"title": "x", "description": "y"}, "purpose"),
    ({"title": "x", "description": "y", "purpose": "z", "organization": "nope"}, "organization"),
])
def test_a_bad_request_is_409_and_nothing_written(app, agency, body, field):
    response = app.post(CREATE, json=body, headers=auth(agency.applicant), status=409)
    assert field in response.json["error"]
    assert model.Session.query(DataRequest).count() == 0


def test_who_may_answer(agency):
    other = factories.User()
    factories.Organization(users=[{"name": other["name"], "capacity": "editor"}])
    addressed = ask(agency.applicant, organization=agency.org["id"])
    for user in (agency.stranger, agency.member, other, None):
        with pytest.raises(tk.NotAuthorized):
            answer(user, addressed["id"], "will_open", open_by="2027-01-01")
    # nobody answers their own request, whatever their role
    own = ask(agency.editor, organization=agency.org["id"])
    with pytest.raises(tk.NotAuthorized, match="own"):
        answer(agency.editor, own["id"], "will_open", open_by="2027-01-01")
    assert answer(agency.admin, own["id"], "will_open", open_by="2027-01-01")["outcome"]
    # a request naming no agency: the portal's operators answer it
    unaddressed = ask(agency.applicant)
    with pytest.raises(tk.NotAuthorized):
        answer(agency.editor, unaddressed["id"], "will_open", open_by="2027-01-01")
    assert answer(agency.sysadmin, unaddressed["id"], "cannot_open",
                  basis="无对应数据")["state"] == "answered"
    shown = helpers.call_action("govshare_data_request_show", context=ctx(agency.editor),
                                id=addressed["id"])
    assert shown["requester_name"] and shown["may_answer"] is True
    public = helpers.call_action("govshare_data_request_show", context=ctx(None),
                                 id=addressed["id"])
    assert "requester_name" not in public and public["may_answer"] is False


def test_the_pages(app, agency):
    assert app.get("/datarequest").status_code == 200
    assert 'href="/datarequest"' in app.get("/dataset").get_data(as_text=True)
    assert app.get("/datarequest/new", follow_redirects=False).status_code == 302
    app.post("/datarequest/new", data={"title": "", "description": "", "purpose": ""},
             headers=auth(agency.applicant))
    assert model.Session.query(DataRequest).count() == 0
    app.post("/datarequest/new", data={"title": "共享单车停放点", "description": "全市停放点",
                                       "purpose": "规划骑行路线",
                                       "organization": agency.org["name"]},
             headers=auth(agency.applicant), follow_redirects=False, status=302)
    made = model.Session.query(DataRequest).one()
    page = f"/datarequest/{made.id}"
    app.post(f"{page}/support", headers=auth(agency.stranger), follow_redirects=False,
             status=302)
    assert model.Session.get(DataRequest, made.id).support_count == 1
    assert 'id="govshare-data-request-answer-form"' in app.get(
        page, headers=auth(agency.editor)).get_data(as_text=True)
    app.post(f"{page}/answer", data={"outcome": "available", "reason": "已开放",
                                     "package_id": agency.dataset["name"]},
             headers=auth(agency.editor))
    assert model.Session.get(DataRequest, made.id).state == "submitted"  # conditional data
    opened = factories.Dataset(owner_org=agency.org["id"], open_tier="unconditional")
    app.post(f"{page}/answer", data={"outcome": "available", "reason": "已开放",
                                     "package_id": opened["name"]},
             headers=auth(agency.editor), follow_redirects=False, status=302)
    text = app.get("/datarequest?sort=newest&state=answered").get_data(as_text=True)
    assert "共享单车停放点" in text and f'/dataset/{opened["name"]}' in text
