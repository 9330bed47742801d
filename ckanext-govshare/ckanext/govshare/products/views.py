"""Pages of data products: the source picker's suggestions.

``/api/util/govshare/product_source/autocomplete?incomplete=…``
(``govshare_products.source_autocomplete``) answers CKAN's ``autocomplete``
JavaScript module in the shape of CKAN's own ``/api/2/util/…/autocomplete``
routes (``{"ResultSet": {"Result": [...]}}``), from
``govshare_product_source_autocomplete`` as the viewer: the product form's
dataset field suggests entries by words of their title. Each suggestion's
``name`` is what the form sends; its ``label`` is what the picker shows.
"""
from __future__ import annotations

from typing import Any

import flask
from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.products.helpers import source_label

products = Blueprint("govshare_products", __name__)


def source_autocomplete() -> Any:
    text = flask.request.args.get("incomplete", "")
    limit = flask.request.args.get("limit", 10)
    entries: list[dict[str, Any]] = []
    if text.strip():
        try:
            entries = tk.get_action("govshare_product_source_autocomplete")(
                views_common.context(), {"q": text, "limit": limit})
        except tk.ValidationError as error:  # a limit that is no number
            return flask.jsonify({"success": False, "error": {
                "__type": "Validation Error", **error.error_dict}}), 409
    return flask.jsonify({"ResultSet": {"Result": [
        {**entry, "label": source_label(entry["title"], entry["organization"])}
        for entry in entries]}})


products.add_url_rule("/api/util/govshare/product_source/autocomplete",
                      view_func=source_autocomplete, endpoint="source_autocomplete")


def get_blueprints() -> list[Blueprint]:
    return [products]
