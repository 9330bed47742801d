"""Is a dataset published? The one answer the tier policy's facts read.

With review off (``ckanext.govshare.publication.review = false``) every
dataset counts as published, whatever state it was left in. A dataset
without a publication row counts as a draft.
"""
from __future__ import annotations

from typing import Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.publication import workflow
from ckanext.govshare.publication.model import publication_table


def review_on() -> bool:
    """Are entries reviewed before they are opened (on by default)?"""
    return bool(tk.config.get(options.PUBLICATION_REVIEW))


def is_published(state: Optional[str]) -> bool:
    """Whether a dataset in ``state`` (None: no row) is open to outsiders."""
    return state == workflow.PUBLISHED or not review_on()


def state_of(package_id: str) -> Optional[str]:
    """The stored state of a dataset (None: it has none, i.e. a draft)."""
    return model.Session.execute(
        sa.select(publication_table.c.state)
        .where(publication_table.c.package_id == package_id)).scalar()


def states_of(package_ids: Iterable[str]) -> dict[str, str]:
    ids = list({i for i in package_ids if i})
    if not ids:
        return {}
    rows = model.Session.execute(
        sa.select(publication_table.c.package_id, publication_table.c.state)
        .where(publication_table.c.package_id.in_(ids)))
    return {r.package_id: r.state for r in rows}


def published_clause(package_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """The SQL condition "this dataset is published", for queries that list
    datasets without the permission labels (``package_list``)."""
    if not review_on():
        return sa.true()
    return sa.exists().where(publication_table.c.package_id == package_id,
                             publication_table.c.state == workflow.PUBLISHED)
