"""Each dataset indexed once per commit, not twice.

CKAN indexes a dataset when the transaction that changed it commits: its
``DomainObjectModificationExtension`` tells the ``synchronous_search``
plugin of each new dataset, then of each changed one, which includes the
datasets of every new or changed resource, tag or extra. A dataset created
with resources is therefore on both lists, and indexed twice in the same
commit, from the same state: ``package_show`` and ``index_package`` again,
about a fifth of a ``package_create``. This module skips the second:
within one commit, a dataset already indexed as new is not indexed again
as changed. A dataset changed in a later commit is indexed again, as are
deletions.

It wraps ``SynchronousSearchPlugin.notify`` (monkeypatching, as
:mod:`ckanext.govshare.database.user_lookup` does), once, from
``IConfigurer.update_config``; ``uninstall`` gives CKAN its own back. What
was indexed is kept in the session's ``_object_cache``, which CKAN makes
for each commit and deletes after it or after a rollback.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import ckan.model as model
from ckan.lib import search

#: the key, in the commit's ``_object_cache``, of the ids indexed as new
INDEXED_AS_NEW = "govshare_indexed_as_new"

_original: Optional[Callable[..., None]] = None


def _notify(plugin: Any, entity: Any, operation: str) -> None:
    assert _original is not None
    if isinstance(entity, model.Package):
        cache = getattr(model.Session(), "_object_cache", None)
        if cache is not None:
            indexed = cache.setdefault(INDEXED_AS_NEW, set())
            if operation == model.DomainObjectOperation.new:
                indexed.add(entity.id)
            elif operation == model.DomainObjectOperation.changed and entity.id in indexed:
                return
    _original(plugin, entity, operation)


def install() -> None:
    """Index a dataset once per commit (idempotent)."""
    global _original
    if _original is not None:
        return
    _original = search.SynchronousSearchPlugin.notify
    search.SynchronousSearchPlugin.notify = _notify  # type: ignore[method-assign]


def uninstall() -> None:
    """Give CKAN its own ``notify`` back."""
    global _original
    if _original is None:
        return
    search.SynchronousSearchPlugin.notify = _original  # type: ignore[method-assign]
    _original = None
