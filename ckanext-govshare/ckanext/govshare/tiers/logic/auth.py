"""Chained auth: previews and datastore rows of conditional data need access.

Seeing a dataset (``package_show``, ``resource_show``) is decided by the
permission labels of :mod:`..labels`, so closed datasets already behave
exactly like private ones there. What is added here is the second question,
asked only once CKAN's own answer is yes: may the caller have the *data* of
the resource (:func:`..policy.may_access`)?
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context, DataDict

from ckanext.govshare.tiers import policy


def _resource_access(context: Context, resource: Optional[model.Resource]) -> AuthResult:
    if resource is None or resource.package is None:
        return {"success": True}  # CKAN's own function reported what is missing
    caller = policy.Caller.from_context(context)
    facts = policy.PackageFacts.from_model(resource.package)
    if policy.may_access(caller, facts, resource.id, visible=True):
        return {"success": True}
    return {"success": False,
            "msg": tk._("This resource is conditionally open: apply for access first")}


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_view_show(next_auth: AuthFunction, context: Context,
                       data_dict: DataDict) -> AuthResult:
    """A view (preview) of a conditional resource needs access to its data."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    view = context.get("resource_view") or model.ResourceView.get(data_dict.get("id"))
    resource = context.get("resource") or (
        model.Resource.get(view.resource_id) if view else None)
    return _resource_access(context, resource)


def _without_ids(result: AuthResult, message: str) -> AuthResult:
    """CKAN's refusals name the dataset by its id, also to a caller who asked
    by name and may not know the dataset exists (a closed or private one):
    the same refusal, without the id."""
    if result.get("success"):
        return result
    return {"success": False, "msg": message}


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: AuthFunction, context: Context,
                 data_dict: DataDict) -> AuthResult:
    """CKAN's, with a refusal that does not give the dataset's id away."""
    return _without_ids(next_auth(context, data_dict),
                        tk._("You are not authorized to see this dataset"))


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_update(next_auth: AuthFunction, context: Context,
                   data_dict: DataDict) -> AuthResult:
    """CKAN's, with a refusal that does not give the dataset's id away."""
    return _without_ids(next_auth(context, data_dict),
                        tk._("You are not authorized to change this dataset"))


def _datastore_check(next_auth: AuthFunction, context: Context,
                     data_dict: DataDict) -> AuthResult:
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    return _resource_access(context, model.Resource.get(resource_id))


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_search(next_auth: AuthFunction, context: Context,
                     data_dict: DataDict) -> AuthResult:
    """Datastore rows of a conditional resource need access to its data."""
    return _datastore_check(next_auth, context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_info(next_auth: AuthFunction, context: Context,
                   data_dict: DataDict) -> AuthResult:
    """The datastore description of a conditional resource needs access."""
    return _datastore_check(next_auth, context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def datastore_search_sql(next_auth: AuthFunction, context: Context,
                         data_dict: DataDict) -> AuthResult:
    """SQL over datastore tables needs access to the data of every table."""
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    for name in context.get("table_names") or []:
        resource = model.Resource.get(name)
        if resource is None:
            continue
        answer = _resource_access(context, resource)
        if not answer["success"]:
            return answer
    return {"success": True}


def get_auth_functions() -> dict[str, Any]:
    """Chained auth functions; the datastore ones only with the datastore on."""
    functions: dict[str, Any] = {"resource_view_show": resource_view_show,
                                 "package_show": package_show,
                                 "package_update": package_update}
    if p.plugin_loaded("datastore"):
        functions.update(datastore_search=datastore_search,
                         datastore_info=datastore_info,
                         datastore_search_sql=datastore_search_sql)
    return functions
