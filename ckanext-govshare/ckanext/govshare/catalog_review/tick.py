"""The catalog's clock: what happens to catalog entries with the passing of
time. ``ckan govshare catalog tick`` (cron, daily after midnight in China,
or more often) calls ``govshare_catalog_tick``, which calls :func:`tick`.

**Re-indexing the newly overdue.** An entry's update status is written to
the search index when the entry is indexed (:mod:`.index`), but an entry
becomes overdue the day after its due date without anything written to it.
The tick asks the index for the entries still indexed ``on_time`` whose
``update_due_date`` is before today (China) and indexes them again, so the
facet, the filter and the supervision figures say ``overdue``. Entries that
were updated since are indexed by that update already; nothing else moves
an entry out of ``overdue`` or ``not_attached``.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.catalog_review import updates
from ckanext.govshare.catalog_review.index import DUE_FIELD, STATUS_FIELD, solr_date

log = logging.getLogger(__name__)

_PAGE = 1000


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": site_user, "ignore_auth": True}


def search_ids(fq: str) -> list[str]:
    """The ids of every dataset the index has for ``fq`` (private ones too)."""
    ids: list[str] = []
    start = 0
    while True:
        result = tk.get_action("package_search")(_site_context(), {
            "fq": fq, "fl": "id", "rows": _PAGE, "start": start,
            "include_private": True, "sort": "id asc"})
        ids.extend(row["id"] for row in result["results"])
        start += _PAGE
        if start >= result["count"] or not result["results"]:
            return ids


def reindex_newly_overdue(today: dt.date) -> int:
    """Index again the entries indexed on time whose due date has passed;
    how many."""
    from ckan.lib import search

    yesterday = today - dt.timedelta(days=1)
    ids = search_ids(f'+{STATUS_FIELD}:"{updates.ON_TIME}" '
                     f'+{DUE_FIELD}:[* TO {solr_date(yesterday)}]')
    for package_id in ids:
        search.rebuild(package_id)
    return len(ids)


def tick(today: Optional[dt.date] = None) -> dict[str, int]:
    """Re-index the entries that became overdue (see the module's
    docstring).

    :returns: ``reindexed``
    """
    today = today or workdays.local_today()
    counts = {"reindexed": reindex_newly_overdue(today)}
    log.info("Catalog tick: %s", counts)
    return counts
