"""The move table, read as the tests' source of truth: every move out of
every state, tried by every role, through the actions.

A move the table allows for the role succeeds and lands in the table's
target state; a role the move is not for is refused (403) whatever the
state; a move that does not start from the current state is refused with
409 naming the state; either way nothing changes.

The agency (users, organization, dataset) is built once for the module; each
test files its own application as an applicant of its own, so the tests do
not see each other's applications.
"""
from __future__ import annotations

import types

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications import workflow as wf
from tests import profiles
from tests import factories
from tests.applications.conftest import application_data, approval_terms, make_agency

ROLES = ("applicant", "stranger", "member", "editor", "admin", "sysadmin")
#: the workflow roles each kind of user has on the test application
ROLE_MAP = {
    "applicant": {wf.APPLICANT},
    "stranger": set(),
    "member": set(),
    "editor": {wf.REVIEWER},
    "admin": {wf.REVIEWER, wf.ORG_ADMIN},
    "sysadmin": {wf.REVIEWER, wf.ORG_ADMIN},
}
#: states reachable through the actions (``expired`` is the tick's: test_tick)
STATES = (wf.SUBMITTED, wf.NEEDS_SUPPLEMENT, wf.APPROVED, wf.REJECTED, wf.WITHDRAWN,
          wf.REVOKED)
#: the moves of the public's applications (kind ``open``); a verification's
#: answers are tried in tests/applications/test_verification.py
USER_MOVES = tuple(dict.fromkeys(m.name for m in wf.moves_of_kind("open")
                                 if m.name not in (wf.SUBMIT, wf.EXPIRE)))


@pytest.fixture(scope="module")
def module_agency(module_db):
    return make_agency()


@pytest.fixture
def agency(module_agency):
    """The module's agency, with an applicant of the test's own."""
    return types.SimpleNamespace(**{**vars(module_agency),
                                    "applicant": factories.User()})


def _ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def bring_to(agency, state: str) -> dict:
    """An application in ``state``, moved there through the actions."""
    app = helpers.call_action("govshare_application_create", context=_ctx(agency.applicant),
                              **application_data(agency.dataset["id"]))
    reviewer = _ctx(agency.editor)
    if state == wf.NEEDS_SUPPLEMENT:
        app = helpers.call_action("govshare_application_decide", context=reviewer,
                                  id=app["id"], decision="request_supplement",
                                  reason="缺少单位介绍信")
    elif state in (wf.APPROVED, wf.REVOKED):
        app = helpers.call_action("govshare_application_decide", context=reviewer,
                                  id=app["id"], decision="approve", terms=approval_terms())
        if state == wf.REVOKED:
            helpers.call_action("govshare_grant_revoke", context=_ctx(agency.admin),
                                id=app["grant"]["id"], reason="违反使用约定")
    elif state == wf.REJECTED:
        app = helpers.call_action("govshare_application_decide", context=reviewer,
                                  id=app["id"], decision="reject", reason="用途与数据无关")
    elif state == wf.WITHDRAWN:
        app = helpers.call_action("govshare_application_withdraw",
                                  context=_ctx(agency.applicant), id=app["id"])
    app = helpers.call_action("govshare_application_show", id=app["id"])
    assert app["state"] == state
    return app


def attempt(agency, app: dict, move: str, user: dict) -> dict:
    """Make ``move`` on ``app`` as ``user`` through its action."""
    context = _ctx(user)
    if move in wf.DECISIONS:
        extra = {"terms": approval_terms()} if move == wf.APPROVE else {"reason": "理由"}
        return helpers.call_action("govshare_application_decide", context=context,
                                   id=app["id"], decision=move, **extra)
    if move == wf.SUPPLEMENT:
        return helpers.call_action("govshare_application_supplement", context=context,
                                   id=app["id"], purpose="补充后的用途说明")
    if move == wf.WITHDRAW:
        return helpers.call_action("govshare_application_withdraw", context=context,
                                   id=app["id"])
    if move == wf.EXTEND:
        return helpers.call_action("govshare_application_extend", context=context,
                                   id=app["id"], days=5, reason="需要征求第三方意见")
    if move == wf.REVOKE:
        grant = (app.get("grant") or {}).get("id") or "no-grant"
        return helpers.call_action("govshare_grant_revoke", context=context, id=grant,
                                   reason="违反使用约定")
    if move == wf.ACCEPT_TERMS:
        version = (app.get("agreement") or {}).get("version") or "no-terms"
        return helpers.call_action("govshare_application_accept_terms", context=context,
                                   id=app["id"], terms_version=version)
    raise AssertionError(move)


