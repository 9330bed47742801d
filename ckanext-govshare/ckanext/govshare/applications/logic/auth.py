"""Who may do what with applications and grants.

The moves themselves (which role may make which move from which state) are
in :mod:`ckanext.govshare.applications.workflow`; these functions let a
caller reach an action at all: the applicant their own application, the
owning organization's reviewers its inbox, sysadmins everything. Unknown ids
are 404 here, before any check.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.applications import access, workflow
from ckanext.govshare.logic import context_user, given_id
from ckanext.govshare.supervision import access as supervision
from ckanext.govshare.applications.model import Application, Grant


def _application(data_dict: DataDict) -> Application:
    application = Application.get(given_id(data_dict, "id", "application_id"))
    if application is None:
        raise tk.ObjectNotFound(tk._("Application not found"))
    return application


def _result(allowed: bool, message: str) -> AuthResult:
    return {"success": True} if allowed else {"success": False, "msg": message}


def _needs_role(context: Context, data_dict: DataDict, wanted: set[str],
                message: str) -> AuthResult:
    application = _application(data_dict)
    user = context_user(context)
    return _result(bool(access.roles(user, application.user_id, application.owner_org)
                        & wanted), message)


def govshare_application_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(context_user(context) is not None,
                   tk._("Log in to apply for conditionally open data"))


def govshare_application_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs_role(context, data_dict, {workflow.APPLICANT, workflow.REVIEWER},
                       tk._("Only the applicant and the reviewers of the data's "
                            "organization may see this application"))


@tk.auth_allow_anonymous_access
def govshare_application_list(context: Context, data_dict: DataDict) -> AuthResult:
    user = context_user(context)
    if user is None:
        return _result(False, tk._("Log in to see applications"))
    org = data_dict.get("organization")
    if org and not access.is_reviewer(user, _org_id(given_id(data_dict, "organization"))):
        return _result(False, tk._("Only the reviewers of an organization may see "
                                   "the applications it received"))
    return {"success": True}


def _org_id(reference: str) -> str:
    import ckan.model as model
    group = model.Group.get(reference)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    return group.id


def govshare_application_decide(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs_role(context, data_dict, {workflow.REVIEWER},
                       tk._("Only the admins and editors of the data's organization "
                            "may decide on this application"))


govshare_application_extend = govshare_application_decide


def govshare_application_supplement(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs_role(context, data_dict, {workflow.APPLICANT},
                       tk._("Only the applicant may supplement this application"))


def govshare_application_withdraw(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs_role(context, data_dict, {workflow.APPLICANT},
                       tk._("Only the applicant may withdraw this application"))


def govshare_application_accept_terms(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs_role(context, data_dict, {workflow.APPLICANT},
                       tk._("Only the applicant may accept the terms of this approval"))


def govshare_grant_list(context: Context, data_dict: DataDict) -> AuthResult:
    # scoped by the action to what the caller may see
    return govshare_application_list(context, data_dict)


def govshare_grant_revoke(context: Context, data_dict: DataDict) -> AuthResult:
    grant = Grant.get(given_id(data_dict))
    if grant is None:
        raise tk.ObjectNotFound(tk._("Grant not found"))
    roles = access.roles(context_user(context), grant.user_id, grant.owner_org)
    return _result(workflow.ORG_ADMIN in roles,
                   tk._("Only the admins of the data's organization may revoke a grant, "
                        "and not their own"))


def govshare_application_report(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins pass before this is asked; supervisors they designated too
    return _result(supervision.is_supervisor(context_user(context)),
                   tk._("Only the supervising authority may see the applications report"))


def govshare_application_tick(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(False, tk._("Only sysadmins may run the applications tick"))


def get_auth_functions() -> dict[str, object]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
