"""Grants open conditional data to their holders: the tier policy's grant
checker (:func:`ckanext.govshare.tiers.policy.register_grant_checker`).

A grant counts while its state is ``active`` and now lies in
[valid_from, valid_until): the time is checked on every request, so a grant
closes at its end even before the tick marks it expired, and a revocation
(state ``revoked``, committed) closes it at once. Where the jurisdiction
profile requires the applicant to accept the approval's terms, the grant is
issued ``awaiting_acceptance`` and opens nothing until the applicant's
``accept_terms`` makes it ``active``. :func:`valid_grant_clause` (and
:func:`opens_files`, the same rule for one grant in hand) is the only place
that decides whether a grant opens files.

A grant of a data request's answer (``data_request_id``, no application)
opens a closed entry to the requester as an interested party (利害关系人):
:func:`party_packages` gives the tier policy the entries a user holds one
on, which become the user's labels (:func:`..tiers.policy.party_label`).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.applications import kinds
from ckanext.govshare.applications.model import Application, Grant, utcnow
from ckanext.govshare.tiers import policy


#: a grant's states: issued ``awaiting_acceptance`` (the profile requires the
#: applicant's acceptance of the terms) or ``active``; it ends ``expired`` or
#: ``revoked``
AWAITING_ACCEPTANCE = "awaiting_acceptance"
ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
STATES = (AWAITING_ACCEPTANCE, ACTIVE, EXPIRED, REVOKED)


def valid_grant_clause(now=None) -> sa.ColumnElement[bool]:
    """The grants that open files now (SQL)."""
    now = now or utcnow()
    return sa.and_(Grant.state == ACTIVE, Grant.valid_from <= now, Grant.valid_until > now)


def opens_files(grant: Grant, now=None) -> bool:
    """Whether ``grant`` opens files now: :func:`valid_grant_clause` for one
    grant in hand (the pages' and the API's ``valid``)."""
    now = now or utcnow()
    return grant.state == ACTIVE and grant.valid_from <= now < grant.valid_until


def user_has_grant(user: model.User, package_id: str, resource_id: Optional[str],
                   *, agencies_only: bool = False) -> bool:
    """Whether ``user`` holds a valid grant of an approved application for
    the resource (``resource_id`` None: for the whole dataset); with
    ``agencies_only``, one from an approved sharing request (a closed dataset
    shared on conditions: a grant the public had while it was conditional
    does not open it). An interested party's grant (a data request's) is not
    one: it opens a closed entry only, through :func:`party_packages`, and
    nothing once the entry is made conditional."""
    covers = sa.func.cardinality(Grant.resource_ids) == 0  # empty: every resource
    if resource_id is not None:
        covers = sa.or_(covers, Grant.resource_ids.any(resource_id))
    query = sa.select(sa.literal(1)).where(
        Grant.user_id == user.id, Grant.package_id == package_id,
        Grant.application_id.is_not(None), valid_grant_clause(), covers)
    if agencies_only:
        query = query.where(Grant.application_id.in_(
            sa.select(Application.id).where(Application.kind == kinds.SHARING)))
    return model.Session.execute(query.limit(1)).first() is not None


def party_packages(user: model.User) -> list[str]:
    """The closed entries ``user`` holds a valid interested party's grant
    on (a data request's answer), for the tier policy's labels: while the
    entry is still the organization's that issued the grant (one moved to
    another organization is that one's to open, and its admins could not
    revoke a grant they did not issue)."""
    return list(model.Session.scalars(sa.select(Grant.package_id).join(
        model.Package, model.Package.id == Grant.package_id).where(
        Grant.user_id == user.id, Grant.data_request_id.is_not(None),
        model.Package.owner_org == Grant.owner_org, valid_grant_clause())))


def ends_at(last_day: dt.date) -> dt.datetime:
    """When a grant whose last day is ``last_day`` ends: midnight after it
    in China, as the naive UTC timestamp stored in ``valid_until``."""
    local = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(),
                                tzinfo=workdays.timezone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def last_day(valid_until: dt.datetime) -> dt.date:
    """A grant's last day (China) from its end, ``valid_until``: the
    inverse of :func:`ends_at`."""
    return workdays.local_date(valid_until) - dt.timedelta(days=1)


def register() -> None:
    policy.register_grant_checker(user_has_grant)
    policy.register_party_grants(party_packages)
