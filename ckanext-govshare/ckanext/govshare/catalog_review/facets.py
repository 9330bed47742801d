"""The update-status facet (on time / overdue / not attached) on the
dataset and organization search pages: its title and its items' labels."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govshare.catalog_review import updates
from ckanext.govshare.catalog_review.index import STATUS_FIELD


def add_facet(facets_dict: dict[str, Any]) -> dict[str, Any]:
    facets_dict[STATUS_FIELD] = tk._("Update status")
    return facets_dict


def label_items(search_results: dict[str, Any]) -> dict[str, Any]:
    """``after_dataset_search``: the status names instead of the stored values."""
    facet = (search_results.get("search_facets") or {}).get(STATUS_FIELD)
    for item in (facet or {}).get("items", []):
        item["display_name"] = updates.status_label(item.get("name", ""))
    return search_results
