"""Who may read labels and receipts. A label is for whoever may see the
dataset (the action asks ``package_show``/``resource_show``); receipts are
their owner's, and sysadmins'."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


@tk.auth_allow_anonymous_access
def govshare_label_show(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


def govshare_download_receipt_list(context: Context, data_dict: DataDict) -> AuthResult:
    if data_dict.get("user"):
        return {"success": False,
                "msg": tk._("Only sysadmins may see another user's downloads")}
    return {"success": bool(context.get("user"))}


def get_auth_functions() -> dict[str, object]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
