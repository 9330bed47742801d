"""ckanext-dcat's actions, chained with GovShare's publication rules.

Every DCAT surface goes through these: the ``/dataset/<id>.<format>`` and
``/catalog.<format>`` endpoints, content negotiation, ``/dcat.json`` and the
Action API. Closed datasets never reach a serializer (for sysadmins neither),
and the ``govshare_dcat_ap_3`` profile always runs last, whatever profiles a
request names.

``dcat_dataset_show`` hands over to ckanext-dcat's action. The catalog and
list actions do ckanext-dcat's few steps themselves (with its search and
paging helpers; ckanext-dcat is pinned), because the results have to be
filtered and the legacy JSON rewritten between search and serialization.
"""
from __future__ import annotations

from typing import Any

import rdflib.plugin
import rdflib.serializer
from dateutil.parser import parse as parse_datetime
from requests.utils import requote_uri

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Action, ChainedAction, Context, DataDict

from ckanext.dcat import converters
from ckanext.dcat.exceptions import RDFProfileException
from ckanext.dcat.logic import _pagination_info, _search_ckan_datasets
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.utils import url_to_rdflib_format

from ckanext.govshare.catalog.logic.validators import govshare_date_in_range
from ckanext.govshare.dcat import publication


def _check_request(data_dict: DataDict) -> None:
    """``format`` and ``modified_since`` as ckanext-dcat can use them: it
    hands them to rdflib and dateutil unchecked, and an unknown format, a
    list or a year past 9999 fails there (a 500)."""
    fmt = data_dict.get("format")
    if fmt not in (None, ""):
        try:
            if not isinstance(fmt, str):
                raise rdflib.plugin.PluginException(fmt)
            rdflib.plugin.get(url_to_rdflib_format(fmt), rdflib.serializer.Serializer)
        except rdflib.plugin.PluginException:
            raise tk.ValidationError({"format": [tk._(
                "Unknown format: use xml, ttl, jsonld or n3")]}) from None
    since = data_dict.get("modified_since")
    if since not in (None, ""):
        try:
            if not isinstance(since, str):
                raise TypeError(since)
            govshare_date_in_range(parse_datetime(since), {})
        except (ValueError, OverflowError, TypeError):
            raise tk.ValidationError({"modified_since": [tk._(
                "Enter a date as YYYY-MM-DD")]}) from None
        except tk.Invalid as error:
            raise tk.ValidationError({"modified_since": [error.error]}) from None


