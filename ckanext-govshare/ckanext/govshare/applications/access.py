"""Who someone is to an application: its applicant, a reviewer (admin or
editor of the owning organization, or sysadmin), an organization admin. The
roles are those of :mod:`.workflow`; auth functions, actions and pages ask
here."""
from __future__ import annotations

from typing import Optional

import ckan.authz as authz
import ckan.model as model

from ckanext.govshare import logic as own_case
from ckanext.govshare.applications import workflow
from ckanext.govshare.tiers import policy


#: the capacities that hold a permission a reviewer or an organization
#: admin needs (CKAN's roles: a plain member holds neither)
_OFFICES = ("admin", "editor")


def _holds_office(user: model.User) -> bool:
    """Whether ``user`` is an admin or editor of any active organization: who
    is neither is nobody's reviewer nor admin (one query, where CKAN's check
    takes several for each organization)."""
    member, group = model.Member, model.Group
    return model.Session.query(member.id).join(group, group.id == member.group_id).filter(
        member.table_name == "user", member.table_id == user.id, member.state == "active",
        member.capacity.in_(_OFFICES), group.is_organization.is_(True),
        group.state == "active").first() is not None


def _has_permission(user: model.User, org_id: str, permission: str) -> bool:
    """CKAN's organization permission check, remembered for the request (an
    inbox page asks it for every row, a list of data requests for every
    agency); memberships written during the request empty the cache (see
    :func:`ckanext.govshare.tiers.policy.forget_cached_labels`)."""
    cache = policy.request_cache()
    if cache is None:
        return authz.has_user_permission_for_group_or_org(org_id, user.name, permission)
    known = cache.setdefault("org_permissions", {})
    if (user.id, None, None) not in known:
        known[(user.id, None, None)] = _holds_office(user)
    if not known[(user.id, None, None)]:
        return False
    key = (user.id, org_id, permission)
    if key not in known:
        known[key] = bool(authz.has_user_permission_for_group_or_org(
            org_id, user.name, permission))
    return known[key]


def is_reviewer(user: Optional[model.User], org_id: Optional[str]) -> bool:
    """Admins and editors of the organization, and sysadmins."""
    if user is None:
        return False
    if user.sysadmin:
        return True
    return bool(org_id and _has_permission(user, org_id, "update_dataset"))


def is_org_admin(user: Optional[model.User], org_id: Optional[str]) -> bool:
    """Admins of the organization, and sysadmins."""
    if user is None:
        return False
    if user.sysadmin:
        return True
    return bool(org_id and _has_permission(user, org_id, "membership"))


def _organization_roles(user: model.User, org_id: str) -> set[str]:
    found: set[str] = set()
    if is_reviewer(user, org_id):
        found.add(workflow.REVIEWER)
    if is_org_admin(user, org_id):
        found.add(workflow.ORG_ADMIN)
    return found


def roles(user: Optional[model.User], applicant_id: str, org_id: str) -> set[str]:
    """The workflow roles ``user`` has for an application. Nobody decides
    their own case: the applicant is only the applicant, whatever role they
    hold in the organization (sysadmins too)."""
    if user is None:
        return set()
    if user.id == applicant_id:
        return {workflow.APPLICANT}
    return _organization_roles(user, org_id)


def deciding_own_case(user: Optional[model.User], applicant_id: str, org_id: str,
                      move_name: str) -> bool:
    """Is ``user`` the applicant, trying a move that their role in the
    organization (or as sysadmin) would otherwise let them make?"""
    return own_case.deciding_own_case(
        user, applicant_id,
        user is not None and workflow.actor_of(move_name) in _organization_roles(user, org_id))


def may_see_personal_data(viewer_roles: set[str]) -> bool:
    """Applicant contact details and credit code: the applicant, the owning
    organization's reviewers and sysadmins only (``viewer_roles`` from
    :func:`roles`)."""
    return bool(viewer_roles & {workflow.APPLICANT, workflow.REVIEWER})
