"""Re-indexing many datasets at once: CKAN's documents, far fewer queries.

CKAN's ``search-index rebuild`` indexes one dataset at a time, and one
dataset costs some fifteen small queries: ``package_show``'s dictization
(the dataset, its resources, tags, extras, groups, organization and
relationships, a query each), the tier and publication state of its
permission labels, and what GovShare's document adds (the organization's
names and the downloads). :func:`index_chunk` reads each of those once for a
whole chunk of datasets; the rest is CKAN's own code, unchanged:
``package_show`` runs for every dataset as in CKAN's ``rebuild`` and gets
the dict CKAN's ``package_dictize`` would make, built by CKAN's dictize
functions from the chunk's rows (:func:`package_dicts`), and CKAN's
``index_package`` builds the document with every ``before_dataset_index``
hook. ``tests/search/test_bulk.py`` checks that the documents are the ones
CKAN's own ``rebuild`` writes.

With Solr, CKAN's ``index_package`` sends each document in a request of its
own, on a new connection (``make_connection`` makes a new ``pysolr.Solr``,
with a new HTTP session, every time); :func:`index_chunk` sends the chunk's
documents in one request instead (the embedded engine batches its writes
itself).
"""
from __future__ import annotations

import collections
import contextlib
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import select

import ckan.lib.dictization as d
import ckan.lib.dictization.model_dictize as model_dictize
import ckan.lib.search as ckan_search
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context

#: the label of the package id column added to rows that do not carry one;
#: removed from the dicts made of them
_KEY = "govshare_bulk_package_id"


def index_chunk(package_ids: list[str]) -> None:
    """Index these datasets as ``ckan.lib.search.rebuild(package_ids=...,
    defer_commit=True)`` does, reading what every dataset needs once."""
    from ckanext.govshare.search import document
    from ckanext.govshare.tiers import policy

    packages = model.Session.query(model.Package).filter(
        model.Package.id.in_(package_ids)).all()  # kept by the session: Package.get
    dictize_context: Context = {"model": model, "session": model.Session}
    dicts = package_dicts(packages, dictize_context)
    policy.remember_stored_values(packages)
    # CKAN's rebuild: one context for every package_show
    context: Context = {"ignore_auth": True, "validate": False, "use_cache": False}
    package_index = ckan_search.index_for(model.Package)
    show = tk.get_action("package_show")
    with _dictized(dicts), document.prefetched(packages), _solr_adds_batched():
        for package_id in package_ids:
            package_index.update_dict(show(context, {"id": package_id}), True)
    model.Session.commit()


