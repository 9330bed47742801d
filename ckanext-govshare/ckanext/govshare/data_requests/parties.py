"""Interested parties (利害关系人, Shanxi 2020 art. 14 ¶2): an agency
answering a data request about one of its own closed entries (不予开放) may
state that the requester is a party whose major interests the data
concerns, and so open that entry — its metadata and its files — to the
requester alone, until a last day it sets.

The answer is ``cannot_open`` (the entry stays closed to the public) with
``interested_party`` true, the entry (``package_id``) and ``valid_until``;
the term is checked as an approval's
(:func:`ckanext.govshare.applications.logic.validation.term_errors`). It
issues a grant (``govshare_grant``) that belongs to the data request, not
to an application, for the whole entry, ``active`` at once (there are no
application terms to accept). :func:`ckanext.govshare.applications.grants.party_packages`
turns the valid ones into the holder's permission labels, so the tier
policy (:mod:`ckanext.govshare.tiers.policy`) opens the entry to the holder
on every surface and to nobody else; it closes again when the grant is
revoked (``govshare_grant_revoke``, the organization's admins) or its term
ends (on the next request; the tick records it ``expired``). The requester
is told of each (:mod:`.notices`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa

import ckan.lib.plugins as lib_plugins
import ckan.lib.search as search
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import logic as own_case
from ckanext.govshare import workdays
from ckanext.govshare.applications import access, grants, notices
from ckanext.govshare.applications.logic.validation import term_errors
from ckanext.govshare.applications.model import Grant
from ckanext.govshare.data_requests import outcomes
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.tiers import hooks as tier_hooks
from ckanext.govshare.tiers import policy

#: the one answer that may open a closed entry to an interested party: the
#: entry stays closed to everyone else
OUTCOME = outcomes.CANNOT_OPEN


def check(data: dict[str, Any], request: DataRequest) -> tuple[model.Package, dt.date]:
    """The closed entry and the last day of an interested party's access
    the answer ``data`` gives; 409 with field messages when the answer does
    not fit (another outcome), the entry is not the agency's own closed,
    published entry, or the term is not one a grant may have."""
    if data["outcome"] != OUTCOME:
        raise tk.ValidationError({"interested_party": [tk._(
            "Only an answer that the data cannot be opened gives an interested party "
            "access to a closed dataset")]})
    missing = {f: [tk._("Missing value")] for f in ("package_id", "valid_until")
               if not data.get(f)}
    if missing:
        raise tk.ValidationError(missing)
    package = model.Package.get(data["package_id"])
    if package is None or package.state != "active":
        raise tk.ValidationError({"package_id": [tk._("Dataset not found")]})
    if not request.owner_org or package.owner_org != request.owner_org:
        raise tk.ValidationError({"package_id": [tk._(
            "Not a dataset of the agency this request was made to")]})
    if not policy.opens_to_parties(policy.PackageFacts.from_model(package)):
        raise tk.ValidationError({"package_id": [tk._(
            "Only a published closed dataset (不予开放) is opened to an interested party: "
            "this one is not")]})
    errors = term_errors(workdays.local_today(), data["valid_until"])
    if errors:
        raise tk.ValidationError({"valid_until": errors.get("valid_until")
                                  or errors.get("valid_from") or []})
    return package, data["valid_until"]


def issue(request: DataRequest, package: model.Package, last_day: dt.date,
          now: dt.datetime) -> Grant:
    """The requester's grant on the whole entry, from ``now`` through
    ``last_day`` (China), in the current transaction."""
    grant = Grant(data_request_id=request.id, user_id=request.user_id,
                  package_id=package.id, owner_org=package.owner_org, resource_ids=[],
                  valid_from=now, valid_until=grants.ends_at(last_day),
                  state=grants.ACTIVE)
    model.Session.add(grant)
    policy.forget_cached_labels()
    return grant


def label_entry(package_id: str, *, commit: bool = True) -> None:
    """After the grant is issued: give the entry's past activities and its
    index document its labels as they are now, the party label among them
    (an entry indexed before the label existed lacks it). Once per grant;
    with ``commit`` False the activities are relabelled in the caller's
    transaction (``defer_commit``), the index at once: the labels do not
    depend on the grant, so the index is right whether or not it commits."""
    package = model.Package.get(package_id)
    if package is None:
        return
    tier_hooks.relabel_activities(
        package.id, lib_plugins.get_permission_labels().get_dataset_labels(package))
    if commit:
        model.repo.commit()
    search.rebuild(package.id)


def grant_of(request_id: str) -> Optional[Grant]:
    return model.Session.query(Grant).filter(Grant.data_request_id == request_id).one_or_none()


def refuse_own_case(user: Optional[model.User], grant: Grant) -> None:
    """403 for the holder revoking their own access, whatever their role
    (sysadmins too, whom CKAN's auth lets through): nobody decides their
    own case."""
    if own_case.deciding_own_case(user, grant.user_id,
                                  access.is_org_admin(user, grant.owner_org)):
        raise tk.NotAuthorized(tk._("Only the admins of the data's organization may revoke "
                                    "a grant, and not their own"))


def revoke(grant: Grant, user: Optional[model.User], reason: str, now: dt.datetime) -> None:
    """End an interested party's grant at once (the caller commits); 409
    when it has ended already. The grant is read again under a lock: a tick
    ending it meanwhile makes this a 409, not a second end (and a second
    notice to the requester)."""
    model.Session.refresh(grant, with_for_update=True)
    if grant.state != grants.ACTIVE:
        raise tk.ValidationError({"id": [tk._("This grant has ended already")]})
    grant.state = grants.REVOKED
    grant.ended_at = now
    grant.ended_by = user.id if user else None
    grant.end_reason = reason
    policy.forget_cached_labels()


#: the grants whose term is over become ``expired`` and each requester gets
#: one ``expired`` notice, in one statement: a grant leaves ``active`` once,
#: so a notice is written once however often the tick runs
_EXPIRE = sa.text("""
WITH ended AS (
    UPDATE govshare_grant
    SET state = :expired, ended_at = :now
    WHERE data_request_id IS NOT NULL AND state = :active AND valid_until <= :now
    RETURNING data_request_id
)
INSERT INTO govshare_application_notice (data_request_id, kind, created_at, attempts)
SELECT data_request_id, :kind, :now, 0 FROM ended
RETURNING id
""")


def expire(now: dt.datetime) -> list[int]:
    """Record as ``expired`` the interested parties' grants whose term is
    over (they already open nothing: the policy checks the time), with a
    notice to each requester; the notices' ids (one per grant ended)."""
    return [row[0] for row in model.Session.execute(
        _EXPIRE, {"now": now, "active": grants.ACTIVE, "expired": grants.EXPIRED,
                  "kind": notices.EXPIRED})]
