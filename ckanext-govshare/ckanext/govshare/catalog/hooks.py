"""An organization's names are in its datasets' search documents.

Decision: each dataset's search document carries what the public calls its
agency: the organization's name (CKAN's ``organization`` field and facet),
its title and its short names (``alias``, :func:`..logic.validators.aliases`;
GovShare's search indexes them as ``organization_title`` and
``organization_alias``), and CKAN keeps the organization as it was in the
document's ``data_dict``, which search results show. CKAN 2.11's
``organization_update`` re-indexes only datasets added to or removed from
the organization, so when one of those names changes, ``organization_edit``
(``IOrganizationController.edit``, called after the organization is saved and
before the transaction is committed) re-indexes every dataset the
organization owns that CKAN indexes (any state but deleted: drafts and
private ones too), as ``ckan search-index rebuild`` would.

Other edits (description, contacts, image) re-index nothing: an agency with
thousands of datasets is not re-indexed for a new phone number.
"""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import search

log = logging.getLogger(__name__)

#: The organization's columns and extras the search documents read.
INDEXED_COLUMNS = ("name", "title")
INDEXED_EXTRAS = ("alias",)


def organization_edit(entity: Any) -> None:
    """After ``organization_update`` saved the organization: re-index its
    datasets when its name, title or short names changed, unless CKAN's
    automatic indexing (the ``synchronous_search`` system plugin) was
    unloaded. Anything else is left alone: ``package_update`` calls
    ``IPackageController.edit``, of the same name, with the dataset."""
    if not (isinstance(entity, model.Group) and entity.is_organization):
        return
    if p.plugin_loaded("synchronous_search") and indexed_names_changed(entity):
        reindex_datasets(entity.id)


def indexed_names_changed(group: model.Group) -> bool:
    """Whether the session holds a change, not yet flushed, of one of the
    organization's names the search documents read. CKAN's session does not
    flush on its own (``autoflush=False``), and ``organization_update`` does
    not flush between saving the organization and calling ``edit``."""
    state = sa.inspect(group)
    if any(state.attrs[column].history.has_changes() for column in INDEXED_COLUMNS):
        return True
    extras = state.attrs["_extras"]
    if any(extra.key in INDEXED_EXTRAS for extra in extras.history.deleted or ()):
        return True
    for key in INDEXED_EXTRAS:
        extra = group._extras.get(key)
        if extra is not None and sa.inspect(extra).attrs["value"].history.has_changes():
            return True
    return False


def reindex_datasets(organization_id: str) -> int:
    """Re-index every dataset the organization owns that CKAN indexes (any
    state but deleted), committing the index once; the number re-indexed.

    The session is flushed first: ``package_show`` reads the organization
    with SQL of its own, which sees only what was flushed."""
    model.Session.flush()
    ids = [row.id for row in model.Session.query(model.Package.id).filter(
        model.Package.owner_org == organization_id,
        model.Package.state != model.State.DELETED)]
    index = search.index_for(model.Package)
    show = tk.get_action("package_show")
    for package_id in ids:
        context: Any = {"ignore_auth": True, "validate": False, "use_cache": False}
        index.update_dict(show(context, {"id": package_id}), defer_commit=True)
    if ids:
        index.commit()
    log.info("Re-indexed %d datasets of organization %s", len(ids), organization_id)
    return len(ids)
