"""Actions of the review before publication (:mod:`..workflow`).

Every step is an event in ``govshare_publication_event`` (append-only),
written in the same transaction as the state it records; a state change
moves the dataset's ``metadata_modified`` and rewrites its search index
entry and its activities' labels, so every surface sees the new state at once.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.lib.plugins as lib_plugins
import ckan.lib.search as search
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.logic import context_user, given_id, validate
from ckanext.govshare.publication import access, state as publication_state, widening, workflow
from ckanext.govshare.publication.logic import schema
from ckanext.govshare.publication.model import Publication, PublicationEvent, utcnow
from ckanext.govshare.tiers import hooks as tier_hooks
from ckanext.govshare.tiers import policy


def get_actions() -> dict[str, Any]:
    return {
        "govshare_publication_submit": govshare_publication_submit,
        "govshare_publication_decide": govshare_publication_decide,
        "govshare_publication_list": govshare_publication_list,
        "govshare_publication_show": govshare_publication_show,
        "package_update": package_update,
    }


#: context key of the reviewer's update that applies an approved change
APPLYING_CHANGE = "govshare_publication_applying_change"
_DECISIONS_OF_CHANGES = (workflow.PUBLISH, workflow.RETURN)


def pending_change(package_id: str) -> dict[str, Any]:
    """The widening values awaiting review: those of the ``submit_change``
    events after the last decision, later ones over earlier ones."""
    events = (model.Session.query(PublicationEvent.move, PublicationEvent.details)
              .filter(PublicationEvent.package_id == package_id,
                      PublicationEvent.move.in_((workflow.SUBMIT_CHANGE,
                                                 *_DECISIONS_OF_CHANGES)))
              .order_by(PublicationEvent.id).all())
    pending: dict[str, Any] = {}
    for move, details in events:
        if move == workflow.SUBMIT_CHANGE:
            pending.update((details or {}).get("fields") or {})
        else:
            pending = {}
    return pending


def effective_state(row: Publication) -> str:
    """The state the move table reads: ``change_submitted`` for a published
    entry with a change awaiting review."""
    if row.state == workflow.PUBLISHED and pending_change(row.package_id):
        return workflow.CHANGE_SUBMITTED
    return row.state


@tk.chained_action
def package_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``package_update``; on a published entry with review on, the
    values that widen access (:mod:`ckanext.govshare.publication.widening`)
    are kept as approved and held for review, everything else is saved."""
    reference = data_dict.get("id") or data_dict.get("name") if isinstance(
        data_dict, dict) else None
    package = model.Package.get(reference) if isinstance(reference, str) else None
    row = Publication.get(package.id) if package is not None else None
    if (context.get(APPLYING_CHANGE) or not publication_state.review_on() or row is None
            or row.state != workflow.PUBLISHED):
        return up_func(context, data_dict)
    current = tk.get_action("package_show")(
        {"ignore_auth": True, "use_cache": False}, {"id": package.id})
    held = widening.held_values(current, data_dict)
    if not held:
        return up_func(context, data_dict)
    kept = {**data_dict, **{field: current.get(field) for field in held}}
    outer_defers = context.get("defer_commit")
    result = up_func({**context, "defer_commit": True}, kept)
    user = context_user(context)
    row = Publication.get_for_update(package.id)
    row.submitted_by, row.submitted_at = (user.id if user else None), utcnow()
    record(package.id, package.owner_org, workflow.SUBMIT_CHANGE, row.submitted_by,
           workflow.PUBLISHED, workflow.PUBLISHED, details={"fields": held})
    if not outer_defers:
        model.repo.commit()
    return result


def _package(reference: str) -> model.Package:
    package = model.Package.get(reference)
    if package is None or package.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package


def _locked(package: model.Package) -> Publication:
    """The dataset's publication row, locked (a draft row when it has none)."""
    row = Publication.get_for_update(package.id)
    if row is None:
        row = Publication(package_id=package.id, owner_org=package.owner_org,
                          state=workflow.DRAFT)
        model.Session.add(row)
        model.Session.flush()
    row.owner_org = package.owner_org
    return row


def record(package_id: str, owner_org: Optional[str], move: str, actor_id: Optional[str],
           from_state: Optional[str], to_state: str, *, reason: Optional[str] = None,
           details: Optional[dict[str, Any]] = None) -> PublicationEvent:
    """Append one event to the trail (in the caller's transaction)."""
    event = PublicationEvent(package_id=package_id, owner_org=owner_org, at=utcnow(),
                             actor_id=actor_id, move=move, from_state=from_state,
                             to_state=to_state, reason=reason, details=details)
    model.Session.add(event)
    return event


