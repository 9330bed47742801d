"""Who sees a scan report and who confirms its hits are not personal data."""
from __future__ import annotations

from typing import Optional

import ckan.authz as authz
import ckan.model as model

from ckanext.govshare import logic as own_case


def _role(user: Optional[model.User], org_id: Optional[str]) -> Optional[str]:
    if user is None or not org_id:
        return None
    return authz.users_role_for_group_or_org(org_id, user.name)


def may_see_reports(user: Optional[model.User], org_id: Optional[str]) -> bool:
    """Members of the owning organization (any role) and sysadmins: the
    masked samples are still personal data."""
    return user is not None and (user.sysadmin or _role(user, org_id) is not None)


def may_confirm(user: Optional[model.User], org_id: Optional[str],
                uploaded_by: Optional[str]) -> bool:
    """The organization's admins (and sysadmins), but not the one who
    uploaded the file: nobody decides their own case (``logic.deciding_own_case``)."""
    allowed = user is not None and (user.sysadmin or _role(user, org_id) == "admin")
    return allowed and not own_case.deciding_own_case(user, uploaded_by, allowed)
