"""What GovShare adds to a dataset's search document, for either engine.

* ``organization_title`` and ``organization_alias``: the agency's name and
  short names (卫健委), so a search for the agency finds all its datasets
  (CKAN indexes only the organization's URL name);
* ``resources_accessed_total``: how often the dataset's files were
  downloaded (CKAN's field for it), which orders results tied on relevance.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.model as model

SORT_OPTION = "ckan.search.default_package_sort"
#: CKAN's default order of search results
CKAN_SORT = "score desc, metadata_modified desc"
#: GovShare's: results tied on relevance, most downloaded first, then newest
SORT = "score desc, resources_accessed_total desc, metadata_modified desc"

_DOWNLOADS_SQL = sa.text(
    "SELECT COALESCE(sum(count), 0) FROM govshare_download_count WHERE package_id = :id")


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    from ckanext.govshare.catalog.logic.validators import aliases
    from ckanext.govshare.search import vocabulary

    vocabulary.forget()

    organization = model.Group.get(pkg_dict["owner_org"]) if pkg_dict.get("owner_org") else None
    if organization is not None:
        pkg_dict["organization_title"] = organization.title
        short_names = aliases(organization.extras.get("alias"))
        if short_names:
            pkg_dict["organization_alias"] = short_names
    if pkg_dict.get("id"):
        pkg_dict["resources_accessed_total"] = int(
            model.Session.execute(_DOWNLOADS_SQL, {"id": pkg_dict["id"]}).scalar() or 0)
    return pkg_dict


def configure(config: Any) -> None:
    """Order search results by downloads before recency, unless the site's
    ini chose its own order."""
    if (config.get(SORT_OPTION) or CKAN_SORT) == CKAN_SORT:
        config[SORT_OPTION] = SORT
