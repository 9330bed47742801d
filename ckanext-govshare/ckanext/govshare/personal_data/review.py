"""The question the publication review asks: may this entry be opened, as
far as personal data in its files goes?"""
from __future__ import annotations

from typing import Any

import ckan.model as model

import ckan.plugins.toolkit as tk

from ckanext.govshare.personal_data import jobs, reports, scan

#: why a resource keeps its entry from being opened
NOT_SCANNED = "not_scanned"
SCAN_FAILED = "scan_failed"
UNCONFIRMED_HITS = "unconfirmed_hits"
#: a new file held for review (not a resource yet) has hits
HELD_FILE_HITS = "held_file_hits"


def explain(name: str, why: str) -> str:
    """The reviewer's line for a file that keeps the entry from opening."""
    messages = {
        NOT_SCANNED: tk._("{name}: not scanned for personal data yet"),
        SCAN_FAILED: tk._("{name}: the personal-data scan could not read the file"),
        UNCONFIRMED_HITS: tk._(
            "{name}: the scan found possible personal data; desensitise the file, or "
            "confirm on the entry's personal-data scan that the hits are not personal "
            "data"),
        HELD_FILE_HITS: tk._(
            "{name}: the new file awaiting review contains possible personal data; "
            "return the change so that the editors desensitise it"),
    }
    return messages[why].format(name=name)


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


def scan_unscanned(package_id: str) -> None:
    """Scan now the entry's files whose scan job has not run yet (the
    review does not wait for the queue)."""
    for resource in (model.Session.query(model.Resource)
                     .filter_by(package_id=package_id, state="active").all()):
        if resource_status(resource) == NOT_SCANNED:
            jobs.scan_resource(resource.id)


def held_file_status(path: str, fmt: str | None) -> str | None:
    """``None`` when a file held for review may be opened, else why."""
    if not scan.scannable(fmt):
        return None
    try:
        with open(path, "rb") as stream:
            found = scan.scan(stream, fmt)
    except Exception:  # a file the reader cannot parse
        return SCAN_FAILED
    return HELD_FILE_HITS if found.as_dict().get("hits") else None


def may_be_opened(package_id: str) -> bool:
    """What the publication review calls before it opens an entry."""
    return not blocking_resources(package_id)
