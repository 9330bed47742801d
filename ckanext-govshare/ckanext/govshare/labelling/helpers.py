"""Template helpers of the labels: the dataset and resource pages show the
label a data product must carry, for the visitor, with a copy button
(``govshare/labelling/label_block.html``).
"""
from __future__ import annotations

import itertools
import logging
from typing import Any, Callable, Optional

import flask

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

def fact_names() -> tuple[tuple[str, str], ...]:
    """The facts the pages list, in order, with their names."""
    return (
        ("agency", tk._("Publishing agency")),
        ("agency_credit_code", tk._("Unified social credit code")),
        ("dataset_title", tk._("Dataset")),
        ("identifier", tk._("Identifier")),
        ("resource_name", tk._("Resource")),
        ("portal", tk._("Portal")),
        ("url", tk._("Dataset page")),
        ("dataset_version", tk._("Version")),
        ("dataset_modified", tk._("Dataset modified")),
        ("resource_modified", tk._("Resource modified")),
        ("obtained_date", tk._("Obtained on")),
    )


_IDS_G_KEY = "govshare_label_ids"


def _is_resource(obj: dict[str, Any]) -> bool:
    return "package_id" in obj and "resources" not in obj


def english() -> bool:
    """Is the page in English (``/en/…``)? Chinese is the default."""
    return (tk.h.lang() or "").lower().startswith("en")


def govshare_label(pkg_or_resource: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The label of a dataset or resource dict for the current visitor
    (``govshare_label_show``: the obtained date is their latest download
    receipt, else today), or None when they may not see it.

    Adds ``shown`` (the text in the page's language: English on ``/en``
    pages, Chinese otherwise) and ``facts_shown`` (``(key, name, value)``
    for each fact with a value, for a definition list).
    """
    if not pkg_or_resource or not pkg_or_resource.get("id"):
        return None
    key = "resource_id" if _is_resource(pkg_or_resource) else "package_id"
    user = tk.current_user
    context = {"user": user.name if user.is_authenticated else "",
               "auth_user_obj": user if user.is_authenticated else None}
    try:
        result = tk.get_action("govshare_label_show")(context, {key: pkg_or_resource["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    except tk.ValidationError as e:  # e.g. a publication date in the future
        log.warning("No label for %s %s: %s", key, pkg_or_resource["id"], e.error_dict)
        return None
    return decorate(result)


def decorate(result: dict[str, Any]) -> dict[str, Any]:
    """``shown`` and ``facts_shown`` for a page in the current language."""
    facts = result["facts"]
    en = english()
    shown = []
    for name, title in fact_names():
        value = facts.get("agency_en" if en and name == "agency" else name)
        if value:
            shown.append((name, title, value))
    return {**result, "shown": result["text_en"] if en else result["text"],
            "facts_shown": shown}


def govshare_label_uid(prefix: str = "govshare-label") -> str:
    """An id unique in the page, for a label's text and its copy button:
    counted per response, so the same page is the same text (a kept page,
    ``page_cache``, is compared with the view's)."""
    ids = (flask.g.setdefault(_IDS_G_KEY, itertools.count(1)) if flask.has_app_context()
           else itertools.count(1))
    return f"{prefix}-{next(ids)}"


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_label": govshare_label,
            "govshare_label_decorate": decorate,
            "govshare_label_uid": govshare_label_uid}
