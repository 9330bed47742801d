"""Who is the supervising authority (监管部门): sysadmins, and the users a
sysadmin has made supervisors. Supervisors read what the authority reads (the
whole catalog as DCAT, the supervision figures and reports) and change
nothing: the capability grants no organization role.

The capability is kept in the user's ``plugin_extras`` (which CKAN shows to
sysadmins only), so it needs no table of its own.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model

#: ``plugin_extras`` key of the capability: ``{"granted_by", "granted_at", "reason"}``
KEY = "govshare_supervisor"


def grant_of(user: Optional[model.User]) -> Optional[dict[str, Any]]:
    """The user's supervisor grant, or None."""
    if user is None or user.state != "active":
        return None
    grant = (user.plugin_extras or {}).get(KEY)
    return grant if isinstance(grant, dict) else None


def is_supervisor(user: Optional[model.User]) -> bool:
    """Sysadmins and granted supervisors."""
    return bool(user is not None and user.state == "active"
                and (user.sysadmin or grant_of(user)))
