"""Error reports: every move × role, on one organization made once for the
module (each test makes its own report; nothing here counts what others
made)."""
from __future__ import annotations

import types

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.applications import workflow
from ckanext.govshare.applications.model import Application
from tests import factories
from tests.applications.conftest import make_agency
from tests.applications.test_pages import auth
from tests.error_reports.test_error_reports import ANSWER, answer, ctx, events, report

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture(scope="module")
def world(module_db) -> types.SimpleNamespace:
    agency = make_agency()
    editor = factories.User(email="editor@other.example")
    org = factories.Organization(title="市交通运输局", users=[
        {"name": editor["name"], "capacity": "editor"}])
    return types.SimpleNamespace(agency=agency, other_org=(org, editor))


@pytest.fixture
def agency(world):
    return world.agency


@pytest.fixture
def other_org(world):
    return world.other_org


# ------------------------------------------------------------------ moves × roles
ROLES = ("reporter", "stranger", "member", "editor", "admin", "other_staff", "sysadmin",
         "anonymous")
MAY_ANSWER = {"editor", "admin", "sysadmin"}


def who(agency, other_org, role: str):
    return {"reporter": agency.applicant, "stranger": agency.stranger,
            "member": agency.member, "editor": agency.editor, "admin": agency.admin,
            "other_staff": other_org[1], "sysadmin": agency.sysadmin,
            "anonymous": None}[role]


@pytest.mark.parametrize("outcome", ["corrected", "no_error", "forwarded"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_answer(agency, other_org, role, outcome):
    created = report(agency)
    extra = {"forward_to": other_org[0]["name"]} if outcome == "forwarded" else {}
    user = who(agency, other_org, role)
    if role not in MAY_ANSWER:
        with pytest.raises(tk.NotAuthorized):
            answer(user, created["id"], outcome, **extra)
        assert model.Session.get(Application, created["id"]).state == "submitted"
        return
    answered = answer(user, created["id"], outcome, **extra)
    if outcome == "forwarded":
        assert (answered["state"], answered["owner_org"]) == ("submitted", other_org[0]["id"])
    else:
        assert answered["outcome"] == outcome
        assert answered["state"] == {"corrected": "corrected", "no_error": "confirmed"}[outcome]
        # answered once: no second answer
        with pytest.raises(tk.ValidationError) as error:
            answer(user, created["id"], "no_error")
        assert "state" in error.value.error_dict


@pytest.mark.parametrize("role", ROLES)
def test_who_may_report_and_withdraw(agency, other_org, role):
    user = who(agency, other_org, role)
    if user is None:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_error_report_create", context=ctx(None),
                                package_id=agency.dataset["id"], kind="other",
                                description="x")
        return
    created = report(agency, user=user)
    # only the reporter withdraws (the workflow's withdraw move)
    others = [u for u in (agency.editor, agency.stranger) if u["id"] != user["id"]]
    for other in others:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_application_withdraw", context=ctx(other),
                                id=created["id"])
    withdrawn = helpers.call_action("govshare_application_withdraw", context=ctx(user),
                                    id=created["id"])
    assert withdrawn["state"] == "withdrawn"


@pytest.mark.parametrize("values, field", [
    ({}, "forward_to"),
    ({"forward_to": "no-such-org"}, "forward_to"),
    ({"forward_to": "SAME"}, "forward_to"),
    ({"forward_to": "OTHER", "reason": ""}, "reason"),
])
def test_a_forward_needs_another_agency_and_a_reason(agency, other_org, values, field):
    created = report(agency)
    values = {k: {"SAME": agency.org["name"], "OTHER": other_org[0]["name"]}.get(v, v)
              for k, v in values.items()}
    with pytest.raises(tk.ValidationError) as error:
        answer(agency.editor, created["id"], "forwarded", **values)
    assert field in error.value.error_dict
    stored = model.Session.get(Application, created["id"])
    assert (stored.state, stored.owner_org) == ("submitted", agency.org["id"])
    assert events(created["id"]) == [workflow.SUBMIT]


@pytest.mark.parametrize("body, field", [
    ({"outcome": "fixed"}, "outcome"),
    ({"outcome": "corrected", "reason": ""}, "reason"),
    ({"reason": "x"}, "outcome"),
])
def test_a_bad_answer_is_409_and_nothing_moves(app, agency, body, field):
    created = report(agency)
    response = app.post(ANSWER, json={"id": created["id"], **body},
                        headers=auth(agency.editor), status=409)
    assert field in response.json["error"]
    assert events(created["id"]) == [workflow.SUBMIT]


