"""Edits of a published entry: those that widen access (publication/widening.py
WIDENING_FIELDS) wait for a reviewer, and meanwhile everyone outside the
organization sees the approved values; every other edit goes straight
through."""
from __future__ import annotations

from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.publication import widening
from ckanext.govshare.publication import workflow as wf
from tests.publication.conftest import CHECKLIST, REVIEW_ON, bring_to, ctx, new_entry

pytestmark = REVIEW_ON

#: (what the entry is created with, the edit, the field that widens)
WIDENING_EDITS = {
    "open_tier": ({"open_tier": "conditional"}, {"open_tier": "unconditional"}),
    "contains_personal_data": ({"contains_personal_data": True, "desensitised": True},
                               {"contains_personal_data": False}),
    "desensitised": ({"contains_personal_data": True, "desensitised": False,
                      "open_tier": "closed", "open_tier_reason": "含未脱敏个人信息",
                      "open_tier_basis": "《个人信息保护法》第二十八条"},
                     {"desensitised": True}),
}
#: edits that go straight through: (created with, edit)
PLAIN_EDITS = {
    "title": ({}, {"title": "更正后的标题 pubmark-typo"}),
    "notes": ({}, {"notes": "补充说明：数据每年更新一次。"}),
    "narrower tier": ({"open_tier": "unconditional"},
                      {"open_tier": "conditional", "open_tier_reason": "涉及企业经营信息",
                       "open_tier_basis": "《公共数据开放条例》第十二条"}),
    "personal data declared": ({"contains_personal_data": False},
                               {"contains_personal_data": True, "desensitised": True}),
}


def test_every_widening_field_is_tested_and_in_the_readme():
    assert set(WIDENING_EDITS) == set(widening.WIDENING_FIELDS)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for field in widening.WIDENING_FIELDS:
        assert f"`{field}`" in readme, field


@pytest.mark.parametrize("field", sorted(WIDENING_EDITS))
def test_a_widening_edit_waits_for_the_reviewer(agency, field):
    created, edit = WIDENING_EDITS[field]
    entry = new_entry(agency, **created)
    bring_to(agency, entry, wf.PUBLISHED)
    # a closed entry (undesensitised personal data) is read by its members only
    readers = ((agency.member,) if created.get("open_tier") == "closed"
               else (None, agency.outsider, agency.member))
    before = helpers.call_action("package_show", context=ctx(readers[0]),
                                 id=entry["id"])[field]
    helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"],
                        notes="同时修改的说明", **edit)
    for who in readers:
        shown = helpers.call_action("package_show", context=ctx(who), id=entry["id"])
        assert shown[field] == before, who
        assert shown["notes"] == "同时修改的说明"  # the rest went through
    state = helpers.call_action("govshare_publication_show", context=ctx(agency.editor),
                                id=entry["id"])
    assert state["state"] == wf.CHANGE_SUBMITTED
    assert state["pending_change"][field] == edit[field]
    # the editor cannot decide it, nor can the admin who made it
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govshare_publication_decide", context=ctx(agency.editor),
                            id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    after = helpers.call_action("package_show", context=ctx(readers[0]), id=entry["id"])
    assert after[field] == edit[field]
    state = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert (state["state"], state["pending_change"]) == (wf.PUBLISHED, {})


def test_a_returned_change_leaves_the_approved_entry(agency):
    created, edit = WIDENING_EDITS["open_tier"]
    entry = new_entry(agency, **created)
    bring_to(agency, entry, wf.PUBLISHED)
    helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"], **edit)
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.RETURN, reason="开放依据不足")
    shown = helpers.call_action("package_show", context=ctx(None), id=entry["id"])
    assert shown["open_tier"] == "conditional"
    state = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert (state["state"], state["reason"]) == (wf.PUBLISHED, "开放依据不足")


def test_the_admin_who_widened_it_does_not_approve_it(agency):
    created, edit = WIDENING_EDITS["desensitised"]
    entry = new_entry(agency, **created)
    bring_to(agency, entry, wf.PUBLISHED)
    helpers.call_action("package_patch", context=ctx(agency.admin), id=entry["id"], **edit)
    with pytest.raises(tk.NotAuthorized, match="nobody reviews their own submission"):
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    helpers.call_action("govshare_publication_decide", context=ctx(agency.second_admin),
                        id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    assert helpers.call_action("package_show", id=entry["id"])["desensitised"] is True


@pytest.mark.parametrize("kind", sorted(PLAIN_EDITS))
def test_other_edits_go_straight_through(agency, kind):
    created, edit = PLAIN_EDITS[kind]
    entry = new_entry(agency, **created)
    bring_to(agency, entry, wf.PUBLISHED)
    helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"], **edit)
    shown = helpers.call_action("package_show", context=ctx(None), id=entry["id"])
    for field, value in edit.items():
        assert shown[field] == value, field
    assert helpers.call_action("govshare_publication_show",
                               id=entry["id"])["state"] == wf.PUBLISHED
