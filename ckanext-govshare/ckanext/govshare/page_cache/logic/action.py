"""Dropping every kept page (after a deployment that changes templates, or
a setting read from the ini: neither writes to the database)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.page_cache import writes


def govshare_page_cache_forget(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Make every page kept for anonymous visitors unreachable at once: the
    next visitors get pages rendered anew. Sysadmins only.

    :returns: ``version``, the write version the kept pages will have from
        now on
    :rtype: dictionary
    """
    tk.check_access("govshare_page_cache_forget", context, data_dict)
    writes.bump()
    version = writes.current()
    return {"version": version.decode() if version is not None else None}


def get_actions() -> dict[str, Any]:
    return {"govshare_page_cache_forget": govshare_page_cache_forget}
