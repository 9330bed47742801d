"""The sources of a data product, checked and verified in one place.

A source names a dataset of the catalog (id or name), the date its data was
obtained and, optionally, one of its resources. :func:`check` decides whether
the registrant may cite it, and :func:`verify` whether their own records back
the date:

* the dataset must exist, be an active catalog entry and be visible to the
  registrant — a closed or private dataset they may not see is reported
  exactly like an unknown one, so the form never tells whether it exists;
* the obtained date may be neither in the future (China time) nor before the
  dataset was first published (its release date, else when it was created);
* a **conditional** dataset (or a closed one shared on conditions, which
  agency staff see) needs a grant of the registrant's, past or present,
  unless they are a member of the owning organization, a collaborator or a
  sysadmin, or the dataset is shared unconditionally and they are agency staff;
* a source is **verified** when the registrant's own download receipt of
  that dataset (or resource) falls on the obtained date, or a grant of theirs
  covered the dataset (or resource) on that date; otherwise **declared**.

The registrant is the user registering the product, or, when a product is
updated, the user who registered it: a sysadmin's edit neither widens nor
narrows what the product may cite.

A source the product already records, unchanged (same dataset, date and
resource), is kept as recorded on update without being checked again: the
product states what was obtained then, and a dataset closed, deleted or
republished since must neither block an edit of the product's description
nor rewrite its history (:func:`recorded`). New and changed sources are
checked.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.applications.grants import AWAITING_ACCEPTANCE
from ckanext.govshare.applications.model import Grant
from ckanext.govshare.labelling.model import DownloadReceipt
from ckanext.govshare.tiers import policy

PRODUCT_TYPE = "data_product"
#: the catalog's own dataset type: the only type a product may cite
DATASET_TYPE = "dataset"

VERIFIED = "verified"
DECLARED = "declared"
#: what backs a verified source
RECEIPT = "receipt"
GRANT = "grant"


def unknown_dataset_message() -> str:
    return tk._("No such dataset on this portal")


class SourceError(Exception):
    """A source refused: ``field`` (``dataset``, ``obtained_date`` or
    ``resource``) and a translated message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass
class Checked:
    """A source that may be cited, with what the product stores about it."""

    package: model.Package
    resource_id: Optional[str]
    obtained: dt.date
    verification: str = DECLARED
    evidence: Optional[str] = None
    grant_id: Optional[str] = None


def first_published(pkg: model.Package) -> Optional[dt.date]:
    """When the dataset was first published: its release date (发布日期), else
    when it was created on the portal."""
    released = workdays.parse_date(pkg.extras.get("release_date"))
    if released:
        return released
    return workdays.local_date(pkg.metadata_created) if pkg.metadata_created else None


def find_dataset(reference: str) -> Optional[model.Package]:
    pkg = model.Package.get(reference)
    if pkg is None or pkg.state != "active" or (pkg.type or DATASET_TYPE) != DATASET_TYPE:
        return None
    return pkg


def registrant(context: Any) -> policy.Caller:
    """Who the product's sources are checked for (see the module docstring)."""
    package = context.get("package")
    if isinstance(package, model.Package) and package.creator_user_id:
        return policy.Caller.for_user(package.creator_user_id)
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User):
        user = context.get("user")
    if not user and context.get("ignore_auth"):
        return policy.Caller(user=None, privileged=True)  # an internal call
    return policy.Caller.for_user(user)


#: what identifies a recorded source: dataset id, obtained date, resource id
SourceKey = tuple[str, str, Optional[str]]


def source_key(dataset: Any, obtained: Any, resource: Any) -> Optional[SourceKey]:
    """The key of a source as sent (dataset by name or id), or None when its
    date is no date."""
    day = workdays.parse_date(obtained)
    if not dataset or day is None:
        return None
    pkg = model.Package.get(str(dataset))
    return (pkg.id if pkg else str(dataset), day.isoformat(), str(resource) if resource else None)


def recorded(context: Any) -> dict[SourceKey, dict[str, Any]]:
    """The sources the product being updated records now, by key (empty when
    a product is being created)."""
    package = context.get("package")
    if not isinstance(package, model.Package) or package.type != PRODUCT_TYPE:
        return {}
    try:
        rows = json.loads(package.extras.get("sources") or "[]")
    except ValueError:
        return {}
    found = {}
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("dataset") and row.get("obtained_date"):
            found[(row["dataset"], row["obtained_date"], row.get("resource") or None)] = row
    return found


