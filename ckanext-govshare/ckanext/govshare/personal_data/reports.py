"""Scan reports and confirmations, kept in CKAN's own ``task_status`` table
(as ckanext-xloader keeps its status): one row per resource for the report
(key ``report``), one for a reviewer's confirmation (key ``confirmation``).
Core's ``task_status_show`` would show them to anyone; ``logic/auth.py``
chains its auth function so that these rows are seen by the owning
organization only.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

import ckan.model as model

TASK_TYPE = "govshare_pii_scan"
REPORT = "report"
CONFIRMATION = "confirmation"

PENDING = "pending"
COMPLETE = "complete"
FAILED = "failed"


def _row(resource_id: str, key: str) -> Optional[model.TaskStatus]:
    return (model.Session.query(model.TaskStatus)
            .filter_by(entity_id=resource_id, task_type=TASK_TYPE, key=key).first())


def read(resource_id: str, key: str = REPORT) -> Optional[dict[str, Any]]:
    """The stored value (with ``state`` and ``error``), or None."""
    row = _row(resource_id, key)
    if row is None:
        return None
    value = json.loads(row.value or "{}")
    return {**value, "state": row.state, "error": row.error or None}


def write(resource_id: str, key: str, value: dict[str, Any], state: str,
          error: str = "") -> None:
    """Store (insert or replace) and commit."""
    row = _row(resource_id, key) or model.TaskStatus(
        entity_id=resource_id, entity_type="resource", task_type=TASK_TYPE, key=key)
    row.value = json.dumps(value, ensure_ascii=False)
    row.state = state
    row.error = error
    row.last_updated = dt.datetime.utcnow()
    model.Session.add(row)
    model.Session.commit()


def is_scan_row(entity_id: Any, task_type: Any, row_id: Any) -> bool:
    """Whether a ``task_status_show`` call asks for one of these rows."""
    if task_type == TASK_TYPE:
        return True
    if row_id:
        row = model.Session.get(model.TaskStatus, row_id)
        return row is not None and row.task_type == TASK_TYPE
    return False
