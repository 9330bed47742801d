"""The tier at a glance: the badge of search results and dataset pages, and
the one action that fits the viewer.

The labels and meanings are the choices of the ``open_tier`` field
(``govshare_open_tier`` in ``schemas/presets.yaml``); who may have the data
is the policy's answer (:mod:`.policy`), read from what ``package_show``
gave the viewer: a conditional resource they may not have arrives scrubbed,
pointing at the application page.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare.tiers import policy

#: the dataset type that carries a tier (data products do not)
DATASET_TYPE = "dataset"

#: what the action button does
DOWNLOAD = "download"
APPLY = "apply"
REQUEST_SHARING = "request_sharing"
NOT_OPEN = "not_open"

#: where the dataset page lists its resources (CKAN's resources_list.html)
RESOURCES_ANCHOR = "#dataset-resources"


def _choices() -> dict[str, dict[str, Any]]:
    """The ``open_tier`` choices of the catalog schema, by value."""
    if "scheming_get_dataset_schema" not in tk.h:  # ckanext-scheming not loaded
        return {}
    schema = tk.h.scheming_get_dataset_schema(DATASET_TYPE) or {}
    field = tk.h.scheming_field_by_name(schema.get("dataset_fields", []), policy.TIER_FIELD)
    return {choice["value"]: choice for choice in (field or {}).get("choices", [])}


def _text(value: Any) -> str:
    return tk.h.scheming_language_text(value) if value else ""


def govshare_tier_badge(pkg_dict: dict[str, Any]) -> Optional[dict[str, str]]:
    """The tier of a catalog entry as its badge shows it: ``tier`` (the
    stored value), ``label`` and ``meaning`` in the page's language; None
    for other dataset types (data products)."""
    if (pkg_dict.get("type") or DATASET_TYPE) != DATASET_TYPE:
        return None
    tier = policy.tier_of(pkg_dict)
    choice = _choices().get(tier, {})
    return {"tier": tier, "label": _text(choice.get("label")) or tier,
            "meaning": _text(choice.get("meaning"))}


def tier_explanations() -> list[dict[str, str]]:
    """Each tier with its label, meaning and explanation in the page's
    language (the Help page), in policy order."""
    choices = _choices()
    return [{"tier": tier, "label": _text(choices.get(tier, {}).get("label")) or tier,
             "meaning": _text(choices.get(tier, {}).get("meaning")),
             "explanation": _text(choices.get(tier, {}).get("explanation"))}
            for tier in policy.TIERS]


def govshare_tier_action(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The one thing the viewer can do with an entry's data, for the top of
    its page (``pkg_dict`` as ``package_show`` gave it to the viewer):

    * ``download``: the data is theirs to have (unconditional, or
      conditional with a grant or as an insider): ``url`` is the file when
      there is one, else the resource list; ``count`` resources;
    * ``apply``: conditional and none of its data is theirs: ``url`` is the
      application page;
    * ``request_sharing``: closed, shared on conditions with agencies, the
      viewer on another agency's staff and none of its data theirs: ``url``
      is the sharing request page;
    * ``not_open``: closed, to its own organization (``shared``: other
      agencies' staff see the entry too).

    A closed entry shared with agencies reads ``shared`` True in every kind.
    None for other dataset types, and for an entry without resources the
    viewer could have.
    """
    if (pkg_dict.get("type") or DATASET_TYPE) != DATASET_TYPE:
        return None
    tier = policy.tier_of(pkg_dict)
    resources = [r for r in pkg_dict.get("resources") or [] if isinstance(r, dict)]
    theirs = [r for r in resources if r.get("url_type") != policy.RESTRICTED_URL_TYPE]
    if tier == policy.CLOSED:
        facts = policy.PackageFacts.from_dict(pkg_dict, published=True)
        shared = policy.shared_entry(facts)
        if not shared or policy.is_member(policy.Caller.for_user(tk.current_user), facts):
            return {"kind": NOT_OPEN, "shared": shared}
        if resources and not theirs:
            return {"kind": REQUEST_SHARING, "url": policy.request_url(facts), "shared": True}
    elif tier == policy.CONDITIONAL and not theirs and (
            resources or not policy.has_access(tk.current_user, pkg_dict)):
        return {"kind": APPLY, "url": policy.apply_url(pkg_dict["name"])}
    if not theirs:
        return None
    only = theirs[0].get("url") if len(theirs) == 1 else None
    url = only if only and tk.h.is_url(only) else RESOURCES_ANCHOR
    return {"kind": DOWNLOAD, "url": url, "count": len(theirs),
            "shared": tier == policy.CLOSED}


def get_helpers() -> dict[str, Any]:
    return {"govshare_tier_badge": govshare_tier_badge,
            "govshare_tier_action": govshare_tier_action}
