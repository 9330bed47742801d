"""ckanext-dcat's RDF profiles looked up once per process, not per request.

Every ``RDFSerializer`` ckanext-dcat (2.4.4, pinned) makes — one per
``/catalog.<format>``, ``/dataset/<id>.<format>`` and ``dcat_*`` call —
finds each profile class with ``importlib.metadata.entry_points(group=…,
name=…)``, which reads the entry points of every installed distribution:
about 25 ms a profile on this machine, two or three profiles a request, more
than the serialization itself. The installed entry points cannot change
while the process runs (installing a package needs a restart), so
:func:`install` hands ckanext-dcat's processors module a memoised lookup
with the same signature and answers. Runs once, from
``IConfigurer.update_config``; :func:`uninstall` gives the original back.
"""
from __future__ import annotations

import functools
import importlib.metadata
from typing import Any, Callable, Optional

#: the module whose ``entry_points`` name is replaced
MODULE = "ckanext.dcat.processors"

_original: Optional[Callable[..., Any]] = None


@functools.lru_cache(maxsize=256)
def _cached(**params: Any) -> importlib.metadata.EntryPoints:
    return importlib.metadata.entry_points(**params)


def entry_points(**params: Any) -> Any:
    """``importlib.metadata.entry_points`` answered from memory for the
    (hashable) selections ckanext-dcat makes."""
    try:
        return _cached(**params)
    except TypeError:  # an unhashable selection: ask every time
        return importlib.metadata.entry_points(**params)


def install() -> None:
    """Give ckanext-dcat the memoised lookup (idempotent; nothing to do
    without ckanext-dcat)."""
    global _original
    if _original is not None:
        return
    try:
        import ckanext.dcat.processors as processors
    except ImportError:
        return
    _original = processors.entry_points
    processors.entry_points = entry_points


def uninstall() -> None:
    global _original
    if _original is None:
        return
    import ckanext.dcat.processors as processors

    processors.entry_points = _original
    _original = None
