"""What GovShare adds to a dataset's search document, for either engine.

* ``organization_title`` and ``organization_alias``: the agency's name and
  short names (卫健委), so a search for the agency finds all its datasets
  (CKAN indexes only the organization's URL name);
* ``resources_accessed_total``: how often the dataset's files were
  downloaded (CKAN's field for it), which orders results tied on relevance.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, NamedTuple, Optional

import sqlalchemy as sa

import ckan.model as model

SORT_OPTION = "ckan.search.default_package_sort"
#: CKAN's default order of search results
CKAN_SORT = "score desc, metadata_modified desc"
#: GovShare's: results tied on relevance, most downloaded first, then newest
SORT = "score desc, resources_accessed_total desc, metadata_modified desc"
#: the other orders the portal lists datasets in: the search page's
#: (templates/package/search.html), the home page's newest, the API
#: examples'. The embedded engine keeps these, and the default sorts' ties,
#: as postings (search/postings.py); any other order is answered by SQL
LISTING_SORTS = ("title_string asc", "title_string desc", "metadata_modified desc",
                 "resources_accessed_total desc, metadata_modified desc",
                 "metadata_created desc", "name asc")

_DOWNLOADS_SQL = sa.text(
    "SELECT COALESCE(sum(count), 0) FROM govshare_download_count WHERE package_id = :id")
_MANY_DOWNLOADS_SQL = sa.text(
    "SELECT package_id, sum(count) FROM govshare_download_count"
    " WHERE package_id = ANY(:ids) GROUP BY package_id")
_ORGANIZATIONS_SQL = sa.text(
    "SELECT g.id, g.title, e.value FROM \"group\" g LEFT JOIN group_extra e"
    " ON e.group_id = g.id AND e.key = 'alias' WHERE g.id = ANY(:ids)")


class _Organization(NamedTuple):
    title: Optional[str]
    alias: Optional[str]


class _Prefetched(NamedTuple):
    """What :func:`before_dataset_index` reads, for a chunk of datasets."""
    organizations: dict[str, _Organization]
    downloads: dict[str, int]


_prefetched: Optional[_Prefetched] = None


@contextlib.contextmanager
def prefetched(packages: list[model.Package]) -> Iterator[None]:
    """While indexing these datasets (a bulk re-index), their organizations'
    names and their downloads are read once for all, not once each."""
    global _prefetched
    ids = [pkg.id for pkg in packages]
    owners = list({pkg.owner_org for pkg in packages if pkg.owner_org})
    organizations = {row[0]: _Organization(row[1], row[2]) for row in model.Session.execute(
        _ORGANIZATIONS_SQL, {"ids": owners})} if owners else {}
    downloads = {row[0]: int(row[1] or 0) for row in model.Session.execute(
        _MANY_DOWNLOADS_SQL, {"ids": ids})} if ids else {}
    _prefetched = _Prefetched(organizations, dict.fromkeys(ids, 0) | downloads)
    try:
        yield
    finally:
        _prefetched = None


def _organization(owner_org: str) -> Optional[_Organization]:
    known = _prefetched
    if known is not None and owner_org in known.organizations:
        return known.organizations[owner_org]
    organization = model.Group.get(owner_org)
    if organization is None:
        return None
    return _Organization(organization.title, organization.extras.get("alias"))


def _downloads(package_id: str) -> int:
    known = _prefetched
    if known is not None and package_id in known.downloads:
        return known.downloads[package_id]
    return int(model.Session.execute(_DOWNLOADS_SQL, {"id": package_id}).scalar() or 0)


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    from ckanext.govshare.catalog.logic.validators import aliases
    from ckanext.govshare.search import vocabulary

    vocabulary.forget()

    organization = _organization(pkg_dict["owner_org"]) if pkg_dict.get("owner_org") else None
    if organization is not None:
        pkg_dict["organization_title"] = organization.title
        short_names = aliases(organization.alias)
        if short_names:
            pkg_dict["organization_alias"] = short_names
    if pkg_dict.get("id"):
        pkg_dict["resources_accessed_total"] = _downloads(pkg_dict["id"])
    return pkg_dict


def configure(config: Any) -> None:
    """Order search results by downloads before recency, unless the site's
    ini chose its own order."""
    if (config.get(SORT_OPTION) or CKAN_SORT) == CKAN_SORT:
        config[SORT_OPTION] = SORT