@tk.chained_action
def dcat_dataset_show(up_func: Action, context: Context, data_dict: DataDict) -> str:
    """ckanext-dcat's ``dcat_dataset_show``; a closed dataset is not found,
    for every user.

    :param id: the id or name of the dataset
    :type id: string
    :param format: ``xml`` (default), ``ttl``, ``jsonld``, ``n3``
    :type format: string
    :param profiles: RDF profiles to use (GovShare's is always added last)
    :type profiles: list of strings
    """
    _check_request(data_dict)
    dataset = tk.get_action("package_show")(
        {"ignore_auth": True}, {"id": tk.get_or_bust(data_dict, "id")})
    if not publication.is_published(dataset):
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    try:
        return up_func(context, {**data_dict,
                                 "profiles": publication.profiles(data_dict.get("profiles"))})
    except RDFProfileException as error:
        raise tk.ValidationError({"profiles": [str(error)]})


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_show(up_func: Action, context: Context, data_dict: DataDict) -> str:
    """ckanext-dcat's ``dcat_catalog_show`` without closed datasets.

    :param format: ``xml`` (default), ``ttl``, ``jsonld``, ``n3``
    :type format: string
    :param q: search query
    :type q: string
    :param fq: filter query (closed datasets are excluded in any case)
    :type fq: string
    :param page: page number, from 1
    :type page: int
    :param modified_since: ISO-8601 date
    :type modified_since: string
    :param profiles: RDF profiles to use (GovShare's is always added last)
    :type profiles: list of strings
    """
    tk.check_access("dcat_catalog_show", context, data_dict)
    return _serialize_catalog(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_search(up_func: Action, context: Context, data_dict: DataDict) -> str:
    """ckanext-dcat's ``dcat_catalog_search`` without closed datasets; takes
    the parameters of ``dcat_catalog_show``."""
    tk.check_access("dcat_catalog_search", context, data_dict)
    return _serialize_catalog(context, data_dict)


def _serialize_catalog(context: Context, data_dict: DataDict) -> str:
    """ckanext-dcat's catalog actions, with closed datasets filtered out of
    the search (and, should one slip through, out of the results), and with
    the paging links percent-encoded (ckanext-dcat 2.4 writes a query with a
    space into an invalid URI, which fails the whole response). In the
    authority's feed (:func:`publication.for_authority`) nothing is left out."""
    _check_request(data_dict)
    if publication.authority_feed():
        data_dict = {**data_dict, "profiles": publication.profiles(data_dict.get("profiles"))}
    else:
        data_dict = publication.catalog_request(data_dict)
    query = _search_ckan_datasets(context, data_dict)
    paging = {key: requote_uri(value) if isinstance(value, str) else value
              for key, value in _pagination_info(query, data_dict).items()}
    datasets = [dataset for dataset in query["results"] if publication.is_published(dataset)]
    try:
        serializer = RDFSerializer(profiles=data_dict["profiles"])
        return serializer.serialize_catalog({}, datasets, _format=data_dict.get("format"),
                                            pagination_info=paging)
    except RDFProfileException as error:
        raise tk.ValidationError({"profiles": [str(error)]})


@tk.chained_action
@tk.side_effect_free
def dcat_datasets_list(up_func: Action, context: Context,
                       data_dict: DataDict) -> list[dict[str, Any]]:
    """ckanext-dcat's legacy DCAT JSON (``/dcat.json``) without closed
    datasets, and with the distributions of conditional datasets pointing at
    the application page. This feed bypasses the RDF profiles, so the
    datasets are made publishable before conversion.

    :param page: page number, from 1
    :type page: int
    :param modified_since: ISO-8601 date
    :type modified_since: string
    """
    tk.check_access("dcat_datasets_list", context, data_dict)
    _check_request(data_dict)
    results = _search_ckan_datasets(context, publication.catalog_request(data_dict))["results"]
    return [converters.ckan_to_dcat(publication.publishable(dataset))
            for dataset in results if publication.is_published(dataset)]


@tk.side_effect_free
def govshare_authority_catalog_show(context: Context, data_dict: DataDict) -> str:
    """The whole catalog for the supervising authority (sysadmins and the
    supervisors they designate): every
    entry, closed (``dct:accessRights`` ``NON_PUBLIC``) and not yet
    published ones included, distributions with their real URLs. Takes the
    parameters of ``dcat_catalog_show``; the public feeds are unchanged.
    """
    tk.check_access("govshare_authority_catalog_show", context, data_dict)
    # searched as the site user: a supervisor holds no organization role,
    # and the feed is everything
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    with publication.for_authority():
        return _serialize_catalog({"user": site_user["name"], "ignore_auth": True},
                                  data_dict)


#: chained action → the ckanext-dcat plugin that defines the action.
_CHAINS: dict[str, tuple[str, ChainedAction]] = {
    "dcat_dataset_show": ("dcat", dcat_dataset_show),
    "dcat_catalog_show": ("dcat", dcat_catalog_show),
    "dcat_catalog_search": ("dcat", dcat_catalog_search),
    "dcat_datasets_list": ("dcat_json_interface", dcat_datasets_list),
}


def get_actions() -> dict[str, Any]:
    """The chains whose ckanext-dcat plugin is loaded (CKAN refuses to chain
    an action that does not exist), and the authority's feed with ckanext-dcat."""
    actions: dict[str, Any] = {name: action for name, (plugin, action) in _CHAINS.items()
                               if p.plugin_loaded(plugin)}
    if p.plugin_loaded("dcat"):
        actions["govshare_authority_catalog_show"] = govshare_authority_catalog_show
    return actions
