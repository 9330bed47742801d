"""Who may read the supervising authority's feed: sysadmins (CKAN lets them
pass before asking this), nobody else."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


@tk.auth_allow_anonymous_access
def govshare_authority_catalog_show(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False,
            "msg": tk._("Only the supervising authority may harvest the whole catalog")}


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_authority_catalog_show": govshare_authority_catalog_show}
