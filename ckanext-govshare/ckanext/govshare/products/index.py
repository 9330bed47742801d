"""A product's sources in the search index document, so that "which products
cite this dataset (or this grant)" is one ``package_search`` filter.

* ``vocab_source_datasets``: the ids of the datasets it cites;
* ``vocab_source_grants``: the grants that back its sources.

``vocab_*`` is CKAN's multi-valued exact-string field in Solr's schema
(``<dynamicField name="vocab_*" type="string" multiValued="true">``), and the
embedded engine treats it the same, so ``fq=vocab_source_datasets:"<id>"``
works on either backend. Why the index rather than a table of its own: the
answer has to respect the same visibility as every other search (private
products, deleted ones), it costs no migration, and a dataset page already
runs searches; a table would be the choice if the lookups had to join with
other tables (see README, Data products).
"""
from __future__ import annotations

import json
from typing import Any

from ckanext.govshare.products.sources import PRODUCT_TYPE

SOURCE_DATASETS = "vocab_source_datasets"
SOURCE_GRANTS = "vocab_source_grants"


def _sources(pkg_dict: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("sources", "extras_sources"):
        value = pkg_dict.get(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if isinstance(value, list):
            return [s for s in value if isinstance(s, dict)]
    return []


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if pkg_dict.get("type") != PRODUCT_TYPE:
        return pkg_dict
    sources = _sources(pkg_dict)
    datasets = list(dict.fromkeys(s["dataset"] for s in sources if s.get("dataset")))
    grants = list(dict.fromkeys(s["grant_id"] for s in sources if s.get("grant_id")))
    if datasets:
        pkg_dict[SOURCE_DATASETS] = datasets
    if grants:
        pkg_dict[SOURCE_GRANTS] = grants
    return pkg_dict
