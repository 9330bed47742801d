"""Granting the supervisor capability is for sysadmins alone (CKAN lets them
pass before these are asked)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def _sysadmins_only(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False,
            "msg": tk._("Only sysadmins may say who supervises the catalog")}


def get_auth_functions() -> dict[str, Any]:
    return {name: _sysadmins_only for name in (
        "govshare_supervisor_grant", "govshare_supervisor_revoke", "govshare_supervisor_list")}
