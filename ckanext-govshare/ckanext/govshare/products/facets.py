"""The type facet (类型): catalog entries and data products side by side.

Every search page and ``package_search`` with facets asks for
``dataset_type`` too; its items are shown as "Catalog entry" / "Data product"
rather than the stored type names.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govshare.products.sources import DATASET_TYPE, PRODUCT_TYPE

FIELD = "dataset_type"


def type_labels() -> dict[str, str]:
    return {DATASET_TYPE: tk._("Catalog entry"), PRODUCT_TYPE: tk._("Data product")}


def add_type_facet(facets_dict: dict[str, Any]) -> dict[str, Any]:
    """``IFacets.dataset_facets``: the type facet, titled 类型 / Type."""
    facets_dict[FIELD] = tk._("Type")
    return facets_dict


def label_items(search_results: dict[str, Any]) -> dict[str, Any]:
    """``after_dataset_search``: the display names of the type facet's items."""
    facet = (search_results.get("search_facets") or {}).get(FIELD)
    if facet:
        labels = type_labels()
        for item in facet.get("items", []):
            if item.get("name") in labels:
                item["display_name"] = labels[item["name"]]
    return search_results
