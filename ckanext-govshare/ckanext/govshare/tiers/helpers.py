"""Template helpers that CKAN computes with auth bypassed.

CKAN's home page boxes (``h.get_featured_organizations``,
``h.get_featured_groups``) read each featured organization or group with
``ignore_auth``, and so search its datasets without the caller's permission
labels: a closed dataset's title, description and the count that includes
it were shown to everyone. These are CKAN's helpers (same arguments, same
result) reading as the person viewing the page.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Context


def _viewer() -> str:
    user = tk.current_user
    return "" if user is None or user.is_anonymous else user.name


def _featured(items: list[str], get_action: str, list_action: str,
              count: int) -> list[dict[str, Any]]:
    """CKAN's ``featured_group_org``, as the viewer."""
    def get_group(name: str) -> Optional[dict[str, Any]]:
        context: Context = {"user": _viewer(), "limits": {"packages": 2}, "for_view": True}
        try:
            return tk.get_action(get_action)(context, {"id": name, "include_datasets": True})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            return None

    groups: list[dict[str, Any]] = []
    found: set[str] = set()
    for name in list(items) + tk.get_action(list_action)({"user": _viewer()}, {}):
        group = get_group(name)
        if not group or group["id"] in found:
            continue
        found.add(group["id"])
        groups.append(group)
        if len(groups) == count:
            break
    return groups


def get_featured_organizations(count: int = 1) -> list[dict[str, Any]]:
    """The home page's featured organizations (``ckan.featured_orgs``)."""
    return _featured(tk.config.get("ckan.featured_orgs"), "organization_show",
                     "organization_list", count)


def get_featured_groups(count: int = 1) -> list[dict[str, Any]]:
    """The home page's featured groups (``ckan.featured_groups``)."""
    return _featured(tk.config.get("ckan.featured_groups"), "group_show", "group_list", count)


def get_helpers() -> dict[str, Any]:
    return {"get_featured_organizations": get_featured_organizations,
            "get_featured_groups": get_featured_groups}
