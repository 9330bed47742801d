"""Who may reach the data-request actions (the action checks who answers:
:func:`.action.may_answer`)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.data_requests.logic import action
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.logic import context_user, given_id


def _logged_in(context: Context, message: str) -> AuthResult:
    if context_user(context) is None:
        return {"success": False, "msg": message}
    return {"success": True}


def govshare_data_request_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context, tk._("Log in to ask for data"))


def govshare_data_request_support(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context, tk._("Log in to support a data request"))


@tk.auth_allow_anonymous_access
def govshare_data_request_show(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def govshare_data_request_list(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


def govshare_data_request_answer(context: Context, data_dict: DataDict) -> AuthResult:
    request = DataRequest.get(given_id(data_dict))
    if request is None:
        raise tk.ObjectNotFound(tk._("Data request not found"))
    if not action.may_answer(context_user(context), request):
        return {"success": False, "msg": tk._(
            "Only the admins and editors of the agency asked may answer this request")}
    return {"success": True}


def get_auth_functions() -> dict[str, object]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
