"""Recording downloads: a receipt for a logged-in user, a count for everyone
else. Recording never slows or breaks a download: one statement, one round
trip, on a connection of its own, and any failure is logged and swallowed.

The connection is the thread's own, kept open in autocommit with
``synchronous_commit`` off: taking one from CKAN's pool for each download
costs a ping, a BEGIN and a COMMIT besides the INSERT (about 1 ms here, 5%
of a small download), and a pooled transaction could be held up behind the
request's own. A failed statement closes it; the next download opens another.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import Any, Optional

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.labelling.model import DownloadReceipt

log = logging.getLogger(__name__)


#: One round trip each. ``synchronous_commit`` off for this transaction only:
#: the commit does not wait for the WAL to reach the disk, which is most of
#: what a receipt would cost a download (about 3 ms of 3.5 ms); a crash of the
#: database server may lose the receipts of its last fraction of a second,
#: never half of one.
_RECEIPT_SQL = (
    "INSERT INTO govshare_download_receipt (user_id, package_id, resource_id, "
    "resource_modified, metadata_modified, obtained_at, channel) "
    "VALUES (%(user_id)s, %(package_id)s, %(resource_id)s, %(resource_modified)s, "
    "%(metadata_modified)s, %(obtained_at)s, %(channel)s)")
_COUNT_SQL = (
    "INSERT INTO govshare_download_count (resource_id, day, package_id, count) "
    "VALUES (%(resource_id)s, %(day)s, %(package_id)s, 1) "
    "ON CONFLICT (resource_id, day) DO UPDATE "
    "SET count = govshare_download_count.count + 1")

_local = threading.local()


def _connection() -> Any:
    """The thread's recording connection (DBAPI), opened on first use and
    again after a fork, a failure or a change of database."""
    owner = (os.getpid(), str(model.meta.engine.url))
    conn = getattr(_local, "conn", None)
    if conn is not None and (conn.closed or _local.owner != owner):
        _close()
        conn = None
    if conn is None:
        fairy = model.meta.engine.raw_connection()
        fairy.detach()  # the thread's own, outside CKAN's pool
        conn = fairy.dbapi_connection
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        _local.conn, _local.owner = conn, owner
    return conn


def _close() -> None:
    conn, _local.conn = getattr(_local, "conn", None), None
    if conn is not None:
        try:
            conn.close()
        except Exception:  # already broken: nothing to close
            pass


def record(user: Optional[model.User], resource: model.Resource, *, channel: str,
           now: Optional[dt.datetime] = None) -> bool:
    """Record one download of ``resource``; True when it was recorded."""
    now = now or dt.datetime.utcnow()
    try:
        if user is not None:
            package = resource.package
            sql, params = _RECEIPT_SQL, {
                "user_id": user.id, "package_id": resource.package_id,
                "resource_id": resource.id,
                "resource_modified": resource.last_modified or resource.metadata_modified,
                "metadata_modified": package.metadata_modified if package else None,
                "obtained_at": now, "channel": channel}
        else:
            sql, params = _COUNT_SQL, {
                "resource_id": resource.id, "day": workdays.local_date(now),
                "package_id": resource.package_id}
        with _connection().cursor() as cursor:
            cursor.execute(sql, params)
        return True
    except Exception:  # the file is served all the same
        _close()
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
