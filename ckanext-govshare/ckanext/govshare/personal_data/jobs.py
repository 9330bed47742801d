"""Scanning an uploaded file in the background (CKAN's jobs, queue
``govshare``), when an upload is created or replaced."""
from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.govshare.personal_data import reports, scan

log = logging.getLogger(__name__)

QUEUE = "govshare"


def after_resource_change(context: Any, resource: dict[str, Any]) -> None:
    """IResourceController: queue a scan of an uploaded file in a format the
    scanner reads, with the uploader (the caller), who may not confirm their
    own file. Nothing is written here: the action's transaction may still be
    rolled back (the demo loader's check), the job finds the resource then."""
    if resource.get("url_type") != "upload" or not scan.scannable(resource.get("format")):
        return
    user = model.User.get(context["user"]) if context.get("user") else None
    try:
        tk.enqueue_job(scan_resource, [resource["id"], user.id if user else None],
                       queue=QUEUE,
                       title=f"govshare: personal-data scan of resource {resource['id']}")
    except Exception:  # Redis down: the upload stands, the entry is not openable
        log.exception("Could not queue the personal-data scan of resource %s", resource["id"])


def scan_resource(resource_id: str, uploaded_by: Optional[str] = None
                  ) -> Optional[dict[str, Any]]:
    """Scan the resource's file and store the report (the job)."""
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active" or resource.url_type != "upload":
        return None
    path = uploader.get_resource_uploader({"id": resource_id, "url_type": "upload"}).get_path(
        resource_id)
    value = {"uploaded_by": uploaded_by, "format": resource.format}
    try:
        stat = os.stat(path)
        with open(path, "rb") as stream:
            report = scan.scan(stream, resource.format)
    except Exception as error:  # a file the reader cannot parse: say so
        log.warning("Personal-data scan of resource %s failed: %s", resource_id, error)
        reports.write(resource_id, reports.REPORT, {**value, "scanned_at": _now()},
                      reports.FAILED, error=str(error)[:500])
        return None
    value.update(report.as_dict(), scanned_at=_now(),
                 file={"size": stat.st_size, "modified": stat.st_mtime})
    reports.write(resource_id, reports.REPORT, value, reports.COMPLETE)
    return value


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
