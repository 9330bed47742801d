"""Only sysadmins drop the kept pages (CKAN lets them through before this
is asked)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def govshare_page_cache_forget(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only a sysadmin may drop the kept pages")}


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_page_cache_forget": govshare_page_cache_forget}
