"""The tier tests' world (``tests/tiers/conftest.py``) built once for a
module, with callers of each test's own.

A world is two organizations, three datasets with a link and an uploaded
file each, five users and their tokens: 2-3 s to build on this machine.
Most tests of labels, receipts and products only read it; what they write
(receipts, downloads, applications, grants, products) is the caller's own.
:func:`with_own_callers` gives a test the module's organizations and
datasets with new users in the same roles (a member of the owning
organization, an editor of the other, a stranger, a sysadmin), so one
test's receipts or grants are never another's.
"""
from __future__ import annotations

import dataclasses

from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests.tiers.conftest import World


def _with_token(user: dict) -> str:
    return ckan_factories.APIToken(user=user["name"])["token"]


def with_own_callers(world: World) -> World:
    """``world`` with new users (and tokens) in every signed-in role."""
    sysadmin = ckan_factories.Sysadmin()
    member, other, stranger = (ckan_factories.User() for _ in range(3))
    site = {"user": sysadmin["name"]}
    for org, user, capacity in ((world.owner_org, member, "member"),
                                (world.other_org, other, "editor")):
        helpers.call_action("organization_member_create", context=site, id=org["id"],
                            username=user["name"], role=capacity)
    users = {"anonymous": None, "stranger": stranger, "other_org_member": other,
             "member": member, "sysadmin": sysadmin}
    tokens = {role: (_with_token(user) if user else None) for role, user in users.items()}
    return dataclasses.replace(world, users=users, tokens=tokens)
