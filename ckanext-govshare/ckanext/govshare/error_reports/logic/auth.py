"""Who may reach the error-report actions. Which role makes which move is
the workflow's (:mod:`ckanext.govshare.applications.workflow`); who sees the
reporter is :func:`.action.may_see_reporter`."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.applications import access, kinds, workflow
from ckanext.govshare.applications.model import Application
from ckanext.govshare.logic import context_user, given_id


def govshare_error_report_create(context: Context, data_dict: DataDict) -> AuthResult:
    if context_user(context) is None:
        return {"success": False, "msg": tk._("Log in to report an error")}
    return {"success": True}


@tk.auth_allow_anonymous_access
def govshare_error_report_show(context: Context, data_dict: DataDict) -> AuthResult:
    # the action shows the public part to anyone who can see the dataset
    return {"success": True}


@tk.auth_allow_anonymous_access
def govshare_error_report_list(context: Context, data_dict: DataDict) -> AuthResult:
    user = context_user(context)
    org = data_dict.get("organization")
    if org:
        import ckan.model as model
        group = model.Group.get(given_id(data_dict, "organization"))
        if group is None or not group.is_organization or group.state != "active":
            raise tk.ObjectNotFound(tk._("Organization not found"))
        if not access.is_reviewer(user, group.id):
            return {"success": False, "msg": tk._(
                "Only the admins and editors of an organization may see the error "
                "reports it received")}
    return {"success": True}


def govshare_error_report_answer(context: Context, data_dict: DataDict) -> AuthResult:
    report = Application.get(given_id(data_dict))
    if report is None or report.kind != kinds.ERROR_REPORT:
        raise tk.ObjectNotFound(tk._("Error report not found"))
    roles = access.roles(context_user(context), report.user_id, report.owner_org)
    if workflow.REVIEWER not in roles:
        return {"success": False, "msg": tk._(
            "Only the admins and editors of the organization the report is with may "
            "answer it")}
    return {"success": True}


def get_auth_functions() -> dict[str, object]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