class _CollectedAdds:
    """What ``index_package`` takes for a Solr connection: keeps the
    documents it is given (not committed: ``index_chunk`` defers the commit)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.docs: list[dict[str, Any]] = []

    def add(self, docs: Iterable[dict[str, Any]], commit: bool = False, **kwargs: Any) -> str:
        self.docs.extend(docs)
        return ""


@contextlib.contextmanager
def _solr_adds_batched() -> Iterator[None]:
    """With Solr, the documents ``index_package`` sends in the block go in
    one request when it ends; an error of Solr's is CKAN's ``SearchIndexError``
    as ``index_package`` raises it, and the block's documents are then not
    indexed (the rebuild tries the chunk again)."""
    import pysolr

    import ckan.lib.search.index as ckan_index
    from ckanext.govshare.search import backend

    if backend.is_installed():
        yield
        return
    make_connection = ckan_index.make_connection
    collected = _CollectedAdds(ckan_search.SolrSettings.get()[0] or "")
    ckan_index.make_connection = lambda *args, **kwargs: collected
    try:
        yield
    finally:
        ckan_index.make_connection = make_connection
    if not collected.docs:
        return
    connection = make_connection()
    try:
        connection.add(docs=collected.docs, commit=False)
    except pysolr.SolrError as error:
        raise ckan_search.SearchIndexError(
            f"Solr returned an error: {error.args[0][:1000]}") from error
    except OSError as error:  # socket.error, as index_package catches it
        raise ckan_search.SearchIndexError(
            f"Could not connect to Solr using {connection.url}: {error}") from error


@contextlib.contextmanager
def _dictized(dicts: dict[str, dict[str, Any]]) -> Iterator[None]:
    """``package_show`` takes the dataset's dict from ``dicts`` (once) instead
    of dictizing it again; anything else (another dataset, plugin data) is
    dictized by CKAN as usual."""
    original = model_dictize.package_dictize

    def package_dictize(pkg: model.Package, context: Context,
                        include_plugin_data: bool = False) -> dict[str, Any]:
        found = None if include_plugin_data else dicts.pop(pkg.id, None)
        if found is None:
            return original(pkg, context, include_plugin_data)
        context["with_capacity"] = False  # as package_dictize leaves it
        return found

    model_dictize.package_dictize = package_dictize
    try:
        yield
    finally:
        model_dictize.package_dictize = original


def _grouped(rows: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = collections.defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def _without_key(dicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for item in dicts:
        item.pop(_KEY, None)
    return dicts


def package_dicts(packages: list[model.Package],
                  context: Context) -> dict[str, dict[str, Any]]:
    """What CKAN 2.11's ``model_dictize.package_dictize(pkg, context)`` returns
    for each of ``packages`` (without plugin data), from one query per
    related table: the same statements with ``IN`` for ``=``, the rows fed
    to the same dictize functions in the same order."""
    ids = [pkg.id for pkg in packages]
    if not ids:
        return {}
    execute = model.Session.execute
    res = model.resource_table
    resources = _grouped(execute(select(res).where(res.c["package_id"].in_(ids))),
                         lambda row: row.package_id)
    tag = model.tag_table
    pkg_tag = model.package_tag_table
    tags = _grouped(execute(
        select(tag, pkg_tag.c["state"], pkg_tag.c["package_id"].label(_KEY))
        .join(pkg_tag, tag.c["id"] == pkg_tag.c["tag_id"])
        .where(pkg_tag.c["package_id"].in_(ids))), lambda row: getattr(row, _KEY))
    extra = model.package_extra_table
    extras = _grouped(execute(select(extra).where(extra.c["package_id"].in_(ids))),
                      lambda row: row.package_id)
    member = model.member_table
    group = model.group_table
    groups = _grouped(execute(
        select(group, member.c["capacity"], member.c["table_id"].label(_KEY))
        .join(member, group.c["id"] == member.c["group_id"])
        .where(member.c["table_id"].in_(ids), member.c["state"] == "active",
               group.c["is_organization"] == False)),  # noqa: E712 (SQL)
        lambda row: getattr(row, _KEY))
    owners = list({pkg.owner_org for pkg in packages if pkg.owner_org})
    organizations = {row.id: row for row in execute(
        select(group).where(group.c["id"].in_(owners)).where(group.c["state"] == "active"))
    } if owners else {}
    rel = model.package_relationship_table
    as_subject = _grouped(execute(select(rel).where(rel.c["subject_package_id"].in_(ids))),
                          lambda row: row.subject_package_id)
    as_object = _grouped(execute(select(rel).where(rel.c["object_package_id"].in_(ids))),
                         lambda row: row.object_package_id)

    dicts = {}
    for pkg in packages:
        # CKAN 2.11 model_dictize.package_dictize, step by step
        result_dict = d.table_dictize(pkg, context)
        if result_dict.get("title"):
            result_dict["title"] = result_dict["title"].strip()
        result_dict.pop("plugin_data", None)
        result_dict["resources"] = model_dictize.resource_list_dictize(
            resources.get(pkg.id, []), context)
        result_dict["num_resources"] = len(result_dict.get("resources", []))
        result_dict["tags"] = _without_key(d.obj_list_dictize(
            tags.get(pkg.id, []), context, lambda x: x["name"]))
        result_dict["num_tags"] = len(result_dict.get("tags", []))
        for tag_dict in result_dict["tags"]:
            tag_dict["display_name"] = tag_dict["name"]
        result_dict["extras"] = model_dictize.extras_list_dictize(
            extras.get(pkg.id, []), context)
        context["with_capacity"] = False
        result_dict["groups"] = _without_key(model_dictize.group_list_dictize(
            groups.get(pkg.id, []), context, with_package_counts=False))
        owner = organizations.get(pkg.owner_org) if pkg.owner_org else None
        found = d.obj_list_dictize([owner] if owner is not None else [], context)
        result_dict["organization"] = found[0] if found else None
        result_dict["relationships_as_subject"] = d.obj_list_dictize(
            as_subject.get(pkg.id, []), context)
        result_dict["relationships_as_object"] = d.obj_list_dictize(
            as_object.get(pkg.id, []), context)
        result_dict["isopen"] = pkg.isopen if isinstance(pkg.isopen, bool) else pkg.isopen()
        result_dict["type"] = pkg.type or "dataset"
        if pkg.license and pkg.license.url:
            result_dict["license_url"] = pkg.license.url
            result_dict["license_title"] = pkg.license.title.split("::")[-1]
        elif pkg.license:
            result_dict["license_title"] = pkg.license.title
        else:
            result_dict["license_title"] = pkg.license_id
        result_dict["metadata_modified"] = pkg.metadata_modified.isoformat()
        result_dict["metadata_created"] = pkg.metadata_created.isoformat() \
            if pkg.metadata_created else None
        dicts[pkg.id] = result_dict
    return dicts
