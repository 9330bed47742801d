"""Who someone is to an entry under review: an editor (editors and admins of
the owning organization, sysadmins) submits, a reviewer (admins of the
organization, sysadmins) decides, and nobody decides what they submitted
(:func:`ckanext.govshare.logic.deciding_own_case`, the applications' rule)."""
from __future__ import annotations

from typing import Optional

import ckan.model as model

from ckanext.govshare import logic as own_case
from ckanext.govshare.applications import access as org_access
from ckanext.govshare.publication import workflow


def roles(user: Optional[model.User], org_id: Optional[str]) -> set[str]:
    """The publication roles ``user`` holds in the organization."""
    found: set[str] = set()
    if org_access.is_reviewer(user, org_id):  # admins and editors, sysadmins
        found.add(workflow.EDITOR)
    if org_access.is_org_admin(user, org_id):
        found.add(workflow.REVIEWER)
    return found


def deciding_own_case(user: Optional[model.User], submitted_by: Optional[str],
                      org_id: Optional[str]) -> bool:
    """Is ``user`` the submitter, about to decide as a reviewer?"""
    return own_case.deciding_own_case(
        user, submitted_by, workflow.REVIEWER in roles(user, org_id))