def _role_may(move: str, role: str) -> bool:
    return wf.actor_of(move) in ROLE_MAP[role]


#: what a refused attempt may leave in the trail (the state stays)
REFUSALS = (wf.OWN_CASE_REFUSED, wf.ACCEPTANCE_BY_OTHER_REFUSED)


def _unchanged(app: dict) -> None:
    after = helpers.call_action("govshare_application_show", id=app["id"])
    assert after["state"] == app["state"]
    assert [e for e in after["events"] if e["move"] not in REFUSALS] == [
        e for e in app["events"] if e["move"] not in REFUSALS]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("move", USER_MOVES)
def test_roles_the_move_is_not_for_are_refused(agency, state, move):
    app = bring_to(agency, state)
    for role in ROLES:
        if _role_may(move, role):
            continue
        expected = (tk.ObjectNotFound if move == wf.REVOKE and not app.get("grant")
                    else tk.NotAuthorized)
        with pytest.raises(expected):
            attempt(agency, app, move, getattr(agency, role))
        _unchanged(app)


def _allowed_roles():
    for state in STATES:
        for move in USER_MOVES:
            for role in ROLES:
                if _role_may(move, role):
                    yield state, move, role


@pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("state,move,role", list(_allowed_roles()))
def test_the_move_from_each_state(agency, state, move, role):
    app = bring_to(agency, state)
    user = getattr(agency, role)
    table_move = wf.find_move(move, state)
    if move == wf.REVOKE and not app.get("grant"):
        # nothing to revoke: there is no grant before an approval
        with pytest.raises(tk.ObjectNotFound):
            attempt(agency, app, move, user)
    elif table_move is None:
        with pytest.raises(tk.ValidationError) as err:
            attempt(agency, app, move, user)
        assert f"This application is {state}" in str(err.value.error_dict["state"])
    else:
        attempt(agency, app, move, user)
        after = helpers.call_action("govshare_application_show", id=app["id"])
        assert after["state"] == table_move.target
        # the move's event, then (approve, revoke) the grant's own (tests/audit)
        moved, *grant_events = after["events"][len(app["events"]):]
        assert moved["move"] == move
        assert moved["from_state"] == state
        assert moved["actor"] == user["name"]
        assert [e["move"] for e in grant_events] == {
            wf.APPROVE: ["grant_issued"], wf.REVOKE: ["grant_revoked"],
            wf.ACCEPT_TERMS: ["grant_opened"]}.get(move, [])
        return
    _unchanged(app)


def test_the_table_is_what_the_rules_say():
    """The issue's list of moves, spelled out once more against the table."""
    moves = {(m.source, m.target) for m in wf.moves_of_kind("open")}
    assert moves == {
        (None, wf.SUBMITTED),
        (wf.SUBMITTED, wf.APPROVED), (wf.SUBMITTED, wf.REJECTED),
        (wf.SUBMITTED, wf.NEEDS_SUPPLEMENT), (wf.NEEDS_SUPPLEMENT, wf.SUBMITTED),
        (wf.SUBMITTED, wf.WITHDRAWN), (wf.NEEDS_SUPPLEMENT, wf.WITHDRAWN),
        (wf.APPROVED, wf.EXPIRED), (wf.APPROVED, wf.REVOKED),
        (wf.SUBMITTED, wf.SUBMITTED),  # extend
        (wf.APPROVED, wf.APPROVED),  # accept the terms
    }
    # a verification request is answered by a correction or a confirmation,
    # not by an approval (no grant), and its other moves are the same
    verification = {(m.name, m.source, m.target) for m in wf.moves_of_kind("verification")}
    assert verification - {(m.name, m.source, m.target) for m in wf.moves_of_kind("open")} == {
        (wf.CORRECT, wf.SUBMITTED, wf.CORRECTED), (wf.CONFIRM, wf.SUBMITTED, wf.CONFIRMED)}
    assert {m.name for m in wf.moves_of_kind("verification")}.isdisjoint(
        {wf.APPROVE, wf.REJECT, wf.REVOKE, wf.EXPIRE, wf.ACCEPT_TERMS})
    assert wf.moves_of_kind("sharing") == wf.moves_of_kind("open")
    for state in wf.FINAL:
        for kind in wf.ALL_KINDS:
            assert wf.moves_for(state, wf.ROLES, kind) == []
    assert [m.name for m in wf.moves_for(wf.SUBMITTED, {wf.APPLICANT})] == [wf.WITHDRAW]
