"""Who may see scan reports and confirm hits (``personal_data/access.py``
decides); core's ``task_status_show`` keeps the scan rows to sysadmins."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, AuthFunction, Context, DataDict

from ckanext.govshare import logic as common
from ckanext.govshare.personal_data import access, reports


def _owner_org(data_dict: DataDict) -> str | None:
    resource_id = data_dict.get("resource_id")
    if isinstance(resource_id, str) and resource_id:
        resource = model.Resource.get(resource_id)
        package = resource.package if resource is not None else None
    else:
        package_id = data_dict.get("id")
        package = model.Package.get(package_id) if isinstance(package_id, str) else None
    return package.owner_org if package is not None else None


def govshare_pii_scan_show(context: Context, data_dict: DataDict) -> AuthResult:
    if access.may_see_reports(common.context_user(context), _owner_org(data_dict)):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only members of the dataset's organization may see its personal-data scan")}


def govshare_pii_scan_confirm(context: Context, data_dict: DataDict) -> AuthResult:
    resource_id = data_dict.get("resource_id")
    resource_id = resource_id if isinstance(resource_id, str) else ""
    report = reports.read(resource_id) or {}
    if access.may_confirm(common.context_user(context), _owner_org(data_dict),
                          report.get("uploaded_by")):
        return {"success": True}
    user = common.context_user(context)
    if user is not None and report.get("uploaded_by") == user.id:
        return {"success": False, "msg": tk._(
            "You uploaded this file: another admin of the organization confirms its scan")}
    return {"success": False, "msg": tk._(
        "Only admins of the dataset's organization may confirm a personal-data scan")}


@tk.chained_auth_function
def task_status_show(next_auth: AuthFunction, context: Context,
                     data_dict: DataDict) -> AuthResult:
    if reports.is_scan_row(data_dict.get("entity_id"), data_dict.get("task_type"),
                           data_dict.get("id")):
        return {"success": False, "msg": tk._(
            "Personal-data scans are shown by govshare_pii_scan_show")}
    return next_auth(context, data_dict)


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_pii_scan_show": govshare_pii_scan_show,
            "govshare_pii_scan_confirm": govshare_pii_scan_confirm,
            "task_status_show": task_status_show}
