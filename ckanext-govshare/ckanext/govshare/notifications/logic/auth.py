"""Who may use the message centre (every logged-in user, for their own
notices: the actions only ever read the caller's) and the outbox page
(sysadmins only, who pass every auth function)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def _logged_in(context: Context) -> AuthResult:
    if context.get("user"):
        return {"success": True}
    return {"success": False, "msg": tk._("Log in to see your notices")}


def govshare_notice_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context)


def govshare_notice_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context)


def govshare_notice_read(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context)


def govshare_mail_outbox_list(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins may see the mail outbox")}


def govshare_mail_outbox_retry(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins may retry mails")}


def get_auth_functions() -> dict[str, object]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
