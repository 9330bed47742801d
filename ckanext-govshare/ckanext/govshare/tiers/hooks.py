"""IPackageController hooks: scrub ``package_show``, keep index and activities in step.

* :func:`after_dataset_show` scrubs the resources of a dataset the caller
  sees but may not have (conditional, or closed and shared on conditions) in
  ``package_show`` (and so ``resource_show``);
* :func:`before_dataset_index` keeps the URLs of resources that are not open
  (conditional and closed) out of the
  searchable and facetable index fields (``res_url``), so neither a query nor
  a facet reveals them; the stored dataset dicts keep them for those who may
  see them and are scrubbed on the way out;
* :func:`after_dataset_update` gives the dataset's past activities its current
  permission labels, so that closing a dataset hides its whole activity stream
  at once (and reopening it shows it again). The search index is rewritten by
  CKAN itself after every update, with the labels of :mod:`.labels`.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins as p
from ckan.types import Context

from ckanext.govshare.tiers import policy


def after_dataset_show(context: Context, pkg_dict: dict[str, Any]) -> None:
    if policy.tier_of(pkg_dict) == policy.UNCONDITIONAL:
        return
    caller = policy.Caller.from_context(context)
    policy.scrub_package(caller, pkg_dict, visible=True)


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if policy.tier_of(pkg_dict) != policy.UNCONDITIONAL and "res_url" in pkg_dict:
        pkg_dict["res_url"] = ["" for _url in pkg_dict["res_url"]]
    return pkg_dict


def after_dataset_update(context: Context, pkg_dict: dict[str, Any]) -> None:
    pkg = model.Package.get(pkg_dict.get("id") or pkg_dict.get("name"))
    if pkg is not None:
        policy.forget_tier(pkg.id)
        relabel_activities(pkg.id, lib_plugins.get_permission_labels().get_dataset_labels(pkg))


def relabel_activities(package_id: str, labels: list[str]) -> None:
    """Give all activities of a dataset these permission labels (in the
    caller's transaction)."""
    if not p.plugin_loaded("activity"):
        return
    model.Session.execute(
        sa.text("UPDATE activity SET permission_labels = :labels "
                "WHERE object_id = :id AND permission_labels IS DISTINCT FROM :labels")
        .bindparams(sa.bindparam("labels", type_=sa.ARRAY(sa.Text))),
        {"labels": labels, "id": package_id})
