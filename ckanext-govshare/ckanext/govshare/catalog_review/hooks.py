"""An editor's update of a dataset answers its open change events.

Decision: a change to the legal basis, duties or system asks the agency to
update the catalog entry, so an update of the entry by someone who answers
for it does that. ``after_dataset_update`` answers the dataset's open change
events, in the same transaction as the update, when

* the update was made by an editor or admin of the dataset's organization or
  by a sysadmin (not by the site user, background jobs and harvesters, nor by
  a dataset collaborator), and
* it changed the dataset itself, not only its resources: adding, editing or
  removing a resource (``resource_create``/``update``/``delete``, and the
  DataPusher/XLoader writes through them) goes through ``package_update`` too,
  and is recognised by the mark that the ``before_resource_*`` hooks leave in
  the shared action context.

Marking the entry reviewed (``govshare_catalog_review_mark``) is such an
update, and answers the events in any case.
"""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context

from ckanext.govshare.catalog_review.model import CatalogChange

_RESOURCE_CHANGE = "govshare_resource_change"


def mark_resource_change(context: Context) -> None:
    """Called before a resource is created, updated or deleted: the
    ``package_update`` that follows is not an update of the entry itself."""
    context[_RESOURCE_CHANGE] = True  # type: ignore[literal-required]


def after_dataset_update(context: Context, pkg_dict: dict[str, Any]) -> None:
    if context.get(_RESOURCE_CHANGE):
        return
    user_name = context.get("user")
    if not user_name:
        return
    user = model.User.get(user_name)
    if user is None or user.name == tk.config.get("ckan.site_id"):
        return
    package = context.get("package") or model.Package.get(pkg_dict.get("id") or "")
    if package is None:
        return
    # sysadmins, and editors and admins of the organization (a collaborator's
    # rights come from the dataset, not from the organization)
    if not (authz.is_sysadmin(user.name) or (
            package.owner_org and authz.has_user_permission_for_group_or_org(
                package.owner_org, user.name, "update_dataset"))):
        return
    CatalogChange.answer_open(package.id, user.id)

