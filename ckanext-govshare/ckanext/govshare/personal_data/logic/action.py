"""The personal-data scan through the API: the report of an entry's files
(masked, to its organization) and a reviewer's confirmation that hits are
not personal data."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import logic as common
from ckanext.govshare.personal_data import reports, review


def _resource_report(resource: model.Resource) -> dict[str, Any]:
    report = reports.read(resource.id)
    confirmation = reports.read(resource.id, reports.CONFIRMATION)
    if report is not None and not review.confirmation_holds(report, confirmation):
        confirmation = None
    return {"resource_id": resource.id, "name": resource.name, "format": resource.format,
            "report": report, "confirmation": confirmation,
            "blocks_opening": review.resource_status(resource)}


@tk.side_effect_free
def govshare_pii_scan_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The personal-data scan of a dataset's files (or one resource's): hits
    by column with masked samples, and whether the entry may be opened.
    Members of the owning organization only.

    :param id: the dataset's id or name
    :param resource_id: instead of ``id``, one resource
    :returns: ``{"dataset_id", "may_be_opened", "resources": [{"resource_id",
        "name", "format", "report", "confirmation", "blocks_opening"}]}``;
        ``report`` is ``null`` until the file has been scanned
    """
    key = common.given_id(data_dict, "resource_id", "id")
    if data_dict.get("resource_id"):
        resource = model.Resource.get(key)
        if resource is None or resource.state != "active":
            raise tk.ObjectNotFound(tk._("Resource not found"))
        package, resources = resource.package, [resource]
    else:
        package = model.Package.get(key)
        if package is None or package.state == "deleted":
            raise tk.ObjectNotFound(tk._("Dataset not found"))
        resources = list(package.resources)
    tk.check_access("govshare_pii_scan_show", context,
                    {"id": package.id, "resource_id": data_dict.get("resource_id")})
    return {"dataset_id": package.id,
            "may_be_opened": review.may_be_opened(package.id),
            "resources": [_resource_report(r) for r in resources]}


def govshare_pii_scan_confirm(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Confirm that the hits of a resource's scan are not personal data
    (recorded: who, when, why, for which file). An admin of the owning
    organization who did not upload the file.

    :param resource_id: the resource
    :param reason: why the hits are not personal data (required)
    :returns: the confirmation
    """
    resource_id = common.given_id(data_dict, "resource_id")
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active":
        raise tk.ObjectNotFound(tk._("Resource not found"))
    tk.check_access("govshare_pii_scan_confirm", context, {"resource_id": resource_id})
    reason = data_dict.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise tk.ValidationError({"reason": [tk._(
            "Say why the hits are not personal data")]})
    report = reports.read(resource_id)
    if report is None or report["state"] != reports.COMPLETE or not report.get("hits"):
        raise tk.ValidationError({"resource_id": [tk._(
            "This file has no scan with hits to confirm")]})
    user = common.context_user(context)
    confirmation = {"by": user.id if user else None, "by_name": user.name if user else None,
                    "reason": reason.strip(),
                    "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "file": report.get("file"), "hits": report.get("hits")}
    reports.write(resource_id, reports.CONFIRMATION, confirmation, reports.COMPLETE)
    return reports.read(resource_id, reports.CONFIRMATION) or confirmation


def get_actions() -> dict[str, Any]:
    return {"govshare_pii_scan_show": govshare_pii_scan_show,
            "govshare_pii_scan_confirm": govshare_pii_scan_confirm}