def check(caller: policy.Caller, dataset: str, obtained: Any,
          resource: Optional[str] = None, *, today: Optional[dt.date] = None) -> Checked:
    """The source, checked for ``caller``; raises :class:`SourceError`."""
    pkg = find_dataset(dataset)
    if pkg is None:
        raise SourceError("dataset", unknown_dataset_message())
    facts = policy.PackageFacts.from_model(pkg)
    if not policy.can_see(caller, facts):
        raise SourceError("dataset", unknown_dataset_message())

    resource_id = None
    if resource:
        res = model.Resource.get(resource)
        if res is None or res.package_id != pkg.id or res.state != "active":
            raise SourceError("resource", tk._("No such resource in this dataset"))
        resource_id = res.id

    day = workdays.parse_date(obtained)
    if day is None:
        raise SourceError("obtained_date", tk._("Date format incorrect"))
    today = today or workdays.local_today()
    if day > today:
        raise SourceError("obtained_date", tk._("The date obtained cannot be in the future"))
    first = first_published(pkg)
    if first and day < first:
        raise SourceError("obtained_date", tk._(
            "The date obtained cannot be before the dataset was first published "
            "({date})").format(date=first.isoformat()))

    checked = Checked(package=pkg, resource_id=resource_id, obtained=day)
    grants = _grants(caller, pkg.id) if facts.tier != policy.UNCONDITIONAL else []
    if facts.tier != policy.UNCONDITIONAL and not grants and not (
            policy.is_insider(caller, facts) or policy.shared_with(caller, facts)):
        raise SourceError("dataset", tk._(
            "This dataset is open on conditions: you can cite it once your "
            "application for it has been approved") if facts.tier == policy.CONDITIONAL
            else tk._("This dataset is shared on conditions: you can cite it once your "
                      "organization's sharing request has been approved"))
    if grants:
        checked.grant_id = grants[0].id  # the latest, unless one covers the date
    verify(caller, checked, grants)
    return checked


def _grants(caller: policy.Caller, package_id: str) -> list[Grant]:
    """The caller's grants for the dataset that have begun, newest first
    (whatever their state now: a grant that ended is a past grant; one whose
    terms the applicant has not accepted yet is none)."""
    if caller.user is None:
        return []
    return (model.Session.query(Grant)
            .filter(Grant.user_id == caller.user.id, Grant.package_id == package_id,
                    Grant.state != AWAITING_ACCEPTANCE,
                    Grant.valid_from <= dt.datetime.utcnow())
            .order_by(Grant.valid_from.desc()).all())


def _grant_covers(grant: Grant, day: dt.date, resource_id: Optional[str]) -> bool:
    if resource_id and grant.resource_ids and resource_id not in grant.resource_ids:
        return False
    end = grant.valid_until
    if grant.ended_at and grant.ended_at < end:
        end = grant.ended_at
    # the grant's last moment is just before ``end``
    last = workdays.local_date(end - dt.timedelta(microseconds=1))
    return workdays.local_date(grant.valid_from) <= day <= last


def _receipt_on(user_id: str, package_id: str, resource_id: Optional[str],
                day: dt.date) -> bool:
    """A receipt of the user's for the dataset (resource) obtained on ``day``
    (China time). Receipts are stored in UTC: look a day either side, then
    compare local dates."""
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time())
    end = dt.datetime.combine(day + dt.timedelta(days=2), dt.time())
    query = (sa.select(DownloadReceipt.obtained_at)
             .where(DownloadReceipt.user_id == user_id,
                    DownloadReceipt.package_id == package_id,
                    DownloadReceipt.obtained_at >= start,
                    DownloadReceipt.obtained_at < end))
    if resource_id:
        query = query.where(DownloadReceipt.resource_id == resource_id)
    return any(workdays.local_date(at) == day
               for (at,) in model.Session.execute(query))


def verify(caller: policy.Caller, checked: Checked, grants: list[Grant]) -> None:
    """Mark ``checked`` verified when the caller's receipt or grant backs its date."""
    if caller.user is None:
        return
    if _receipt_on(caller.user.id, checked.package.id, checked.resource_id, checked.obtained):
        checked.verification, checked.evidence = VERIFIED, RECEIPT
        return
    for grant in grants:
        if _grant_covers(grant, checked.obtained, checked.resource_id):
            checked.verification, checked.evidence = VERIFIED, GRANT
            checked.grant_id = grant.id
            return
