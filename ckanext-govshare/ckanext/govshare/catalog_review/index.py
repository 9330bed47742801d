"""The update status in the search index document.

A catalog entry is indexed with ``update_status`` (``on_time``, ``overdue``
or ``not_attached``: the facet) and, when it has one, ``update_due_date``
(its next update's due date, a Solr date: ``fq=update_due_date:[* TO …]``).

The status changes with time while the entry does not: an entry indexed
on time becomes overdue the day after its due date with no write to it. So
the tick (``ckan govshare catalog tick``) re-indexes the entries indexed
``on_time`` whose ``update_due_date`` has passed
(:func:`.reminders.reindex_newly_overdue`); between ticks the facet is at
most a day behind, and an update of the entry re-indexes it at once.
"""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govshare.catalog_review import types as entry_types, updates

_PAGE = 1000

STATUS_FIELD = "update_status"
DUE_FIELD = "update_due_date"


def solr_date(day: Any) -> str:
    """A day as the UTC midnight Solr's date fields take."""
    return f"{day.isoformat()}T00:00:00Z"


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if not entry_types.is_catalog_entry(pkg_dict.get("type")):
        return pkg_dict
    try:
        data = json.loads(pkg_dict.get("data_dict") or "{}")
    except ValueError:
        return pkg_dict
    state = updates.update_state(data)
    pkg_dict[STATUS_FIELD] = state.status
    if state.due is not None:
        pkg_dict[DUE_FIELD] = solr_date(state.due)
    return pkg_dict


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": site_user, "ignore_auth": True}


def search_docs(fq: str, fields: str = "id") -> list[dict[str, Any]]:
    """``fields`` of every dataset the index has for ``fq`` (private ones
    too)."""
    docs: list[dict[str, Any]] = []
    start = 0
    while True:
        result = tk.get_action("package_search")(_site_context(), {
            "fq": fq, "fl": fields, "rows": _PAGE, "start": start,
            "include_private": True, "sort": "id asc"})
        docs.extend(result["results"])
        start += _PAGE
        if start >= result["count"] or not result["results"]:
            return docs
