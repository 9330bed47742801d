"""Recording downloads: a receipt for a logged-in user, a count for everyone
else. Recording never slows or breaks a download: one short statement on its
own connection, and any failure is logged and swallowed.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.labelling.model import DownloadReceipt

log = logging.getLogger(__name__)


#: One round trip each. ``synchronous_commit`` off for this transaction only:
#: the commit does not wait for the WAL to reach the disk, which is most of
#: what a receipt would cost a download (about 3 ms of 3.5 ms); a crash of the
#: database server may lose the receipts of its last fraction of a second,
#: never half of one.
_RECEIPT_SQL = sa.text(
    "SET LOCAL synchronous_commit TO OFF; "
    "INSERT INTO govshare_download_receipt (user_id, package_id, resource_id, "
    "resource_modified, metadata_modified, obtained_at, channel) "
    "VALUES (:user_id, :package_id, :resource_id, :resource_modified, "
    ":metadata_modified, :obtained_at, :channel)")
_COUNT_SQL = sa.text(
    "SET LOCAL synchronous_commit TO OFF; "
    "INSERT INTO govshare_download_count (resource_id, day, package_id, count) "
    "VALUES (:resource_id, :day, :package_id, 1) "
    "ON CONFLICT (resource_id, day) DO UPDATE "
    "SET count = govshare_download_count.count + 1")


def record(user: Optional[model.User], resource: model.Resource, *, channel: str,
           now: Optional[dt.datetime] = None) -> bool:
    """Record one download of ``resource``; True when it was recorded."""
    now = now or dt.datetime.utcnow()
    try:
        package = resource.package
        with model.meta.engine.begin() as conn:
            if user is not None:
                conn.execute(_RECEIPT_SQL, {
                    "user_id": user.id, "package_id": resource.package_id,
                    "resource_id": resource.id,
                    "resource_modified": resource.last_modified or resource.metadata_modified,
                    "metadata_modified": package.metadata_modified if package else None,
                    "obtained_at": now, "channel": channel})
            else:
                conn.execute(_COUNT_SQL, {
                    "resource_id": resource.id, "day": workdays.local_date(now),
                    "package_id": resource.package_id})
        return True
    except Exception:  # the file is served all the same
        log.exception("Could not record the download of resource %s", resource.id)
        return False


def latest(user_id: str, package_id: str, resource_id: Optional[str] = None
           ) -> Optional[dict[str, Any]]:
    """The user's latest receipt for the dataset (or the resource)."""
    query = model.Session.query(DownloadReceipt).filter(
        DownloadReceipt.user_id == user_id, DownloadReceipt.package_id == package_id)
    if resource_id:
        query = query.filter(DownloadReceipt.resource_id == resource_id)
    row = query.order_by(DownloadReceipt.obtained_at.desc()).first()
    return receipt_dict(row) if row else None


def receipt_dict(row: DownloadReceipt) -> dict[str, Any]:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {
        "id": row.id, "user_id": row.user_id, "package_id": row.package_id,
        "resource_id": row.resource_id, "resource_modified": iso(row.resource_modified),
        "metadata_modified": iso(row.metadata_modified),
        "obtained_at": iso(row.obtained_at),
        "obtained_date": workdays.local_date(row.obtained_at).isoformat(),
        "channel": row.channel,
    }
