"""Who may record changes and review catalog entries.

Recording a change, marking an entry reviewed and listing what needs review
belong to the agency that owns the entry: the editors and admins of the
dataset's organization (CKAN's ``update_dataset`` permission), and sysadmins.
Any member of the organization may read its change events.
"""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.logic import context_user, given_id
from ckanext.govshare.supervision import access as supervision


def _package(data_dict: DataDict, key: str) -> model.Package:
    package = model.Package.get(given_id(data_dict, key))
    if package is None or package.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package


def _organization(data_dict: DataDict, key: str) -> model.Group:
    group = model.Group.get(given_id(data_dict, key))
    if group is None or not group.is_organization or group.state == "deleted":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    return group


def _can(context: Context, org_id: str | None, permission: str) -> bool:
    user = context.get("user")
    return bool(org_id and user
                and authz.has_user_permission_for_group_or_org(org_id, user, permission))


def _result(allowed: bool, message: str) -> AuthResult:
    return {"success": True} if allowed else {"success": False, "msg": message}


def govshare_catalog_change_create(context: Context, data_dict: DataDict) -> AuthResult:
    package = _package(data_dict, "package_id")
    return _result(_can(context, package.owner_org, "update_dataset"),
                   tk._("Only editors and admins of the dataset's organization "
                        "may record a change"))


def govshare_catalog_change_list(context: Context, data_dict: DataDict) -> AuthResult:
    if data_dict.get("package_id"):
        org_id = _package(data_dict, "package_id").owner_org
    elif data_dict.get("organization_id"):
        org_id = _organization(data_dict, "organization_id").id
    else:
        # refused with a validation error by the action
        return {"success": True}
    return _result(_can(context, org_id, "read"),
                   tk._("Only members of the organization may see its change records"))


def _agency_may(context: Context, data_dict: DataDict, of: str, permission: str,
                message: str) -> AuthResult:
    """Whether the user holds ``permission`` in the organization of
    ``data_dict["id"]``: that organization (``of="organization"``) or the one
    owning that dataset (``of="dataset"``)."""
    if of == "dataset":
        org_id = _package(data_dict, "id").owner_org
    else:
        org_id = _organization(data_dict, "id").id
    return _result(_can(context, org_id, permission), message)


def govshare_catalog_review_mark(context: Context, data_dict: DataDict) -> AuthResult:
    return _agency_may(context, data_dict, "dataset", "update_dataset",
                       tk._("Only editors and admins of the dataset's organization "
                            "may mark it reviewed"))


def govshare_catalog_review_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _agency_may(context, data_dict, "organization", "update_dataset",
                       tk._("Only editors and admins of the organization may see "
                            "its review list"))


def govshare_catalog_update_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _agency_may(context, data_dict, "dataset", "read",
                       tk._("Only members of the dataset's organization may see its "
                            "update deadline"))


def govshare_catalog_update_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _agency_may(context, data_dict, "organization", "update_dataset",
                       tk._("Only editors and admins of the organization may see "
                            "its update deadlines"))


def govshare_catalog_update_counts(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins pass before this is called; supervisors they designated too
    return {"success": supervision.is_supervisor(context_user(context)),
            "msg": tk._("Only the supervising authority may see the figures of "
                        "every organization")}


def govshare_catalog_tick(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins pass before this is called
    return {"success": False, "msg": tk._("Only sysadmins may run the catalog tick")}


def get_auth_functions() -> dict[str, Any]:
    return {
        "govshare_catalog_tick": govshare_catalog_tick,
        "govshare_catalog_update_show": govshare_catalog_update_show,
        "govshare_catalog_update_list": govshare_catalog_update_list,
        "govshare_catalog_update_counts": govshare_catalog_update_counts,
        "govshare_catalog_change_create": govshare_catalog_change_create,
        "govshare_catalog_change_list": govshare_catalog_change_list,
        "govshare_catalog_review_mark": govshare_catalog_review_mark,
        "govshare_catalog_review_list": govshare_catalog_review_list,
    }
