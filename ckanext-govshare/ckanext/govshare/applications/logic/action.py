"""Conditional-access applications: apply, decide, supplement, withdraw,
extend, accept the terms; grants: list, revoke; the supervisor's report.

Every move goes through :func:`_move`, which reads the move table of
:mod:`ckanext.govshare.applications.workflow`, locks the application row (so
that of two concurrent decisions exactly one wins), appends the event and
queues the notices, all in one transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import workdays
from ckanext.govshare.logic import context_user, given_id, validate as _validate
from ckanext.govshare.applications import (
    access, agreement, deadline, dictization, grants, jobs, kinds, notices, workflow)
from ckanext.govshare.applications.logic import schema, validation
from ckanext.govshare.applications.model import (
    Application, ApplicationEvent, Grant, utcnow)
from ckanext.govshare.data_requests import parties
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.tiers import policy


#: the answers to a verification request
VERIFICATION_ANSWERS = (workflow.CORRECT, workflow.CONFIRM)


# ------------------------------------------------------------------ helpers
def _logged_in(context: Context) -> model.User:
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in first"))
    return user


def _organization(reference: str) -> model.Group:
    group = model.Group.get(reference)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    return group


def _commit(context: Context) -> None:
    if context.get("defer_commit"):
        model.Session.flush()
    else:
        model.repo.commit()


def _finish(context: Context, queued: list[Any]) -> None:
    """Commit, then hand the step's notices to the worker."""
    model.Session.flush()
    ids = [n.id for n in queued]
    _commit(context)
    if not context.get("defer_commit"):
        jobs.dispatch(ids)


def _state_error(application: Application, move_name: str) -> tk.ValidationError:
    kind = deadline.kind_of(application)
    if not workflow.find_move(move_name, workflow.SUBMITTED, kind) and not any(
            m.name == move_name for m in workflow.moves_of_kind(kind)):
        return tk.ValidationError({"decision": [tk._(
            "'{move}' is not a move of this procedure ({kind})").format(
                move=move_name, kind=kinds.label(kind))]})
    allowed = workflow.sources_of(move_name, kind)
    return tk.ValidationError({"state": [tk._(
        "This application is {state}: it cannot be moved by '{move}' (only from: "
        "{allowed})").format(state=application.state, move=move_name,
                             allowed=", ".join(allowed) or "-")]})


def _record(application: Application, move: str, actor_id: Optional[str],
            from_state: Optional[str], *, reason: Optional[str] = None,
            basis: Optional[str] = None, terms: Optional[dict[str, Any]] = None,
            details: Optional[dict[str, Any]] = None,
            at: Optional[dt.datetime] = None) -> ApplicationEvent:
    event = ApplicationEvent(application_id=application.id, at=at or utcnow(),
                             actor_id=actor_id, move=move, from_state=from_state,
                             to_state=application.state, reason=reason, basis=basis,
                             terms=terms, details=details)
    model.Session.add(event)
    return event


def _refuse_own_case(context: Context, application_id: Optional[str], move_name: str) -> None:
    """403 for an applicant making a reviewer's or an admin's move on their
    own application, whatever role they hold now (sysadmins too, whom CKAN's
    auth lets through); the attempt is recorded in the trail."""
    application = Application.get(application_id) if isinstance(application_id, str) else None
    user = context_user(context)
    if application is None or not access.deciding_own_case(
            user, application.user_id, application.owner_org, move_name):
        return
    _record(application, workflow.OWN_CASE_REFUSED, user.id, application.state,
            details={"move": move_name})
    model.repo.commit()
    raise tk.NotAuthorized(tk._(
        "This is your own application: nobody decides, extends or revokes their own "
        "case. Another reviewer of the organization answers it."))


