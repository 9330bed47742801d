"""The openness-tier facet on the dataset, organization and group search pages.

``search.facets`` in the ini lists ``open_tier``; this gives the facet a
translated title and its items the labels of the schema's choices (无条件开放 …)
instead of the stored values, and puts it first.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

#: Facet fields whose items are shown with the labels of the schema's choices.
CHOICE_FACETS = ("open_tier",)
#: the facet shown first: whether the data is theirs to have is what a visitor asks first
TIER_FACET = "open_tier"


def facet_titles() -> dict[str, str]:
    return {"open_tier": tk._("Openness tier")}


def retitle(facets_dict: dict[str, Any]) -> dict[str, Any]:
    for field, title in facet_titles().items():
        if field in facets_dict:
            facets_dict[field] = title
    return facets_dict


def tier_first(facets_dict: dict[str, Any]) -> dict[str, Any]:
    """The tier facet first among the search page's facets (in place: CKAN
    passes the same dict to every IFacets plugin), present even where
    ``search.facets`` leaves it out."""
    rest = {field: facets_dict.pop(field) for field in list(facets_dict)
            if field != TIER_FACET}
    facets_dict.setdefault(TIER_FACET, facet_titles()[TIER_FACET])
    facets_dict.update(rest)
    return facets_dict


def _choice_labels(field_name: str) -> dict[str, Any]:
    if "scheming_get_dataset_schema" not in tk.h:  # ckanext-scheming not loaded
        return {}
    schema = tk.h.scheming_get_dataset_schema("dataset")
    if not schema:
        return {}
    for field in schema.get("dataset_fields", []):
        if field["field_name"] == field_name:
            return {c["value"]: c.get("label", c["value"]) for c in field.get("choices", [])}
    return {}


def label_items(search_results: dict[str, Any]) -> dict[str, Any]:
    """``after_dataset_search``: the display names of the choice facets' items."""
    facets = search_results.get("search_facets") or {}
    for field in CHOICE_FACETS:
        if field not in facets:
            continue
        labels = _choice_labels(field)
        for item in facets[field].get("items", []):
            label = labels.get(item.get("name"))
            if label:
                item["display_name"] = _text(label)
    return search_results


def choice_labels(field_name: str) -> dict[str, str]:
    """The schema's labels of a choice field's values, in the user's language."""
    return {value: _text(label) for value, label in _choice_labels(field_name).items()}


def _text(label: Any) -> str:
    """A bilingual label in the user's language (the site's default outside a request)."""
    try:
        return tk.h.scheming_language_text(label)
    except RuntimeError:  # no request: h.lang() cannot tell
        return tk.h.scheming_language_text(label, tk.config.get("ckan.locale_default"))
