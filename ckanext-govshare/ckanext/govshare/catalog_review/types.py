"""Which datasets are catalog entries: the one reading of
``ckanext.govshare.catalog_review.dataset_types`` (set empty: none are)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import options


def review_types() -> list[str]:
    """The dataset types whose datasets are catalog entries (reviewed
    yearly, with an update status)."""
    return list(tk.config.get(options.CATALOG_REVIEW_DATASET_TYPES) or [])


def is_catalog_entry(dataset_type: Any) -> bool:
    return dataset_type in review_types()


def dataset_type_fq() -> Optional[str]:
    """A search filter on the catalog entries' types; None when there are none."""
    types = review_types()
    if not types:
        return None
    return "+dataset_type:({})".format(" OR ".join(f'"{t}"' for t in types))
