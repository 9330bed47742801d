"""Chained DataStore and loader actions.

* ``datastore_search`` answers the resource id ``_table_metadata`` without
  asking any auth function: it lists every table, named by resource id,
  those of closed and unpublished datasets too. Only sysadmins get it.
* ``xloader_submit`` hands the job the loader's token (:mod:`..loader`).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.govshare.previews import loader
from ckanext.govshare.tiers import policy

#: the DataStore's own listing of its tables
TABLE_LIST = "_table_metadata"


@tk.chained_action
@tk.side_effect_free
def datastore_search(original_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """CKAN's ``datastore_search``; the list of all tables for sysadmins only."""
    if data_dict.get("resource_id") == TABLE_LIST:
        if not policy.Caller.from_context(context).privileged:
            raise tk.NotAuthorized(tk._("Only sysadmins may list the DataStore's tables"))
        # core asks no auth function for it; a sysadmin passes any
        tk.check_access("datastore_search", context, dict(data_dict))
    return original_action(context, data_dict)


@tk.chained_action
def xloader_submit(original_action: Action, context: Context,
                   data_dict: DataDict) -> Any:
    """ckanext-xloader's ``xloader_submit``, with the loader's token."""
    loader.ensure_token()
    return original_action(context, data_dict)


def get_actions() -> dict[str, Any]:
    """The chains, for the plugins that are loaded."""
    actions: dict[str, Any] = {}
    if p.plugin_loaded("datastore"):
        actions["datastore_search"] = datastore_search
    if p.plugin_loaded("xloader"):
        actions["xloader_submit"] = xloader_submit
    return actions
