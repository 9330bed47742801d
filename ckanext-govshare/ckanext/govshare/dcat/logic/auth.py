"""Who may read the supervising authority's feed: sysadmins (CKAN lets them
pass before asking this) and the supervisors they designated
(:mod:`ckanext.govshare.supervision`), nobody else."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.logic import context_user
from ckanext.govshare.supervision import access as supervision


@tk.auth_allow_anonymous_access
def govshare_authority_catalog_show(context: Context, data_dict: DataDict) -> AuthResult:
    if supervision.is_supervisor(context_user(context)):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only the supervising authority may harvest the whole catalog")}


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_authority_catalog_show": govshare_authority_catalog_show}
