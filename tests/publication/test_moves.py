"""The publication move table, read as the tests' source of truth: every move
out of every state, tried by every role, through the actions.

A move the table allows for the role succeeds and lands in its target state;
a role the move is not for is refused (403); a move that does not start from
the current state is refused with 409 naming the state; either way nothing
changes. The agency is built once for the module; each test creates its own
entry.
"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.publication import workflow as wf
from ckanext.govshare.publication.model import PublicationEvent
from tests.publication.conftest import CHECKLIST, REVIEW_ON, bring_to, ctx, new_entry

pytestmark = REVIEW_ON

ROLES = ("editor", "admin", "member", "outsider", "other_org_member", "sysadmin")
#: the publication roles each kind of user holds in the agency
ROLE_MAP = {
    "editor": {wf.EDITOR},
    "admin": {wf.EDITOR, wf.REVIEWER},
    "member": set(),
    "outsider": set(),
    "other_org_member": set(),
    "sysadmin": {wf.EDITOR, wf.REVIEWER},
}


def _call(move: str, user: dict, entry_id: str) -> dict:
    if move == wf.SUBMIT:
        return helpers.call_action("govshare_publication_submit", context=ctx(user),
                                   id=entry_id)
    return helpers.call_action("govshare_publication_decide", context=ctx(user),
                               id=entry_id, decision=move, reason="数据项说明不完整",
                               **CHECKLIST)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", wf.MOVE_NAMES)
@pytest.mark.parametrize("state", wf.STATES)
def test_every_move_from_every_state_by_every_role(agency, state, move, role):
    entry = new_entry(agency)
    before = bring_to(agency, entry, state)
    user = getattr(agency, role)
    allowed = wf.actor_of(move) in ROLE_MAP[role]
    target = wf.find_move(move, state)
    if not allowed:
        with pytest.raises(tk.NotAuthorized):
            _call(move, user, entry["id"])
    elif target is None:
        with pytest.raises(tk.ValidationError) as error:
            _call(move, user, entry["id"])
        assert "state" in error.value.error_dict
    else:
        result = _call(move, user, entry["id"])
        assert result["state"] == target.target
        return
    after = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert after["state"] == before["state"]


def test_the_table_names_every_state_and_decision():
    assert set(wf.DECISIONS) <= set(wf.MOVE_NAMES)
    # a draft is created; a change is submitted by an edit (publication/widening.py)
    reachable = {m.target for m in wf.MOVES} | {wf.DRAFT, wf.CHANGE_SUBMITTED}
    assert reachable == set(wf.STATES)


def test_publish_needs_every_checklist_item(agency):
    entry = new_entry(agency)
    bring_to(agency, entry, wf.SUBMITTED)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision=wf.PUBLISH,
                            confidentiality_reviewed=True)
    assert set(error.value.error_dict) == set(wf.CHECKLIST_FIELDS) - {
        "confidentiality_reviewed"}
    shown = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert shown["state"] == wf.SUBMITTED


def test_return_needs_a_reason_and_the_editor_sees_it(agency):
    entry = new_entry(agency)
    bring_to(agency, entry, wf.SUBMITTED)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision=wf.RETURN, reason="  ")
    assert "reason" in error.value.error_dict
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.RETURN, reason="缺少更新频率说明")
    shown = helpers.call_action("govshare_publication_show", context=ctx(agency.editor),
                                id=entry["id"])
    assert (shown["state"], shown["reason"]) == (wf.RETURNED, "缺少更新频率说明")


def test_unknown_decision_is_a_field_error(agency):
    entry = new_entry(agency)
    bring_to(agency, entry, wf.SUBMITTED)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision="approve")
    assert "decision" in error.value.error_dict


@pytest.mark.parametrize("role", ("admin", "sysadmin"))
def test_nobody_reviews_their_own_submission(agency, role):
    """An admin (or sysadmin) who submitted an entry may not decide it: 403
    with a message, the attempt recorded; another admin may."""
    entry = new_entry(agency)
    submitter = getattr(agency, role)
    helpers.call_action("govshare_publication_submit", context=ctx(submitter),
                        id=entry["id"])
    for decision in wf.DECISIONS:
        with pytest.raises(tk.NotAuthorized, match="nobody reviews their own submission"):
            helpers.call_action("govshare_publication_decide", context=ctx(submitter),
                                id=entry["id"], decision=decision, reason="自审",
                                **CHECKLIST)
    refused = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert refused["state"] == wf.SUBMITTED
    attempts = [e for e in refused["events"] if e["move"] == wf.OWN_CASE_REFUSED]
    assert [a["details"]["move"] for a in attempts] == list(wf.DECISIONS)
    assert {a["actor_id"] for a in attempts} == {submitter["id"]}
    published = helpers.call_action(
        "govshare_publication_decide", context=ctx(agency.second_admin), id=entry["id"],
        decision=wf.PUBLISH, **CHECKLIST)
    assert published["state"] == wf.PUBLISHED


def test_every_step_is_an_event_of_the_trail(agency):
    entry = new_entry(agency)
    bring_to(agency, entry, wf.RETURNED)
    helpers.call_action("govshare_publication_submit", context=ctx(agency.editor),
                        id=entry["id"])
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    events = helpers.call_action("govshare_publication_show", id=entry["id"])["events"]
    assert [(e["move"], e["from_state"], e["to_state"]) for e in events] == [
        (wf.CREATE, None, wf.DRAFT),
        (wf.SUBMIT, wf.DRAFT, wf.SUBMITTED),
        (wf.RETURN, wf.SUBMITTED, wf.RETURNED),
        (wf.SUBMIT, wf.RETURNED, wf.SUBMITTED),
        (wf.PUBLISH, wf.SUBMITTED, wf.PUBLISHED),
    ]
    assert events[-1]["details"]["checklist"] == CHECKLIST
    assert events[-1]["actor_id"] == agency.admin["id"]


def test_the_trail_is_append_only(agency):
    import sqlalchemy as sa

    import ckan.model as model

    entry = new_entry(agency)
    with pytest.raises(sa.exc.DBAPIError, match="append-only|permission denied"):
        model.Session.execute(sa.update(PublicationEvent.__table__)
                              .where(PublicationEvent.package_id == entry["id"])
                              .values(reason="rewritten"))
        model.Session.flush()
    model.Session.rollback()


def test_the_list_is_the_inbox(agency):
    entry = new_entry(agency)
    bring_to(agency, entry, wf.SUBMITTED)
    listing = helpers.call_action("govshare_publication_list", context=ctx(agency.admin),
                                  organization=agency.org["name"], state=wf.SUBMITTED)
    assert entry["id"] in {r["package_id"] for r in listing["results"]}
    assert {r["state"] for r in listing["results"]} == {wf.SUBMITTED}
    for outsider in (agency.member, agency.outsider, agency.other_org_member):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_publication_list", context=ctx(outsider),
                                organization=agency.org["id"])
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("govshare_publication_list", context=ctx(agency.admin),
                            organization=agency.org["id"], state="approved")
    assert "state" in error.value.error_dict
