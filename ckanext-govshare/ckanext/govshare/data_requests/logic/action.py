"""Data requests (需求征集): ask, show, list, support, answer.

The answer period is the jurisdiction profile's ``data_request`` procedure,
counted by the applications' deadline functions
(:mod:`ckanext.govshare.applications.deadline`); nobody answers their own
request (:func:`ckanext.govshare.logic.deciding_own_case`). An answer may
open a closed entry to the requester as an interested party
(:mod:`..parties`); the entry a request links to is shown only to those who
may see it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import logic as own_case
from ckanext.govshare import workdays
from ckanext.govshare.applications import access, deadline, dictization, notices
from ckanext.govshare.applications.logic import action as steps
from ckanext.govshare.applications.model import utcnow
from ckanext.govshare.data_requests import outcomes, parties
from ckanext.govshare.data_requests.logic import schema
from ckanext.govshare.data_requests.model import ANSWERED, SUBMITTED, DataRequest, Support
from ckanext.govshare.jurisdiction import profile
from ckanext.govshare.logic import context_user, given_id, validate as _validate
from ckanext.govshare.tiers import policy


def _iso(value: Any) -> Optional[str]:
    return value.isoformat() if value is not None else None


def may_answer(user: Optional[model.User], request: DataRequest) -> bool:
    """The admins and editors of the agency asked, and sysadmins (who answer
    the requests that name no agency); never the requester."""
    if user is None or user.id == request.user_id:
        return False
    return bool(user.sysadmin or (request.owner_org and access.is_reviewer(
        user, request.owner_org)))


@dataclasses.dataclass
class Page:
    """What the dicts of a page of requests read, in one query each (a page
    of 20 made some 60 queries, one of each per request)."""

    organizations: dict[str, model.Group]
    #: the datasets answers link to that the viewer may see (a closed entry
    #: opened to an interested party is not named to anyone else)
    packages: dict[str, model.Package]
    #: the requests the viewer supports
    supported: set[str]

    @classmethod
    def of(cls, requests: list[DataRequest], viewer: Optional[model.User]) -> "Page":
        org_ids = {r.owner_org for r in requests if r.owner_org}
        package_ids = {r.package_id for r in requests if r.package_id}
        caller = policy.Caller.for_user(viewer)
        return cls(
            organizations={g.id: g for g in model.Session.query(model.Group).filter(
                model.Group.id.in_(org_ids))} if org_ids else {},
            packages={p.id: p for p in model.Session.query(model.Package).filter(
                model.Package.id.in_(package_ids))
                if policy.can_see(caller, policy.PackageFacts.from_model(p))}
            if package_ids else {},
            supported={request_id for (request_id,) in model.Session.query(
                Support.request_id).filter(Support.user_id == viewer.id,
                                           Support.request_id.in_([r.id for r in requests]))}
            if viewer is not None and requests else set())


def may_revoke(user: Optional[model.User], grant: Any) -> bool:
    """Who may end an interested party's grant: as any grant, the admins of
    the dataset's organization and sysadmins, never its holder
    (``govshare_grant_revoke``'s auth)."""
    return bool(user is not None and user.id != grant.user_id
                and access.is_org_admin(user, grant.owner_org))


def request_dict(request: DataRequest, viewer: Optional[model.User], *,
                 today: Optional[dt.date] = None,
                 page: Optional[Page] = None) -> dict[str, Any]:
    """A data request as ``viewer`` may see it: who asked, and whether an
    interested party's grant was given (with its term), only to the
    requester, the agency's reviewers and sysadmins; the dataset the answer
    links to only to those who may see it (``page``: what a list read for
    all of its requests at once)."""
    page = page or Page.of([request], viewer)
    organization = page.organizations.get(request.owner_org) if request.owner_org else None
    package = page.packages.get(request.package_id) if request.package_id else None
    waiting = request.state == SUBMITTED
    result: dict[str, Any] = {
        "id": request.id, "title": request.title, "description": request.description,
        "purpose": request.purpose, "owner_org": request.owner_org,
        "organization_name": organization.name if organization else None,
        "organization_title": organization.title if organization else None,
        "state": request.state, "support_count": request.support_count,
        "created_at": _iso(request.created_at), "due_date": _iso(request.due_date),
        "due_date_provisional": bool(request.due_date_provisional),
        "working_days_left": deadline.working_days_left(request.due_date, today)
        if waiting else None,
        "overdue": bool(waiting and request.due_date is not None
                        and request.due_date < (today or workdays.local_today())),
        "outcome": request.outcome, "outcome_label": outcomes.label(request.outcome)
        if request.outcome else None,
        "reason": request.reason, "basis": request.basis,
        "package_id": package.id if package else None,
        "package_name": package.name if package else None,
        "package_title": package.title if package else None,
        "open_by": _iso(request.open_by), "answered_at": _iso(request.answered_at),
        "answered_late": request.answered_late,
        "supported": request.id in page.supported,
        "may_answer": waiting and may_answer(viewer, request),
    }
    if viewer is not None and (viewer.id == request.user_id or may_answer(viewer, request)):
        user = model.User.get(request.user_id)
        result.update(user_id=request.user_id,
                      requester_name=(user.fullname or user.name) if user else None)
        grant = parties.grant_of(request.id) if request.outcome == parties.OUTCOME else None
        result["interested_party"] = grant is not None
        if grant is not None:
            result["grant"] = {**dictization.grant_dict(grant, viewer=viewer),
                               "may_revoke": may_revoke(viewer, grant)}
    return result


def _request(reference: Any, *, lock: bool = False) -> DataRequest:
    if not isinstance(reference, str) or not reference:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    query = model.Session.query(DataRequest).filter(DataRequest.id == reference)
    found = (query.with_for_update().populate_existing() if lock else query).one_or_none()
    if found is None:
        raise tk.ObjectNotFound(tk._("Data request not found"))
    return found


def _organization(reference: str, field: str) -> model.Group:
    group = model.Group.get(reference)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ValidationError({field: [tk._("Organization not found")]})
    return group


def _commit(context: Context) -> None:
    if context.get("defer_commit"):
        model.Session.flush()
    else:
        model.repo.commit()


# ------------------------------------------------------------------ create
def govshare_data_request_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask for data that is not open yet (需求征集). The agency named (or,
    without one, the portal's operators) answers within the jurisdiction
    profile's ``data_request.answer_working_days``.

    Any logged-in user.

    :param title: the data wanted, in a line
    :type title: string
    :param description: what the data should contain
    :type description: string
    :param purpose: what it would be used for
    :type purpose: string
    :param organization: the agency that has it, if known (id or name)
    :type organization: string

    :returns: the request, with ``due_date``, ``working_days_left`` and ``overdue``
    :rtype: dictionary
    """
    tk.check_access("govshare_data_request_create", context, data_dict)
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to ask for data"))
    data = _validate(data_dict, schema.data_request_create_schema(), context)
    org = _organization(data["organization"], "organization") \
        if data.get("organization") else None
    now = utcnow()
    due = deadline.due_after(now, kind=profile.DATA_REQUEST)
    request = DataRequest(title=data["title"], description=data["description"],
                          purpose=data["purpose"], user_id=user.id,
                          owner_org=org.id if org else None, state=SUBMITTED,
                          created_at=now, due_date=due.date,
                          due_date_provisional=due.provisional, support_count=0)
    model.Session.add(request)
    _commit(context)
    return request_dict(request, user)


# ------------------------------------------------------------------ read
@tk.side_effect_free
def govshare_data_request_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One data request and its answer (public; who asked: the requester,
    the agency's reviewers and sysadmins).

    :param id: the request's id
    :type id: string

    :rtype: dictionary
    """
    tk.check_access("govshare_data_request_show", context, data_dict)
    return request_dict(_request(given_id(data_dict)), context_user(context))


@tk.side_effect_free
def govshare_data_request_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Data requests, public: by support (most supported first) or newest.

    :param sort: ``support`` (default) or ``newest``
    :type sort: string
    :param state: ``submitted`` (waiting for the answer) or ``answered``
    :type state: string
    :param organization: only those asked of this agency (id or name)
    :type organization: string
    :param limit: at most this many (default 20)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` and ``results``
    :rtype: dictionary
    """
    tk.check_access("govshare_data_request_list", context, data_dict)
    data = _validate(data_dict, schema.data_request_list_schema(), context)
    query = model.Session.query(DataRequest)
    if data.get("state"):
        query = query.filter(DataRequest.state == data["state"])
    if data.get("organization"):
        query = query.filter(DataRequest.owner_org == _organization(
            data["organization"], "organization").id)
    order = ((DataRequest.support_count.desc(), DataRequest.created_at.desc())
             if data["sort"] == "support" else (DataRequest.created_at.desc(),))
    count = query.count()
    rows = query.order_by(*order, DataRequest.id).offset(data["offset"]).limit(
        data["limit"]).all()
    user = context_user(context)
    today = workdays.local_today()
    page = Page.of(rows, user)
    return {"count": count, "results": [request_dict(r, user, today=today, page=page)
                                        for r in rows]}


# ------------------------------------------------------------------ support
def govshare_data_request_support(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Support a data request: one vote per user (a second is refused, 409,
    however close together the two arrive).

    Any logged-in user but the requester.

    :param id: the request's id
    :type id: string

    :returns: the request with its ``support_count``
    :rtype: dictionary
    """
    tk.check_access("govshare_data_request_support", context, data_dict)
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to support a data request"))
    request = _request(given_id(data_dict))
    if request.user_id == user.id:
        raise tk.ValidationError({"id": [tk._("This is your own request")]})
    inserted = model.Session.execute(
        insert(Support.__table__).values(request_id=request.id, user_id=user.id,
                                         created_at=utcnow())
        .on_conflict_do_nothing().returning(Support.__table__.c.user_id)).first()
    if inserted is None:
        model.Session.rollback()
        raise tk.ValidationError({"id": [tk._("You already support this request")]})
    model.Session.execute(sa.update(DataRequest.__table__)
                          .where(DataRequest.__table__.c.id == request.id)
                          .values(support_count=DataRequest.__table__.c.support_count + 1))
    _commit(context)
    model.Session.refresh(request)
    return request_dict(request, user)


# ------------------------------------------------------------------ answer
def govshare_data_request_answer(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Answer a data request: ``will_open`` (with ``open_by``, the date),
    ``available`` (``package_id``: the dataset that has it), ``by_application``
    (``package_id``: the conditionally open dataset to apply for) or
    ``cannot_open`` (with the ``basis``, the rule that closes it); always a
    ``reason``.

    With ``cannot_open``, the agency may open one of its own published
    closed datasets (``package_id``) to the requester alone, as a party whose
    major interests the data concerns (利害关系人, Shanxi 2020 art. 14 ¶2):
    ``interested_party`` true and the last day of the access
    (``valid_until``, a term as long as an approval's at most). The
    requester then sees the dataset and has its files until then, or until
    an admin of the organization revokes the grant
    (``govshare_grant_revoke``); nobody else sees it, nor which dataset the
    answer names. The requester is told (mail and message centre) of the
    answer, or of the access, of its revocation and of its end. Other outcomes, other
    datasets: 409.

    The admins and editors of the agency asked, and sysadmins; never the
    requester.

    :param id: the request's id
    :type id: string
    :param outcome: ``will_open``, ``available``, ``by_application`` or ``cannot_open``
    :type outcome: string
    :param reason: the answer's explanation
    :type reason: string
    :param basis: ``cannot_open``: the rule it rests on
    :type basis: string
    :param package_id: ``available``, ``by_application`` (and optionally
        ``will_open``): the dataset
    :type package_id: string
    :param open_by: ``will_open``: the date the data opens by (YYYY-MM-DD)
    :type open_by: string
    :param interested_party: ``cannot_open``: the requester is an interested
        party: ``package_id`` (a closed dataset of the agency) is opened to
        them alone
    :type interested_party: bool
    :param valid_until: with ``interested_party``: the access's last day
        (YYYY-MM-DD)
    :type valid_until: string

    :rtype: dictionary
    """
    user = context_user(context)
    found = _request(data_dict.get("id"))
    if own_case.deciding_own_case(user, found.user_id, bool(
            user is not None and (user.sysadmin or (found.owner_org and access.is_reviewer(
                user, found.owner_org))))):
        raise tk.NotAuthorized(tk._(
            "This is your own request: nobody answers their own case"))
    tk.check_access("govshare_data_request_answer", context, data_dict)
    data = _validate(data_dict, schema.data_request_answer_schema(), context)
    missing = {f: [tk._("Missing value")] for f in outcomes.NEEDS[data["outcome"]]
               if not data.get(f)}
    if missing:
        raise tk.ValidationError(missing)
    package: Optional[model.Package] = None
    party = bool(data.get("interested_party"))
    if data.get("valid_until") and not party:
        raise tk.ValidationError({"valid_until": [tk._(
            "A term is given only to an interested party")]})
    if party:
        package, last_day = parties.check(data, found)
    elif data.get("package_id"):
        package = model.Package.get(data["package_id"])
        if package is None or package.state != "active" or not policy.can_see(
                policy.Caller.for_user(None), policy.PackageFacts.from_model(package)):
            raise tk.ValidationError({"package_id": [tk._(
                "Not a dataset the public can see: link to a published dataset")]})
        tier = policy.PackageFacts.from_model(package).tier
        if data["outcome"] == outcomes.BY_APPLICATION and tier != policy.CONDITIONAL:
            raise tk.ValidationError({"package_id": [tk._(
                "Only conditionally open data is applied for: this dataset is not")]})
        if data["outcome"] == outcomes.AVAILABLE and tier != policy.UNCONDITIONAL:
            raise tk.ValidationError({"package_id": [tk._(
                "This dataset is not open to everyone: answer that it is available by "
                "application")]})
    request = _request(data["id"], lock=True)
    if request.state != SUBMITTED:
        model.Session.rollback()
        raise tk.ValidationError({"state": [tk._("This request has been answered already")]})
    now = utcnow()
    request.state = ANSWERED
    request.outcome = data["outcome"]
    request.reason = data["reason"]
    request.basis = data.get("basis") or None
    request.package_id = package.id if package else None
    request.open_by = data.get("open_by") or None
    request.answered_at = now
    request.answered_by = user.id if user else None
    request.answered_late = bool(request.due_date and workdays.local_date(now)
                                 > request.due_date)
    queued: list[Any] = []
    if party:
        assert package is not None
        parties.issue(request, package, last_day, now)
        queued.append(notices.queue(request, notices.GRANTED))
    else:
        queued.append(notices.queue(request, notices.ANSWERED))
    # committed, then the requester's notice handed to the worker
    steps._finish(context, queued)
    if party:
        assert package is not None
        parties.label_entry(package.id, commit=not context.get("defer_commit"))
    return request_dict(request, user)


def get_actions() -> dict[str, Any]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
