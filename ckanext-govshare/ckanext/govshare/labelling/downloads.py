"""What happens on every download the tier policy lets through: a receipt
(or an anonymous count) is recorded and the response says where the data
comes from (``Link: <dataset page>; rel="describedby"`` and the label in
RFC 8187 encoding), so a script that only downloads still learns it.
Registered with :func:`ckanext.govshare.tiers.views.register_download_hook`.
"""
from __future__ import annotations

from typing import Any, Optional

import flask

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options, workdays
from ckanext.govshare.labelling import label as labels
from ckanext.govshare.labelling import receipts
from ckanext.govshare.tiers import views as tier_views


def _facts(resource: model.Resource) -> dict[str, Any]:
    """The label facts from the objects already loaded (no action calls)."""
    pkg = resource.package
    extras = dict(pkg.extras)
    pkg_dict = {"id": pkg.id, "name": pkg.name, "title": pkg.title,
                "version": pkg.version, "metadata_modified": pkg.metadata_modified,
                "resource_code": extras.get("resource_code")}
    org = labels.agency(pkg.owner_org)
    res_dict = {"id": resource.id, "name": resource.name,
                "last_modified": resource.last_modified,
                "metadata_modified": resource.metadata_modified}
    return labels.structured(pkg_dict, org, res_dict, workdays.local_today())


def on_download(user: Optional[model.User], resource: model.Resource,
                response: flask.Response) -> flask.Response:
    if tk.config.get(options.LABELLING_RECORD_RECEIPTS):
        channel = "api" if user is not None and flask.request.headers.get(
            "Authorization") else "web"
        receipts.record(user, resource, channel=channel)
    for name, value in labels.download_headers(_facts(resource)).items():
        response.headers[name] = value
    return response


def register() -> None:
    tier_views.register_download_hook(on_download)