def _refuse_acceptance_by_others(context: Context, application_id: Optional[str]) -> None:
    """403 for a reviewer or a sysadmin accepting an approval's terms for the
    applicant (CKAN's auth lets sysadmins through); the attempt is recorded
    in the trail. Others are refused by the auth function, unrecorded."""
    application = Application.get(application_id) if isinstance(application_id, str) else None
    user = context_user(context)
    if (application is None or user is None or user.id == application.user_id
            or not access.is_reviewer(user, application.owner_org)):
        return
    _record(application, workflow.ACCEPTANCE_BY_OTHER_REFUSED, user.id, application.state,
            details={"move": workflow.ACCEPT_TERMS})
    model.repo.commit()
    raise tk.NotAuthorized(tk._(
        "Only the applicant accepts the terms of an approval: nobody, sysadmins "
        "included, accepts them on the applicant's behalf."))


def _move(context: Context, application_id: str, move_name: str,
          reason: Optional[str] = None) -> tuple[Application, workflow.Move, str]:
    """Lock the application and find the move ``move_name`` out of its current
    state that the caller may make; 409 when there is none."""
    application = Application.get_for_update(application_id)
    if application is None:
        raise tk.ObjectNotFound(tk._("Application not found"))
    user = context_user(context)
    if workflow.actor_of(move_name) not in access.roles(
            user, application.user_id, application.owner_org):
        model.Session.rollback()
        raise tk.NotAuthorized(tk._("You may not make this move on this application"))
    move = workflow.find_move(move_name, application.state, deadline.kind_of(application))
    if move is None:
        model.Session.rollback()
        raise _state_error(application, move_name)
    if move.needs_reason and not reason:
        model.Session.rollback()
        raise tk.ValidationError({"reason": [tk._("Missing value: give a reason")]})
    return application, move, application.state


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of ``day`` in China, as a naive UTC timestamp."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=workdays.timezone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _package(reference: str) -> model.Package:
    package = model.Package.get(reference)
    if package is None or package.state != "active":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package


