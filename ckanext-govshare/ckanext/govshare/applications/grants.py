"""Grants open conditional data to their holders: the tier policy's grant
checker (:func:`ckanext.govshare.tiers.policy.register_grant_checker`).

A grant counts while its state is ``active`` and now lies in
[valid_from, valid_until): the time is checked on every request, so a grant
closes at its end even before the tick marks it expired, and a revocation
(state ``revoked``, committed) closes it at once.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare.applications.model import Grant, utcnow
from ckanext.govshare.tiers import policy


def valid_grant_clause(now=None) -> sa.ColumnElement[bool]:
    now = now or utcnow()
    return sa.and_(Grant.state == "active", Grant.valid_from <= now, Grant.valid_until > now)


def user_has_grant(user: model.User, package_id: str, resource_id: Optional[str]) -> bool:
    """Whether ``user`` holds a valid grant for the resource (``resource_id``
    None: for the whole dataset)."""
    covers = sa.func.cardinality(Grant.resource_ids) == 0  # empty: every resource
    if resource_id is not None:
        covers = sa.or_(covers, Grant.resource_ids.any(resource_id))
    query = sa.select(sa.literal(1)).where(
        Grant.user_id == user.id, Grant.package_id == package_id,
        valid_grant_clause(), covers).limit(1)
    return model.Session.execute(query).first() is not None


def register() -> None:
    policy.register_grant_checker(user_has_grant)
