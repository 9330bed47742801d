"""The question the publication review asks: may this entry be opened, as
far as personal data in its files goes?"""
from __future__ import annotations

from typing import Any

import ckan.model as model

from ckanext.govshare.personal_data import reports, scan

#: why a resource keeps its entry from being opened
NOT_SCANNED = "not_scanned"
SCAN_FAILED = "scan_failed"
UNCONFIRMED_HITS = "unconfirmed_hits"


def confirmation_holds(report: dict[str, Any], confirmation: dict[str, Any] | None) -> bool:
    """A confirmation counts for the file it was given for (same size and
    modification time): a replaced file needs a new one."""
    return bool(confirmation) and confirmation.get("file") == report.get("file")


def resource_status(resource: model.Resource) -> str | None:
    """``None`` when the resource does not hold its entry back, else why."""
    if resource.url_type != "upload" or not scan.scannable(resource.format):
        return None
    report = reports.read(resource.id)
    if report is None or report["state"] == reports.PENDING:
        return NOT_SCANNED
    if report["state"] == reports.FAILED:
        return SCAN_FAILED
    if report.get("hits") and not confirmation_holds(
            report, reports.read(resource.id, reports.CONFIRMATION)):
        return UNCONFIRMED_HITS
    return None


def blocking_resources(package_id: str) -> dict[str, str]:
    """``{resource_id: reason}`` for each active resource of the entry that
    keeps it from being opened: not scanned yet, not readable, or hits that
    no reviewer has confirmed are not personal data."""
    resources = (model.Session.query(model.Resource)
                 .filter_by(package_id=package_id, state="active").all())
    found = {r.id: resource_status(r) for r in resources}
    return {rid: why for rid, why in found.items() if why}


def may_be_opened(package_id: str) -> bool:
    """What the publication review calls before it opens an entry."""
    return not blocking_resources(package_id)