def as_dict(row: Publication, package: Optional[model.Package] = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "package_id": row.package_id, "owner_org": row.owner_org, "state": row.state,
        "published": publication_state.is_published(row.state), "reason": row.reason,
        "submitted_by": row.submitted_by,
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }
    if package is not None:
        out.update(name=package.name, title=package.title, type=package.type)
    return out


def _state_error(row: Publication, move_name: str,
                 state: Optional[str] = None) -> tk.ValidationError:
    return tk.ValidationError({"state": [tk._(
        "This entry is {state}: it cannot be moved by '{move}' (only from: {allowed})"
    ).format(state=workflow.state_label(state or row.state), move=move_name,
             allowed=", ".join(workflow.state_label(s) for s in workflow.sources_of(move_name)))]})


def _apply(package: model.Package, row: Publication) -> None:
    """Commit, then make every surface see the new state: the labels are
    computed from it (:func:`ckanext.govshare.tiers.policy.dataset_labels`)."""
    package.metadata_modified = utcnow()
    policy.forget_tier(package.id)
    model.repo.commit()
    tier_hooks.relabel_activities(
        package.id, lib_plugins.get_permission_labels().get_dataset_labels(package))
    model.repo.commit()
    search.rebuild(package.id)


def govshare_publication_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a dataset for review before it is opened (a draft, or one
    returned to its editors).

    Editors and admins of the owning organization, sysadmins.

    :param id: the dataset's id or name
    :returns: the publication state (``state``, ``reason``, ``submitted_by`` …)
    """
    package = _package(given_id(data_dict, "id"))
    tk.check_access("govshare_publication_submit", context, {"id": package.id})
    user = context_user(context)
    row = _locked(package)
    move = workflow.find_move(workflow.SUBMIT, row.state)
    if move is None:
        model.Session.rollback()
        raise _state_error(row, workflow.SUBMIT)
    source = row.state
    row.state, row.reason = move.target, None
    row.submitted_by, row.submitted_at = (user.id if user else None), utcnow()
    row.decided_by = row.decided_at = None
    record(package.id, package.owner_org, move.name, row.submitted_by, source, row.state)
    _apply(package, row)
    return as_dict(row, package)


def _refuse_own_case(context: Context, package: model.Package, row: Publication,
                     decision: str) -> None:
    """403 for the submitter deciding their own submission (sysadmins too);
    the attempt is recorded in the trail."""
    user = context_user(context)
    if not access.deciding_own_case(user, row.submitted_by, package.owner_org):
        return
    record(package.id, package.owner_org, workflow.OWN_CASE_REFUSED, user.id, row.state,
           row.state, details={"move": decision})
    model.repo.commit()
    raise tk.NotAuthorized(tk._(
        "You submitted this entry: nobody reviews their own submission. Another "
        "admin of the organization decides it."))


def govshare_publication_decide(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Publish a submitted dataset, or return it to its editors with a reason.

    Admins of the owning organization and sysadmins, except the one who
    submitted it.

    :param id: the dataset's id or name
    :param decision: ``publish`` or ``return``
    :param reason: why it is returned (required to return it)
    :param confidentiality_reviewed: the confidentiality review (保密审查) was
        done (required true to publish)
    :param personal_data_checked: no undesensitised personal data (required
        true to publish)
    :param formats_machine_readable: the formats are machine-readable
        (required true to publish)
    :returns: the publication state
    """
    package = _package(given_id(data_dict, "id"))
    tk.check_access("govshare_publication_decide", context, {"id": package.id})
    data = validate(dict(data_dict, id=package.id), schema.publication_decide_schema(),
                    context)
    row = _locked(package)
    _refuse_own_case(context, package, row, data["decision"])
    source = effective_state(row)
    move = workflow.find_move(data["decision"], source)
    if move is None:
        model.Session.rollback()
        raise _state_error(row, data["decision"], source)
    errors: dict[str, list[str]] = {}
    if move.needs_reason and not data["reason"]:
        errors["reason"] = [tk._("Missing value: say what the editors must change")]
    if move.needs_checklist:
        for name, _label in workflow.CHECKLIST:
            if not data.get(name):
                errors[name] = [tk._("Confirm this before publishing")]
    if errors:
        model.Session.rollback()
        raise tk.ValidationError(errors)
    user = context_user(context)
    change = pending_change(package.id) if source == workflow.CHANGE_SUBMITTED else {}
    row.state = move.target
    row.reason = data["reason"] or None if move.needs_reason else None
    row.decided_by, row.decided_at = (user.id if user else None), utcnow()
    checklist = {name: bool(data.get(name)) for name in workflow.CHECKLIST_FIELDS}
    details: dict[str, Any] = {"checklist": checklist}
    if change:
        details["fields"] = change
    record(package.id, package.owner_org, move.name, row.decided_by, source, row.state,
           reason=data["reason"] or None, details=details)
    if change and move.name == workflow.PUBLISH:
        # the approved change, saved as the reviewer (one transaction with the event)
        tk.get_action("package_patch")(
            {"user": user.name if user else "", "ignore_auth": True,
             APPLYING_CHANGE: True, "defer_commit": True}, {"id": package.id, **change})
    _apply(package, row)
    return as_dict(row, package)


