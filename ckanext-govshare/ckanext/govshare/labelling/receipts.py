"""Recording downloads: a receipt for a logged-in user, a count for everyone
else. Recording never slows or breaks a download: one short statement on its
own connection, and any failure is logged and swallowed.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.labelling.model import DownloadCount, DownloadReceipt

log = logging.getLogger(__name__)


def record(user: Optional[model.User], resource: model.Resource, *, channel: str,
           now: Optional[dt.datetime] = None) -> bool:
    """Record one download of ``resource``; True when it was recorded."""
    now = now or dt.datetime.utcnow()
    try:
        package = resource.package
        with model.meta.engine.begin() as conn:
            if user is not None:
                conn.execute(sa.insert(DownloadReceipt.__table__).values(
                    user_id=user.id, package_id=resource.package_id,
                    resource_id=resource.id,
                    resource_modified=resource.last_modified or resource.metadata_modified,
                    metadata_modified=package.metadata_modified if package else None,
                    obtained_at=now, channel=channel))
            else:
                table = DownloadCount.__table__
                stmt = insert(table).values(resource_id=resource.id,
                                            day=workdays.local_date(now),
                                            package_id=resource.package_id, count=1)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=[table.c.resource_id, table.c.day],
                    set_={"count": table.c.count + 1}))
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
