"""The DataStore's dump route, guarded like a resource's file.

``/datastore/dump/<resource_id>`` serves a resource's rows as CSV, TSV,
JSON or XML. Its ``datastore_search`` auth (chained in
:mod:`ckanext.govshare.tiers.logic.auth`) refuses the rows of a conditional
resource to a caller without access, and the DataStore answers every refusal
404; :func:`guard_dump` answers a caller who sees the dataset as the
download routes do: 403 with the application page
(:func:`ckanext.govshare.tiers.views.restricted_page`).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.tiers import policy
from ckanext.govshare.tiers import views as tier_views

log = logging.getLogger(__name__)

#: the DataStore's dump route
DUMP_ENDPOINT = "datastore.dump"


def guard_dump(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the dump view with the tier policy."""

    @functools.wraps(view)
    def guarded(resource_id: str, **kwargs: Any) -> Any:
        resource = model.Resource.get(resource_id) if p.plugin_loaded("govshare") else None
        pkg = resource.package if resource is not None else None
        if resource is not None and pkg is not None and resource.state == "active":
            caller = policy.Caller.for_user(tk.current_user)
            facts = policy.PackageFacts.from_model(pkg)
            if policy.can_see(caller, facts) and \
                    not policy.may_access(caller, facts, resource.id, visible=True):
                pkg_dict = tk.get_action("package_show")(views_common.context(), {"id": pkg.id})
                shown = next((r for r in pkg_dict["resources"] if r["id"] == resource.id), {})
                return tier_views.restricted_page(pkg_dict, shown)
        return view(resource_id=resource_id, **kwargs)

    guarded.govshare_guarded = True  # type: ignore[attr-defined]
    return guarded


def install(app: Any) -> Any:
    """Guard the dump route of the Flask app (IMiddleware), if it has one."""
    view_functions = getattr(app, "view_functions", None)
    view = (view_functions or {}).get(DUMP_ENDPOINT)
    if view is not None and not getattr(view, "govshare_guarded", False):
        view_functions[DUMP_ENDPOINT] = guard_dump(view)  # type: ignore[index]
    return app
