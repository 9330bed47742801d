"""Data product actions."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.search.query import solr_literal
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.applications.logic.validators import int_between
from ckanext.govshare.products import index
from ckanext.govshare.products.sources import DATASET_TYPE, PRODUCT_TYPE


@validator_args
def product_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                        default: ValidatorFactory
                        ) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe],
        "grant_id": [ignore_missing, unicode_safe],
        "limit": [default(20), int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@tk.side_effect_free
def govshare_product_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Data products (数据产品), newest first; those built on a dataset
    ("应用成果") or citing a grant.

    Everyone; products the caller may not see are left out, as in
    ``package_search``.

    :param package_id: only products citing this dataset (id or name)
    :type package_id: string
    :param grant_id: only products whose sources this grant backs
    :type grant_id: string
    :param limit: at most this many (default 20)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` and ``results`` (product dicts, as ``package_show``
        returns them)
    :rtype: dictionary
    """
    tk.check_access("govshare_product_list", context, data_dict)
    data, errors = tk.navl_validate(data_dict, product_list_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    fq = [f"+dataset_type:{PRODUCT_TYPE}"]
    if data.get("package_id"):
        pkg = model.Package.get(data["package_id"])
        if pkg is None:
            raise tk.ObjectNotFound(tk._("Dataset not found"))
        fq.append(f"+{index.SOURCE_DATASETS}:{_quote(pkg.id)}")
    if data.get("grant_id"):
        fq.append(f"+{index.SOURCE_GRANTS}:{_quote(data['grant_id'])}")
    result = tk.get_action("package_search")(
        {k: v for k, v in context.items() if k in ("user", "auth_user_obj", "ignore_auth")},
        {"fq": " ".join(fq), "sort": "metadata_created desc",
         "rows": data["limit"], "start": data["offset"]})
    return {"count": result["count"], "results": result["results"]}


@validator_args
def source_autocomplete_schema(not_empty: Validator, unicode_safe: Validator,
                               strip_value: Validator, default: ValidatorFactory
                               ) -> Schema:
    return {
        "q": [not_empty, unicode_safe, strip_value, not_empty],
        "limit": [default(10), int_between(1, "ckan.search.rows_max")],
    }


def _autocomplete_query(text: str) -> str:
    """What CKAN's ``package_autocomplete`` asks of the index (the name and
    title, whole and as n-grams), with the title also matching the typed
    words in any order."""
    words = " AND ".join(solr_literal(word) for word in text.split())
    return " OR ".join([f"name_ngram:{solr_literal(text)}", f"title_ngram:{solr_literal(text)}",
                        f"name:{solr_literal(text)}", f"title:({words})"])


@tk.side_effect_free
def govshare_product_source_autocomplete(context: Context, data_dict: DataDict
                                         ) -> list[dict[str, Any]]:
    """Catalog entries a data product may cite, found by words of their
    title (Chinese or English) or their URL name: the suggestions of the
    product form's source picker.

    Everyone; only entries the caller may see are suggested (a closed or
    unpublished entry only to its organization's members and sysadmins),
    and only catalog entries (``dataset``), never data products.

    :param q: the words typed
    :type q: string
    :param limit: at most this many (default 10)
    :type limit: int

    :returns: ``name``, ``title`` and ``organization`` (the agency's title)
        of each entry, best match first
    :rtype: list of dictionaries
    """
    tk.check_access("govshare_product_source_autocomplete", context, data_dict)
    data, errors = tk.navl_validate(data_dict, source_autocomplete_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    result = tk.get_action("package_search")(
        {k: v for k, v in context.items() if k in ("user", "auth_user_obj", "ignore_auth")},
        {"q": _autocomplete_query(data["q"]), "fq": f"+dataset_type:{DATASET_TYPE}",
         "rows": data["limit"], "include_private": True})
    return [{"name": pkg["name"], "title": pkg.get("title") or pkg["name"],
             "organization": (pkg.get("organization") or {}).get("title") or ""}
            for pkg in result["results"]]


def get_actions() -> dict[str, Any]:
    return {"govshare_product_list": govshare_product_list,
            "govshare_product_source_autocomplete": govshare_product_source_autocomplete}
