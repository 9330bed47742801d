"""Who may register and change data products.

A product belongs to the person who registered it, never to an agency, so
CKAN's organization-based rules do not fit: by CKAN's defaults a user in no
organization may not create a dataset, and any organization editor may edit
every dataset without an organization. GovShare chains the two core auth
functions, for products only:

* ``package_create``: anyone logged in may register a product;
* ``package_update`` (which also decides ``package_patch``,
  ``package_delete`` and the product's resources): only its registrant
  (``creator_user_id``) — sysadmins pass every check anyway.

Every other dataset type goes to CKAN's own rules unchanged, and
``ckan.auth.create_unowned_dataset`` stays off.
"""
from __future__ import annotations

from typing import Any, Optional

import flask

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context, DataDict

from ckanext.govshare.logic import context_user
from ckanext.govshare.products.sources import PRODUCT_TYPE


def _requested_type(data_dict: Optional[DataDict]) -> Optional[str]:
    """The dataset type being created: ``type`` in the data, else (CKAN's
    "new dataset" page asks without data) the type of the page's blueprint."""
    if data_dict and data_dict.get("type"):
        return data_dict["type"]
    if flask.has_request_context():
        return (flask.request.view_args or {}).get("package_type")
    return None


@tk.chained_auth_function
def package_create(next_auth: AuthFunction, context: Context,
                   data_dict: Optional[DataDict] = None) -> AuthResult:
    if _requested_type(data_dict) != PRODUCT_TYPE:
        return next_auth(context, data_dict)
    if context_user(context) is None:
        return {"success": False, "msg": tk._("Log in to register a data product")}
    return {"success": True}


@tk.chained_auth_function
def package_update(next_auth: AuthFunction, context: Context,
                   data_dict: DataDict) -> AuthResult:
    package = context.get("package")
    if not isinstance(package, model.Package):
        reference = (data_dict or {}).get("id") or (data_dict or {}).get("name")
        package = model.Package.get(reference) if isinstance(reference, str) else None
    if package is None or package.type != PRODUCT_TYPE:
        return next_auth(context, data_dict)
    user = context_user(context)
    if user is not None and package.creator_user_id == user.id:
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only the person who registered a data product may change it")}


@tk.auth_allow_anonymous_access
def govshare_product_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Products are public; the list is for everyone."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def govshare_product_source_autocomplete(context: Context, data_dict: DataDict) -> AuthResult:
    """Everyone, like ``package_autocomplete``: the search is made as the
    caller, so it suggests only what they may see."""
    return {"success": True}


def get_auth_functions() -> dict[str, Any]:
    return {"package_create": package_create, "package_update": package_update,
            "govshare_product_list": govshare_product_list,
            "govshare_product_source_autocomplete": govshare_product_source_autocomplete}
