"""The catalog's update statuses per agency, counted without reading every
document's stored fields.

``update_status`` is not a facet the engine keeps integer-coded: a search
filtered on it reads each matching document's stored fields (JSON, most of
them compressed out of line), about a second for the 95,000 entries updated
on time at 100,000 datasets, and the timeliness figures asked it three times
per agency list (on time, overdue, without data). Every entry of a type the
catalog review follows is indexed with exactly one status
(:func:`ckanext.govshare.catalog_review.index.before_dataset_index`), so

    on time = the entries (one facet count, shared) - overdue - without data

and only the two rarer statuses are searched. The counts are the same as
the three searches'; their cost is the overdue entries' and those without
data, not the whole catalog's.
"""
from __future__ import annotations

from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.catalog_review import index as catalog_index, updates
from ckanext.govshare.catalog_review import types as entry_types
from ckanext.govshare.stats import cache

#: the statuses searched; on time is what remains of the entries
SEARCHED = (updates.OVERDUE, updates.NOT_ATTACHED)


def by_status(totals: dict[str, int],
              count: Callable[[str], dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per key (an agency), the entries of each status: ``count(status)``
    for the :data:`SEARCHED` ones, on time the rest of ``totals``."""
    searched = {status: count(status) for status in SEARCHED}
    per_key: dict[str, dict[str, int]] = {}
    for key_, total in totals.items():
        row = {status: searched[status].get(key_, 0) for status in SEARCHED}
        per_key[key_] = {updates.ON_TIME: total - sum(row.values()), **row}
    return per_key


def _site_context() -> dict[str, Any]:
    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
            "ignore_auth": True}


def _owner_counts(fq: str) -> dict[str, int]:
    result = tk.get_action("package_search")(_site_context(), {
        "fq": fq, "rows": 0, "include_private": True, "facet.field": ["owner_org"],
        "facet.limit": -1})
    return dict(result["facets"].get("owner_org", {}))


def update_counts() -> dict[str, Any]:
    """``govshare_catalog_update_counts``'s result, cached as one figure of
    the catalog: its entries per agency and its searched statuses are
    counted together (one read later than the other would give negative
    counts on time)."""
    return cache.cached("catalog_update_counts", {"types": entry_types.review_types()},
                        _update_counts, (cache.CATALOG,))


def _update_counts() -> dict[str, Any]:
    """``govshare_catalog_update_counts``'s result (every entry of the
    reviewed types, private and closed ones too, per owning organization),
    counted as :func:`by_status` says: the entries per organization are a
    figure of the catalog's shape (:data:`.cache.CATALOG_SHAPE`), the
    overdue and those without data are searched."""
    type_fq = entry_types.dataset_type_fq()
    if type_fq is None:  # no dataset is a catalog entry
        totals, per_org = {}, {}
    else:
        totals = cache.cached("catalog_entries_by_owner", {"types": entry_types.review_types()},
                              lambda: _owner_counts(type_fq), (cache.CATALOG_SHAPE,))
        per_org = by_status(totals, lambda status: _owner_counts(
            f'{type_fq} +{catalog_index.STATUS_FIELD}:"{status}"'))
    groups = {g.id: g for g in model.Session.query(model.Group).filter(
        model.Group.id.in_(list(per_org)))} if per_org else {}
    rows = []
    total = dict.fromkeys(updates.STATUSES, 0)
    for org_id, counted in per_org.items():
        group = groups.get(org_id)
        for status in updates.STATUSES:
            total[status] += counted[status]
        rows.append({
            "organization_id": org_id,
            "organization_name": group.name if group else None,
            "organization_title": (group.title or group.name) if group else org_id,
            **{status: counted[status] for status in updates.STATUSES},
            "total": sum(counted.values()),
        })
    rows.sort(key=lambda r: (r["organization_title"], r["organization_id"]))
    return {"organizations": rows, "total": {**total, "total": sum(total.values())}}
