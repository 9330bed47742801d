"""Who may check the audit trail: sysadmins (CKAN lets them through before
these are asked)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def govshare_audit_verify(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins may check the audit trail")}


def govshare_audit_heads(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins may check the audit trail")}


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_audit_verify": govshare_audit_verify,
            "govshare_audit_heads": govshare_audit_heads}
