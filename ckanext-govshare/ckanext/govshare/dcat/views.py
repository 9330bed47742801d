"""``/authority/catalog.<format>``: the supervising authority's feed, for a
harvester that sends a sysadmin's API token (``Authorization`` header).
Everyone else gets 403; the public ``/catalog.<format>`` is unchanged."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.dcat.utils import CONTENT_TYPES

from ckanext.govshare.views_common import context

authority = Blueprint("govshare_dcat_authority", __name__)


def catalog(_format: str) -> Any:
    if _format not in CONTENT_TYPES:
        return tk.abort(404, tk._("Unknown format: use xml, ttl, jsonld or n3"))
    args = tk.request.args
    data_dict = {"format": _format, "page": args.get("page"),
                 "modified_since": args.get("modified_since"),
                 "q": args.get("q"), "fq": args.get("fq")}
    try:
        body = tk.get_action("govshare_authority_catalog_show")(context(), data_dict)
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))
    except tk.ValidationError as error:
        return tk.abort(409, str(error))
    response = make_response(body)
    response.headers["Content-Type"] = f"{CONTENT_TYPES[_format]}; charset=utf-8"
    return response


authority.add_url_rule("/authority/catalog.<_format>", view_func=catalog)


def get_blueprints() -> list[Blueprint]:
    """The authority's feed, with ckanext-dcat (its serializer) loaded."""
    return [authority] if p.plugin_loaded("dcat") else []
