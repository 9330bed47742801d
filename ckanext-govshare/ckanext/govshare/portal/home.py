"""What the home page shows, in two searches as the viewer.

1. One ``package_search`` of the catalog: the tier and topic facets and the
   newest datasets.
2. One ``package_search`` narrowed to the most downloaded datasets
   (:func:`ckanext.govshare.labelling.popular.most_downloaded`): the viewer
   sees only those it may see, with the recorded download counts.

Both run as the person viewing the page, so closed and unpublished entries
reach nobody who may not see them: not in a list, not in a count. The tier
counts cover the public tiers only; closed entries are never public.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchError
from ckan.types import Context

from ckanext.govshare.labelling import popular
from ckanext.govshare.tiers import policy

#: the tiers whose counts the home page shows: the public ones
PUBLIC_TIERS = (policy.UNCONDITIONAL, policy.CONDITIONAL)
NEWEST = 6
MOST_DOWNLOADED = 6
TOPICS = 8
#: most downloaded datasets asked for, of which the viewer may see fewer
CANDIDATES = 50
#: the catalog's own entries, not data products
CATALOG = "+dataset_type:dataset"


def _search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    return tk.get_action("package_search")(dict(context), data_dict)


def tier_counts(facets: dict[str, Any]) -> list[dict[str, Any]]:
    """The public tiers in order, each with its label, count and search link."""
    items = {item["name"]: item for item in facets.get(policy.TIER_FIELD, {}).get("items", [])}
    return [{"tier": tier,
             "label": items[tier]["display_name"] if tier in items else tier,
             "count": items[tier]["count"] if tier in items else 0,
             "url": tk.h.url_for("dataset.search", **{policy.TIER_FIELD: tier})}
            for tier in PUBLIC_TIERS]


def most_downloaded(context: Context) -> list[dict[str, Any]]:
    """The most downloaded datasets the viewer may see, with their counts."""
    ranked = popular.most_downloaded(CANDIDATES)
    if not ranked:
        return []
    ids = " OR ".join(f'"{package_id}"' for package_id, _count in ranked)
    found = _search(context, {"q": "*:*", "fq": f"{CATALOG} +id:({ids})",
                              "rows": len(ranked)})["results"]
    by_id = {pkg["id"]: pkg for pkg in found}
    shown = [{**by_id[package_id], "downloads": count}
             for package_id, count in ranked if package_id in by_id]
    return shown[:MOST_DOWNLOADED]


def front_page(context: Context) -> dict[str, Any]:
    """The home page's figures and lists, as the viewer of ``context``."""
    try:
        catalog = _search(context, {
            "q": "*:*", "fq": CATALOG, "rows": NEWEST, "sort": "metadata_created desc",
            "facet.field": [policy.TIER_FIELD, "groups"], "facet.limit": TOPICS})
        downloaded = most_downloaded(context)
    except (SearchError, tk.ValidationError):  # as CKAN's home page: an empty catalog
        catalog, downloaded = {"count": 0, "results": [], "search_facets": {}}, []
    facets = catalog["search_facets"]
    topics = sorted(facets.get("groups", {}).get("items", []),
                    key=lambda item: (-item["count"], item["display_name"]))
    return {
        "tiers": tier_counts(facets),
        "topics": topics[:TOPICS],
        "newest": catalog["results"],
        "most_downloaded": downloaded,
    }
