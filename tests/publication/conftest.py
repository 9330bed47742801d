"""Fixtures of the publication review tests: one agency (an editor, two
admins, a plain member, an outsider, a sysadmin), built once per module.
Review is on for these tests (``config/test.ini`` keeps it off for the rest
of the suite): each module marks itself with :data:`REVIEW_ON`."""
from __future__ import annotations

import types
from typing import Any

import pytest

from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.publication import workflow as wf
from tests import factories

REVIEW_ON = pytest.mark.ckan_config(options.PUBLICATION_REVIEW, True)
REVIEW_OFF = pytest.mark.ckan_config(options.PUBLICATION_REVIEW, False)

CHECKLIST = {name: True for name in wf.CHECKLIST_FIELDS}


def ctx(user: dict[str, Any] | None) -> dict[str, Any]:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def make_agency() -> types.SimpleNamespace:
    editor, admin, second_admin = factories.User(), factories.User(), factories.User()
    member, outsider = factories.User(), factories.User()
    other_org_member = factories.User()
    org = factories.Organization(users=[
        {"name": editor["name"], "capacity": "editor"},
        {"name": admin["name"], "capacity": "admin"},
        {"name": second_admin["name"], "capacity": "admin"},
        {"name": member["name"], "capacity": "member"}])
    factories.Organization(users=[{"name": other_org_member["name"], "capacity": "editor"}])
    return types.SimpleNamespace(org=org, editor=editor, admin=admin,
                                 second_admin=second_admin, member=member,
                                 outsider=outsider, other_org_member=other_org_member,
                                 sysadmin=ckan_factories.Sysadmin())


def new_entry(agency: types.SimpleNamespace, **fields: Any) -> dict[str, Any]:
    """A dataset the agency's editor creates (a draft, with review on)."""
    return factories.Dataset(owner_org=agency.org["id"], user=agency.editor, **fields)


def bring_to(agency: types.SimpleNamespace, entry: dict[str, Any], state: str) -> dict:
    """Move ``entry`` (a draft) to ``state`` through the actions."""
    if state == wf.DRAFT:
        return helpers.call_action("govshare_publication_show", id=entry["id"])
    if state == wf.CHANGE_SUBMITTED:  # conditional while a draft, then opened wider
        helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"],
                            open_tier="conditional", open_tier_reason="涉及企业经营信息",
                            open_tier_basis="《公共数据开放条例》第十二条")
    helpers.call_action("govshare_publication_submit", context=ctx(agency.editor),
                        id=entry["id"])
    if state in (wf.PUBLISHED, wf.CHANGE_SUBMITTED):
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    if state == wf.CHANGE_SUBMITTED:  # an edit that widens access
        helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"],
                            open_tier="unconditional")
    elif state == wf.RETURNED:
        helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                            id=entry["id"], decision=wf.RETURN, reason="缺少数据项说明")
    shown = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert shown["state"] == state
    return shown


@pytest.fixture(scope="module")
def agency(module_db) -> types.SimpleNamespace:
    return make_agency()
