"""Template helpers of catalog maintenance."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.catalog_review import types as entry_types


def govshare_update_state(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The entry's update deadline for the dataset page, when the user is a
    member of its organization (or a sysadmin) and it is a catalog entry;
    None otherwise."""
    if not entry_types.is_catalog_entry(pkg_dict.get("type")):
        return None
    try:
        return tk.get_action("govshare_catalog_update_show")(
            views_common.context(), {"id": pkg_dict["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None


def get_helpers() -> dict[str, Any]:
    return {"govshare_update_state": govshare_update_state}