@tk.side_effect_free
def govshare_publication_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A dataset's publication state and its trail (newest last).

    Editors and admins of the owning organization, sysadmins.

    :param id: the dataset's id or name
    """
    package = _package(given_id(data_dict, "id"))
    tk.check_access("govshare_publication_show", context, {"id": package.id})
    row = Publication.get(package.id) or Publication(
        package_id=package.id, owner_org=package.owner_org, state=workflow.DRAFT)
    events = (model.Session.query(PublicationEvent)
              .filter(PublicationEvent.package_id == package.id)
              .order_by(PublicationEvent.id).all())
    return {**as_dict(row, package), "state": effective_state(row),
            "pending_change": pending_change(package.id),
            "events": [e.as_dict() for e in events]}


def _with_pending_change(org_id: str) -> list[str]:
    """The organization's datasets with a widening change awaiting review."""
    event = PublicationEvent
    last_decision = (sa.select(sa.func.max(event.id))
                     .where(event.package_id == sa.literal_column("e.package_id"),
                            event.move.in_(_DECISIONS_OF_CHANGES)).scalar_subquery())
    e = sa.orm.aliased(event, name="e")
    return list(model.Session.execute(
        sa.select(e.package_id).distinct()
        .where(e.owner_org == org_id, e.move == workflow.SUBMIT_CHANGE,
               e.id > sa.func.coalesce(last_decision, 0))).scalars())


@tk.side_effect_free
def govshare_publication_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """An organization's entries by publication state (the reviewers' inbox:
    ``state=submitted``), oldest submission first.

    Editors and admins of the organization, sysadmins.

    :param organization: the organization's id or name
    :param state: ``draft``, ``submitted``, ``published`` or ``returned``
        (default: every state but ``published``)
    """
    data = validate(data_dict, schema.publication_list_schema(), context)
    org = model.Group.get(data["organization"])
    if org is None or not org.is_organization or org.state != "active":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    tk.check_access("govshare_publication_list", context, {"organization": org.id})
    pub = Publication
    query = (model.Session.query(model.Package, pub)
             .outerjoin(pub, pub.package_id == model.Package.id)
             .filter(model.Package.owner_org == org.id, model.Package.state != "deleted"))
    wanted = data.get("state")
    changed = _with_pending_change(org.id)
    if wanted == workflow.DRAFT:  # no row is a draft too
        query = query.filter((pub.state == workflow.DRAFT) | (pub.state.is_(None)))
    elif wanted == workflow.CHANGE_SUBMITTED:
        query = query.filter(pub.package_id.in_(changed))
    elif wanted == workflow.PUBLISHED:
        query = query.filter(pub.state == wanted, pub.package_id.notin_(changed))
    elif wanted:
        query = query.filter(pub.state == wanted)
    else:
        query = query.filter((pub.state != workflow.PUBLISHED) | (pub.state.is_(None))
                             | pub.package_id.in_(changed))
    rows = query.order_by(pub.submitted_at.asc().nullslast(), model.Package.name).all()
    results = []
    for pkg, row in rows:
        entry = as_dict(row or Publication(package_id=pkg.id, owner_org=pkg.owner_org,
                                           state=workflow.DRAFT), pkg)
        if pkg.id in changed:
            entry["state"] = workflow.CHANGE_SUBMITTED
        results.append(entry)
    return {"organization": org.id, "count": len(results), "results": results}