# ------------------------------------------------------------------ create
def govshare_application_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Apply for a conditionally open (有条件开放) dataset, all or some of its
    resources (``kind`` ``open``, the public's application), or request data
    another organization shares on conditions (有条件共享) for one's own
    organization (``kind`` ``sharing``, 共享申请). The owning organization
    must answer within the jurisdiction profile's ``answer_working_days``
    for the kind (qingyang-2021: 15 working days for ``open``, 7 for
    ``sharing``).

    Any logged-in user (``open``); a member of another organization than the
    dataset's (``sharing``).

    :param kind: ``open`` (default) or ``sharing``
    :type kind: string
    :param organization: ``sharing``: the organization the request is made
        for (id or name; default: the requester's only organization). Its
        name and credit code are the applicant's
    :type organization: string
    :param package_id: the dataset's id or name
    :type package_id: string
    :param resource_ids: the resources wanted (default: all)
    :type resource_ids: list of strings
    :param purpose: the purpose of use
    :type purpose: string
    :param use_scenario: the use scenario (应用场景)
    :type use_scenario: string
    :param requested_fields: the fields / scope wanted (optional)
    :type requested_fields: string
    :param requested_term_months: the term wanted, in months
    :type requested_term_months: int
    :param applicant_type: ``person`` or ``organization`` (``open`` only)
    :type applicant_type: string
    :param applicant_name: the person's or the organization's name (``open`` only)
    :type applicant_name: string
    :param credit_code: the organization's 统一社会信用代码 (``open``, organizations only)
    :type credit_code: string
    :param contact_email: contact email
    :type contact_email: string
    :param contact_phone: contact phone (mobile, or landline with area code)
    :type contact_phone: string
    :param accept_terms: the usage terms are accepted (must be true)
    :type accept_terms: bool
    :param accept_security_commitment: the security commitment (安全承诺) is
        accepted (must be true)
    :type accept_security_commitment: bool

    :returns: the application, with ``state``, ``submitted_at``, ``due_date``,
        ``due_date_provisional``, ``working_days_left`` and ``overdue``
    :rtype: dictionary
    """
    tk.check_access("govshare_application_create", context, data_dict)
    user = _logged_in(context)
    package = _package(given_id(data_dict, "package_id"))
    caller = policy.Caller.for_user(user)
    facts = policy.PackageFacts.from_model(package)
    if not policy.can_see(caller, facts):
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    kind = data_dict.get("kind") or kinds.OPEN
    requesting: Optional[model.Group] = None
    if kind in kinds.AGENCY_KINDS:
        if policy.is_member(caller, facts):
            raise tk.ValidationError({"package_id": [tk._(
                "Your own organization provides this data: verify it within the "
                "organization") if kind == kinds.VERIFICATION else tk._(
                "You already have this data as a member of its organization")]})
        # the requesting organization is the applicant: its name and code
        requesting = kinds.requesting_organization(
            user, data_dict.get("organization"), package.owner_org)
        data_dict = {**data_dict, "applicant_type": "organization",
                     "applicant_name": requesting.title or requesting.name,
                     "credit_code": kinds.credit_code(requesting)}
    data = _validate(data_dict, schema.application_create_schema(kind), context)
    if kind == kinds.OPEN and facts.tier != policy.CONDITIONAL:
        raise tk.ValidationError({"package_id": [
            tk._("Only conditionally open data is applied for: this dataset is open to "
                 "everyone") if facts.tier == policy.UNCONDITIONAL else
            tk._("Closed data (不予开放) cannot be applied for")]})
    if kind == kinds.SHARING:
        refused = kinds.sharing_refusal(facts)
        if refused:
            raise tk.ValidationError({"package_id": [refused]})
    if policy.is_member(caller, facts):
        raise tk.ValidationError({"package_id": [tk._(
            "You already have this data as a member of its organization")]})
    if kind == kinds.SHARING and policy.may_access(caller, facts, visible=True):
        raise tk.ValidationError({"package_id": [tk._(
            "You already have this data: it is open to everyone")
            if facts.tier == policy.UNCONDITIONAL else tk._(
            "You already have this data: a grant of yours for it is valid")]})
    if kind == kinds.VERIFICATION:
        refused = kinds.verification_refusal(caller, facts)
        if refused:
            raise tk.ValidationError({"package_id": [refused]})
    resource_ids = validation.check_resource_ids(data.get("resource_ids") or [], package.id,
                                       "resource_ids")
    if _pending(user.id, package.id):
        raise tk.ValidationError({"package_id": [tk._(
            "You already have a pending application for this dataset: wait for the "
            "answer, or withdraw it first")]})
    now = utcnow()
    due = deadline.due_after(now, kind=kind)
    application = Application(
        kind=kind, requesting_org=requesting.id if requesting else None,
        package_id=package.id, owner_org=package.owner_org, resource_ids=resource_ids,
        user_id=user.id, terms_accepted_at=now, state=workflow.SUBMITTED,
        created_at=now, submitted_at=now, modified_at=now, due_date=due.date,
        due_date_provisional=due.provisional, extension_days=0,
        **{f: data.get(f) for f in dictization.MATERIAL_FIELDS})
    model.Session.add(application)
    try:
        model.Session.flush()
    except sa_exc.IntegrityError:  # a concurrent application for the same data
        model.Session.rollback()
        raise tk.ValidationError({"package_id": [tk._(
            "You already have a pending application for this dataset: wait for the "
            "answer, or withdraw it first")]})
    _record(application, workflow.SUBMIT, user.id, None, at=now,
            details={"due_date": due.date.isoformat(), "provisional": due.provisional,
                     "answer_working_days": deadline.answer_working_days(kind)})
    queued = [notices.queue(application, notices.NEW)]
    _finish(context, queued)
    return dictization.application_dict(application, user, package=package, events=True)


def _pending(user_id: str, package_id: str) -> bool:
    return model.Session.query(Application.id).filter(
        Application.user_id == user_id, Application.package_id == package_id,
        Application.state.in_(workflow.PENDING)).first() is not None


# ------------------------------------------------------------------ read
def _scoped(table: Any, data: dict[str, Any], user: model.User) -> Any:
    """The rows of ``table`` (applications or grants) a list may show: an
    organization's (its reviewers; the auth function checked), else the
    caller's own (sysadmins: all unless ``mine``), narrowed by dataset and
    state."""
    query = model.Session.query(table)
    if data.get("organization"):
        query = query.filter(table.owner_org == _organization(data["organization"]).id)
        if data.get("mine"):
            query = query.filter(table.user_id == user.id)
    elif data.get("mine") or not user.sysadmin:
        query = query.filter(table.user_id == user.id)
    if data.get("package_id"):
        package = model.Package.get(data["package_id"])
        query = query.filter(table.package_id == (package.id if package else None))
    if data.get("state"):
        query = query.filter(table.state == data["state"])
    if data.get("kind"):
        if table is Grant:  # a grant's procedure is its application's
            query = query.join(Application, Application.id == Grant.application_id)
        query = query.filter(Application.kind == data["kind"])
    return query


@tk.side_effect_free
def govshare_application_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One application with its timeline (``events``) and ``grant``.

    The applicant, the reviewers of the dataset's organization (admins and
    editors) and sysadmins. Contact details and the credit code are shown to
    them only.

    :param id: the application's id
    :type id: string

    :rtype: dictionary
    """
    tk.check_access("govshare_application_show", context, data_dict)
    application = Application.get(given_id(data_dict))
    if application is None:
        raise tk.ObjectNotFound(tk._("Application not found"))
    return dictization.application_dict(application, context_user(context), events=True)


@tk.side_effect_free
def govshare_application_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Applications, open ones by due date first.

    Without ``organization``: the caller's own applications (sysadmins: every
    application, unless ``mine``). With ``organization``: that
    organization's inbox (its reviewers and sysadmins).

    :param mine: only the caller's own applications
    :type mine: bool
    :param organization: an organization's id or name
    :type organization: string
    :param package_id: only applications for this dataset
    :type package_id: string
    :param state: only this state (``submitted``, ``needs_supplement``,
        ``approved``, ``rejected``, ``withdrawn``, ``expired``, ``revoked``)
    :type state: string
    :param kind: only this procedure: ``open`` (the public's applications) or
        ``sharing`` (other organizations' requests)
    :type kind: string
    :param overdue: only (or, false, no) applications past their due date
        without an answer
    :type overdue: bool
    :param sort: ``due_date`` (default), ``submitted_at desc`` or
        ``created_at desc``
    :type sort: string
    :param limit: at most this many (default 50)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` and ``results``
    :rtype: dictionary
    """
    tk.check_access("govshare_application_list", context, data_dict)
    data = _validate(data_dict, schema.application_list_schema(), context)
    user = _logged_in(context)
    query = _scoped(Application, data, user)
    today = workdays.local_today()
    if "overdue" in data:
        overdue = sa.and_(Application.state.in_(workflow.WAITING_FOR_ANSWER),
                          Application.due_date < today)
        query = query.filter(overdue if data["overdue"] else sa.not_(overdue))
    count = query.count()
    order = {
        "due_date": (sa.case((Application.state.in_(workflow.PENDING), 0), else_=1),
                     Application.due_date.asc().nulls_last(), Application.submitted_at),
        "submitted_at desc": (Application.submitted_at.desc(),),
        "created_at desc": (Application.created_at.desc(),),
    }[data["sort"]]
    rows = query.order_by(*order, Application.id).offset(data["offset"]).limit(
        data["limit"]).all()
    packages = {p.id: p for p in model.Session.query(model.Package).filter(
        model.Package.id.in_({r.package_id for r in rows}))} if rows else {}
    groups = {g.id: g for g in model.Session.query(model.Group).filter(
        model.Group.id.in_({r.owner_org for r in rows}))} if rows else {}
    return {"count": count, "results": [
        dictization.application_dict(r, user, today=today, package=packages.get(r.package_id),
                         organization=groups.get(r.owner_org)) for r in rows]}


# ------------------------------------------------------------------ moves
def govshare_application_decide(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Answer an application: approve (with the agreement terms; creates the
    grant), reject (with a reason, optionally the basis) or ask for a
    supplement (补正, with what is missing: the clock stops until it arrives).
    Where the jurisdiction profile requires the applicant's acceptance of the
    terms (``terms_acceptance_required``), the grant opens nothing until
    they accept (``govshare_application_accept_terms``).

    Admins and editors of the dataset's organization, and sysadmins.

    :param id: the application's id
    :type id: string
    :param decision: ``approve``, ``reject`` or ``request_supplement``; for a
        verification request (``kind`` ``verification``) ``correct`` (the data
        was wrong and is corrected), ``confirm`` (no error found) or
        ``request_supplement``
    :type decision: string
    :param reason: required for ``reject``, ``request_supplement``,
        ``correct`` and ``confirm`` (the verification's result)
    :type reason: string
    :param correction: required for ``correct``: what was corrected, and where
    :type correction: string
    :param basis: the rule a rejection rests on (optional)
    :type basis: string
    :param terms: required for ``approve``: ``scope``, ``extent`` (程度),
        ``valid_until`` (date), ``disposal`` (what happens to the data when the
        term ends), ``derived_data_ownership``; optional ``valid_from``
        (date, default today) and ``resource_ids`` (default: those applied for)
    :type terms: dictionary

    :returns: the application
    :rtype: dictionary
    """
    decision = data_dict.get("decision")
    _refuse_own_case(context, data_dict.get("id"),
                     decision if decision in workflow.DECISIONS else workflow.APPROVE)
    tk.check_access("govshare_application_decide", context, data_dict)
    data = _validate(data_dict, schema.application_decide_schema(), context)
    decision = data["decision"]
    found = Application.get(data["id"])
    if found is not None and decision not in {m.name for m in workflow.moves_of_kind(
            deadline.kind_of(found))}:
        raise _state_error(found, decision)
    terms: Optional[dict[str, Any]] = None
    if decision == workflow.APPROVE:
        terms = validation.approval_terms(data.get("terms"), context)
    application, move, before = _move(context, data["id"], decision, data.get("reason"))
    refused = deadline.refusal(application, decision)
    if refused:
        model.Session.rollback()
        raise tk.ValidationError({"decision": [refused]})
    if decision == workflow.CORRECT and not data.get("correction"):
        model.Session.rollback()
        raise tk.ValidationError({"correction": [tk._(
            "Missing value: say what was corrected")]})
    user = context_user(context)
    now = utcnow()
    application.state = move.target
    application.modified_at = now
    details: dict[str, Any] = {}
    queued = []
    grant: Optional[Grant] = None
    if decision == workflow.REQUEST_SUPPLEMENT:
        application.reason = data.get("reason")
        details["due_date_was"] = dictization.iso(application.due_date)
        application.due_date = None
        application.due_date_provisional = False
        queued.append(notices.queue(application, notices.SUPPLEMENT_REQUESTED))
    else:
        today = workdays.local_today()
        application.decided_at = now
        application.decided_by = user.id if user else None
        application.reason = data.get("reason")
        application.basis = data.get("basis")
        if decision == workflow.CORRECT:
            application.correction = data["correction"]
            details["correction"] = data["correction"]
        (application.answer_working_days, application.answered_late,
         application.wait_working_days) = deadline.answer(
            workdays.local_date(application.created_at),
            workdays.local_date(application.submitted_at), application.due_date, today)
        if terms is not None:
            resource_ids = validation.check_resource_ids(
                terms.get("resource_ids") or list(application.resource_ids or []),
                application.package_id, "terms", list(application.resource_ids or []))
            terms["resource_ids"] = resource_ids
            application.terms = terms
            must_accept = agreement.required(application.kind)
            details["terms_acceptance_required"] = must_accept
            grant = Grant(application_id=application.id, user_id=application.user_id,
                          package_id=application.package_id, owner_org=application.owner_org,
                          resource_ids=resource_ids,
                          valid_from=max(now, _local_midnight_utc(
                              dt.date.fromisoformat(terms["valid_from"]))),
                          valid_until=_local_midnight_utc(
                              dt.date.fromisoformat(terms["valid_until"])
                              + dt.timedelta(days=1)),
                          state=grants.AWAITING_ACCEPTANCE if must_accept
                          else grants.ACTIVE)
        queued.append(notices.queue(application, notices.APPROVED if terms is not None
                                    else notices.VERIFIED if decision in VERIFICATION_ANSWERS
                                    else notices.REJECTED))
    _record(application, decision, user.id if user else None, before, at=now,
            reason=data.get("reason"), basis=data.get("basis"), terms=terms,
            details=details or None)
    if grant is not None:
        # the decision first, then the grant: the database appends the
        # grant's own event (``grant_issued``) after the decision's
        model.Session.flush()
        model.Session.add(grant)
    _finish(context, queued)
    return dictization.application_dict(application, user, events=True)


def govshare_application_supplement(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send the supplement (补正) asked for: the application is submitted again
    and the clock restarts (a full answer period from today). Any of the
    create action's materials may be given; what is left out is kept.

    The applicant.

    :param id: the application's id
    :type id: string
    :param note: what was supplemented (optional)
    :type note: string

    :returns: the application with its new ``due_date``
    :rtype: dictionary
    """
    tk.check_access("govshare_application_supplement", context, data_dict)
    data = _validate(data_dict, schema.application_supplement_schema(), context)
    application, move, before = _move(context, data["id"], workflow.SUPPLEMENT)
    changed = {f: data[f] for f in dictization.MATERIAL_FIELDS if f in data
               and data[f] != getattr(application, f)}
    if application.kind in kinds.AGENCY_KINDS:
        # the requesting organization stays the applicant
        for field in ("applicant_type", "applicant_name", "credit_code"):
            changed.pop(field, None)
    if application.kind == kinds.VERIFICATION:
        changed.pop("requested_term_months", None)  # a verification has no term
    merged_type = changed.get("applicant_type", application.applicant_type)
    if merged_type == "organization" and not changed.get("credit_code",
                                                         application.credit_code):
        model.Session.rollback()
        raise tk.ValidationError({"credit_code": [tk._(
            "An organization applicant must give its unified social credit code")]})
    if "resource_ids" in data:
        changed["resource_ids"] = validation.check_resource_ids(data["resource_ids"],
                                                      application.package_id, "resource_ids")
    for field, value in changed.items():
        setattr(application, field, value)
    if merged_type == "person":
        application.credit_code = None
    now = utcnow()
    due = deadline.due_after(now, kind=application.kind)
    application.state = move.target
    application.submitted_at = now
    application.modified_at = now
    application.due_date, application.due_date_provisional = due.date, due.provisional
    user = context_user(context)
    _record(application, move.name, user.id if user else None, before, at=now,
            reason=data.get("note"),
            details={"due_date": due.date.isoformat(), "provisional": due.provisional,
                     "answer_working_days": deadline.answer_working_days(application.kind),
                     "changed": sorted(k for k in changed if k not in dictization.PERSONAL_FIELDS)})
    _finish(context, [notices.queue(application, notices.RESUBMITTED)])
    return dictization.application_dict(application, user, events=True)


def govshare_application_withdraw(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw a pending application.

    The applicant.

    :param id: the application's id
    :type id: string
    :param reason: why (optional)
    :type reason: string

    :rtype: dictionary
    """
    tk.check_access("govshare_application_withdraw", context, data_dict)
    data = _validate(data_dict, schema.application_id_schema(), context)
    application, move, before = _move(context, data["id"], workflow.WITHDRAW)
    now = utcnow()
    application.state = move.target
    application.modified_at = now
    user = context_user(context)
    _record(application, move.name, user.id if user else None, before, at=now,
            reason=data.get("reason"))
    _finish(context, [])
    return dictization.application_dict(application, user, events=True)


def govshare_application_extend(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Extend the answer period once, by up to the jurisdiction profile's
    ``extension_working_days``, with a reason; the applicant is told. Refused
    (409) where the profile provides no extension.

    Admins and editors of the dataset's organization, and sysadmins.

    :param id: the application's id
    :type id: string
    :param days: working days to add
    :type days: int
    :param reason: why the extension is needed
    :type reason: string

    :returns: the application with its new ``due_date``
    :rtype: dictionary
    """
    _refuse_own_case(context, data_dict.get("id"), workflow.EXTEND)
    tk.check_access("govshare_application_extend", context, data_dict)
    found = Application.get(data_dict.get("id")) if isinstance(data_dict.get("id"), str) else None
    kind = deadline.kind_of(found)
    extend_schema = schema.application_extend_schema(kind)
    no_extension = not deadline.max_extension_days(kind)
    if no_extension:
        extend_schema.pop("days")   # the rules refuse any number (below)
    data = _validate(data_dict, extend_schema, context)
    if no_extension:
        raise tk.ValidationError({"days": [deadline.extension_refusal(None, kind)]})
    application, move, before = _move(context, data["id"], workflow.EXTEND, data["reason"])
    refused = deadline.refusal(application, workflow.EXTEND)
    if refused:
        model.Session.rollback()
        raise tk.ValidationError({"days": [refused]})
    old_due = application.due_date
    due = workdays.add_workdays(old_due, data["days"]) if old_due else deadline.due_after(
        application.submitted_at, data["days"], kind=application.kind)
    application.extension_days = data["days"]
    # provisional if the period before the extension was (its days count too)
    application.due_date, application.due_date_provisional = due.date, bool(
        due.provisional or (old_due and application.due_date_provisional))
    application.modified_at = utcnow()
    user = context_user(context)
    _record(application, move.name, user.id if user else None, before,
            reason=data["reason"],
            details={"days": data["days"], "due_date_was": dictization.iso(old_due),
                     "due_date": due.date.isoformat(), "provisional": due.provisional})
    _finish(context, [notices.queue(application, notices.EXTENDED)])
    return dictization.application_dict(application, user, events=True)


def govshare_application_accept_terms(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Accept the agreement (使用协议) the approval's terms make: the grant
    opens the data from then on. Where the jurisdiction profile requires it
    (``terms_acceptance_required``), an approval's grant opens nothing until
    the applicant has accepted; the acceptance is recorded in the trail with
    the exact text accepted.

    The applicant only: nobody accepts for them (a reviewer or a sysadmin
    gets 403, the attempt recorded in the trail).

    :param id: the application's id
    :type id: string
    :param terms_version: the ``version`` of the agreement text the
        applicant read (``agreement`` in ``govshare_application_show``); 409
        when the text has changed since
    :type terms_version: string

    :returns: the application, its grant ``active``
    :rtype: dictionary
    """
    _refuse_acceptance_by_others(context, data_dict.get("id"))
    tk.check_access("govshare_application_accept_terms", context, data_dict)
    data = _validate(data_dict, schema.application_accept_terms_schema(), context)
    application, move, before = _move(context, data["id"], workflow.ACCEPT_TERMS)
    refused = deadline.refusal(application, move.name)
    if refused:
        model.Session.rollback()
        raise tk.ValidationError({"state": [refused]})
    found = agreement.shown(application, data["terms_version"])
    if found is None:
        model.Session.rollback()
        raise tk.ValidationError({"terms_version": [tk._(
            "The terms have changed since they were shown to you: read them again "
            "before you accept them")]})
    language, shown = found
    grant = agreement.grant_of(application.id, lock=True)
    assert grant is not None  # the refusal saw it awaiting acceptance
    now = utcnow()
    user = context_user(context)
    application.modified_at = now
    _record(application, move.name, user.id if user else None, before, at=now,
            terms=application.terms,
            details={"grant_id": grant.id, "terms_version": data["terms_version"],
                     "language": language, "text": shown})
    model.Session.flush()  # the acceptance first, then the grant's own event
    grant.state = grants.ACTIVE
    _finish(context, [])
    return dictization.application_dict(application, user, events=True)


# ------------------------------------------------------------------ grants
@tk.side_effect_free
def govshare_grant_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Grants: the caller's own, or (reviewers, sysadmins) an organization's.

    :param mine: only the caller's own (default for users who are not
        sysadmins and give no organization)
    :type mine: bool
    :param organization: an organization's id or name (its reviewers)
    :type organization: string
    :param package_id: only grants on this dataset
    :type package_id: string
    :param application_id: the grant of this application
    :type application_id: string
    :param state: ``awaiting_acceptance`` (the applicant has not accepted the
        terms yet), ``active``, ``expired`` or ``revoked``
    :type state: string
    :param kind: only grants of this procedure: ``open`` (the public's
        applications) or ``sharing`` (other organizations' requests)
    :type kind: string
    :param limit: at most this many (default 50)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` and ``results``, each with ``valid`` (usable now) and
        ``valid_until``
    :rtype: dictionary
    """
    tk.check_access("govshare_grant_list", context, data_dict)
    data = _validate(data_dict, schema.grant_list_schema(), context)
    user = _logged_in(context)
    query = _scoped(Grant, data, user)
    if data.get("application_id"):
        query = query.filter(Grant.application_id == data["application_id"])
    count = query.count()
    rows = query.order_by(Grant.valid_until.desc(), Grant.id).offset(
        data["offset"]).limit(data["limit"]).all()
    now = utcnow()
    return {"count": count, "results": [dictization.grant_dict(g, now, viewer=user)
                                        for g in rows]}


def govshare_grant_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Revoke a grant, with a reason: the data closes to its holder at once and
    the application becomes ``revoked``; the applicant is told. An
    interested party's grant (a data request's answer, no application) ends
    alone (:mod:`ckanext.govshare.data_requests.parties`); the requester is
    told, with the reason.

    Admins of the dataset's organization, and sysadmins.

    :param id: the grant's id
    :type id: string
    :param reason: why
    :type reason: string

    :returns: the grant
    :rtype: dictionary
    """
    grant_id = data_dict.get("id")
    own = Grant.get(grant_id) if isinstance(grant_id, str) else None
    _refuse_own_case(context, own.application_id if own else None, workflow.REVOKE)
    if own is not None and own.data_request_id is not None:
        parties.refuse_own_case(context_user(context), own)
    tk.check_access("govshare_grant_revoke", context, data_dict)
    data = _validate(data_dict, schema.grant_revoke_schema(), context)
    grant = Grant.get(data["id"])
    if grant is None:  # sysadmins skip the auth function, which says 404 first
        raise tk.ObjectNotFound(tk._("Grant not found"))
    if grant.application_id is None:
        now = utcnow()
        parties.revoke(grant, context_user(context), data["reason"], now)
        request = DataRequest.get(grant.data_request_id)
        _finish(context, [notices.queue(request, notices.REVOKED)] if request else [])
        return dictization.grant_dict(grant, now, viewer=context_user(context))
    application, move, before = _move(context, grant.application_id, workflow.REVOKE,
                                      data["reason"])
    now = utcnow()
    user = context_user(context)
    application.state = move.target
    application.modified_at = now
    _record(application, move.name, user.id if user else None, before, at=now,
            reason=data["reason"], details={"grant_id": grant.id})
    model.Session.flush()  # the revocation first, then the grant's own event
    grant.state = "revoked"
    grant.ended_at = now
    grant.ended_by = user.id if user else None
    grant.end_reason = data["reason"]
    _finish(context, [notices.queue(application, notices.REVOKED)])
    return dictization.grant_dict(grant, now, viewer=user)


def get_actions() -> dict[str, Any]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
