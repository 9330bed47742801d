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

**Reminders and escalation** (:mod:`.reminders`): the entry's contact is
reminded before the due date, the organization's admins are told after it,
once per entry and due date, by mail through the outbox and CKAN's worker.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.catalog_review import reminders, updates
from ckanext.govshare.catalog_review.index import (
    DUE_FIELD, STATUS_FIELD, search_docs, solr_date)

log = logging.getLogger(__name__)


def reindex_newly_overdue(today: dt.date) -> int:
    """Index again the entries indexed on time whose due date has passed;
    how many."""
    from ckan.lib import search

    yesterday = today - dt.timedelta(days=1)
    ids = [doc["id"] for doc in search_docs(
        f'+{STATUS_FIELD}:"{updates.ON_TIME}" +{DUE_FIELD}:[* TO {solr_date(yesterday)}]')]
    for package_id in ids:
        search.rebuild(package_id)
    return len(ids)


def tick(now: Optional[dt.datetime] = None) -> dict[str, int]:
    """Re-index the entries that became overdue, write the reminders and
    overdue notices due (:mod:`.reminders`), find the unsent ones to retry;
    commit once and hand the notices to the worker.

    :returns: ``reindexed``, ``reminders``, ``overdue`` and ``requeued``
    """
    now = now or dt.datetime.utcnow()
    today = workdays.local_date(now)
    counts = {"reindexed": reindex_newly_overdue(today)}
    reminders_written = reminders.remind(today, now)
    overdue = reminders.escalate(now)
    requeued = reminders.unsent(now)   # (not the ones just written)
    model.repo.commit()
    reminders.dispatch([*reminders_written, *overdue, *requeued])
    counts.update(reminders=len(reminders_written), overdue=len(overdue),
                  requeued=len(requeued))
    log.info("Catalog tick: %s", counts)
    return counts
