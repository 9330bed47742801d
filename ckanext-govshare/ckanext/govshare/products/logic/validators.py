"""Validators of the data product schema (schemas/data_product.yaml).

* ``govshare_product_sources`` (after): the web form's empty source rows
  are not sources; at least one source is left, and every
  new or changed source checked and verified by
  :mod:`ckanext.govshare.products.sources` (an unchanged one is kept as
  recorded) — the dataset is stored by id, and ``verification``,
  ``evidence`` and ``grant_id`` are written here;
* ``govshare_product_computed``: a subfield the user may not set (whatever
  is sent is dropped);
* ``govshare_product_no_owner_org``: a product has no organization.
"""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.govshare.products import sources

SOURCES = "sources"
#: the subfields a user fills in; a row with none of them is blank
USER_SUBFIELDS = ("dataset", "obtained_date", "resource")


def _blank(value: Any) -> bool:
    return value is tk.missing or value is None or (isinstance(value, str) and not value.strip())


def _rows(data: FlattenDataDict) -> list[int]:
    return sorted({k[1] for k in data if len(k) == 3 and k[0] == SOURCES})


def _drop_blank_rows(data: FlattenDataDict, errors: FlattenErrorDict) -> list[int]:
    """Forget source rows whose dataset, date and resource are all blank (the
    web form's empty rows), with their errors, and number the others from 0."""
    rows = _rows(data)
    keep = [n for n in rows
            if not all(_blank(data.get((SOURCES, n, f))) for f in USER_SUBFIELDS)]
    if keep == rows:
        return rows
    for store in (data, errors):
        moved = {}
        for k in [k for k in store if len(k) == 3 and k[0] == SOURCES]:
            value = store.pop(k)
            if k[1] in keep:
                moved[(SOURCES, keep.index(k[1]), k[2])] = value
        store.update(moved)
    return list(range(len(keep)))


def govshare_product_computed(key: FlattenKey, data: FlattenDataDict,
                              errors: FlattenErrorDict, context: Context) -> None:
    """Computed by ``govshare_product_sources``: never taken from the user."""
    data.pop(key, None)
    raise tk.StopOnError


def govshare_product_no_owner_org(key: FlattenKey, data: FlattenDataDict,
                                  errors: FlattenErrorDict, context: Context) -> None:
    """A product belongs to its registrant, never to an organization."""
    data[key] = None
    raise tk.StopOnError


def govshare_product_sources(key: FlattenKey, data: FlattenDataDict,
                             errors: FlattenErrorDict, context: Context) -> None:
    """At least one source; each one citable by the registrant (see
    :mod:`ckanext.govshare.products.sources`) and marked verified or declared."""
    rows = _drop_blank_rows(data, errors)
    if not rows:
        if not any(k[0] == SOURCES and errors.get(k) for k in errors):
            errors.setdefault((SOURCES,), []).append(tk._(
                "List at least one source: the dataset used and the date it was obtained"))
        return
    caller = sources.registrant(context)
    already = sources.recorded(context)
    for n in rows:
        dataset_key, date_key = (SOURCES, n, "dataset"), (SOURCES, n, "obtained_date")
        if errors.get(dataset_key) or errors.get(date_key):
            continue
        resource = data.get((SOURCES, n, "resource"))
        resource = None if _blank(resource) else str(resource)
        kept = already.get(sources.source_key(data[dataset_key], data.get(date_key), resource)
                           ) if already else None
        if kept is not None:  # unchanged since recorded: kept as it was
            _store(data, n, kept["dataset"], kept["obtained_date"], kept.get("resource"),
                   kept.get("verification") or sources.DECLARED, kept.get("evidence"),
                   kept.get("grant_id"))
            continue
        try:
            checked = sources.check(caller, str(data[dataset_key]), data.get(date_key), resource)
        except sources.SourceError as error:
            errors.setdefault((SOURCES, n, error.field), []).append(error.message)
            continue
        _store(data, n, checked.package.id, checked.obtained.isoformat(), checked.resource_id,
               checked.verification, checked.evidence, checked.grant_id)


def _store(data: FlattenDataDict, n: int, dataset: str, obtained: str,
           resource: Any, verification: str, evidence: Any, grant_id: Any) -> None:
    """Source row ``n`` as stored: the dataset by id, the date in ISO form
    and what backs it."""
    data[(SOURCES, n, "dataset")] = dataset
    data[(SOURCES, n, "obtained_date")] = obtained
    data[(SOURCES, n, "verification")] = verification
    for field, value in (("resource", resource), ("evidence", evidence),
                         ("grant_id", grant_id)):
        if value:
            data[(SOURCES, n, field)] = value
        else:
            data.pop((SOURCES, n, field), None)


def get_validators() -> dict[str, Callable[..., Any]]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_product") and callable(fn)}
