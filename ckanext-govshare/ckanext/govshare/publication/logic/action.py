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
from ckanext.govshare.personal_data import jobs as personal_data_jobs
from ckanext.govshare.personal_data import review as personal_data_review
from ckanext.govshare.catalog_review import hooks as catalog_review_hooks
from ckanext.govshare.publication import access, held_resources, widening, workflow
from ckanext.govshare.publication import state as publication_state
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
        "resource_create": resource_create,
        "resource_update": resource_update,
    }


#: context key of the reviewer's update that applies an approved change
APPLYING_CHANGE = "govshare_publication_applying_change"
#: key of a resource dict that was held for review, not saved
HELD_FOR_REVIEW = "govshare_held_for_review"
_DECISIONS_OF_CHANGES = (workflow.PUBLISH, workflow.RETURN)


#: a change awaiting review: the widening values, the held resources by id
Pending = tuple[dict[str, Any], dict[str, dict[str, Any]]]


def _pending(package_id: str) -> Pending:
    """The change awaiting review: the widening values and the held
    resources (by id) of the ``submit_change`` events after the last
    decision, later ones over earlier ones."""
    events = (model.Session.query(PublicationEvent.move, PublicationEvent.details)
              .filter(PublicationEvent.package_id == package_id,
                      PublicationEvent.move.in_((workflow.SUBMIT_CHANGE,
                                                 *_DECISIONS_OF_CHANGES)))
              .order_by(PublicationEvent.id).all())
    fields: dict[str, Any] = {}
    resources: dict[str, dict[str, Any]] = {}
    for move, details in events:
        if move == workflow.SUBMIT_CHANGE:
            fields.update((details or {}).get("fields") or {})
            resources.update((held["id"], held) for held in (details or {}).get("resources") or [])
        else:
            fields, resources = {}, {}
    return fields, resources


def effective_state(row: Publication, pending: Pending) -> str:
    """The state the move table reads: ``change_submitted`` for a published
    entry with a change awaiting review (``pending``: :func:`_pending`)."""
    if row.state == workflow.PUBLISHED and any(pending):
        return workflow.CHANGE_SUBMITTED
    return row.state


def _under_review(context: Context, package: Optional[model.Package]) -> bool:
    """Whether an edit of ``package`` may widen access only through review:
    review on, the entry published, and not the approval being applied."""
    if context.get(APPLYING_CHANGE) or not publication_state.review_on() or package is None:
        return False
    row = Publication.get(package.id)
    return row is not None and row.state == workflow.PUBLISHED


def _package_of(reference: Any) -> Optional[model.Package]:
    return model.Package.get(reference) if isinstance(reference, str) and reference else None


def _hold_change(context: Context, package: model.Package, fields: dict[str, Any],
                 resources: list[dict[str, Any]]) -> None:
    """Record the held part of an edit (in the caller's transaction)."""
    user = context_user(context)
    row = Publication.get_for_update(package.id)
    row.submitted_by, row.submitted_at = (user.id if user else None), utcnow()
    details: dict[str, Any] = {"fields": fields}
    if resources:
        details["resources"] = resources
    record(package.id, package.owner_org, workflow.SUBMIT_CHANGE, row.submitted_by,
           workflow.PUBLISHED, workflow.PUBLISHED, details=details)


def _validate_whole(context: Context, package: model.Package, data_dict: dict[str, Any],
                    held: list[dict[str, Any]]) -> None:
    """Validate the edit as if nothing were held, so that a held resource is
    as valid as a saved one; on errors the held files go."""
    plugin = lib_plugins.lookup_package_plugin(package.type)
    schema_ = context.get("schema") or plugin.update_package_schema()
    _data, errors = lib_plugins.plugin_validate(
        plugin, {**context, "package": package}, data_dict, schema_, "package_update")
    if errors:
        held_resources.discard(held)
        model.Session.rollback()
        raise tk.ValidationError(errors)


@tk.chained_action
def package_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``package_update``; on a published entry with review on, the
    values that widen access (:mod:`ckanext.govshare.publication.widening`)
    are kept as approved and held for review, new and replaced resources of
    an open entry are held (:mod:`..held_resources`), everything else is
    saved."""
    package = _package_of((data_dict.get("id") or data_dict.get("name"))
                          if isinstance(data_dict, dict) else None)
    if not _under_review(context, package):
        return up_func(context, data_dict)
    assert package is not None
    current = tk.get_action("package_show")(
        {"ignore_auth": True, "use_cache": False}, {"id": package.id})
    held = widening.held_values(current, data_dict)
    proposed: dict[str, Any] = dict(data_dict)
    held_list: list[dict[str, Any]] = []
    if isinstance(data_dict.get("resources"), list) and held_resources.is_open(package):
        saved, held_list, whole = held_resources.hold(package, data_dict["resources"])
        if held_list:
            _validate_whole(context, package, {**data_dict, "resources": whole}, held_list)
            proposed["resources"] = saved
    if not held and not held_list:
        return up_func(context, data_dict)
    kept = {**proposed, **{field: current.get(field) for field in held}}
    outer_defers = context.get("defer_commit")
    try:
        result = up_func({**context, "defer_commit": True}, kept)
    except tk.ValidationError:
        held_resources.discard(held_list)
        raise
    _hold_change(context, package, held, held_list)
    if not outer_defers:
        model.repo.commit()
    return result


def _hold_resource(context: Context, package: model.Package,
                   resource: dict[str, Any]) -> dict[str, Any]:
    """Hold one new or replaced resource (``resource_create`` and
    ``resource_update`` of an open published entry): validated with the
    entry, recorded, not saved. Returns what the caller proposed, marked."""
    _saved, held, whole = held_resources.hold(package, [resource], whole_edit=True)
    pkg_dict = tk.get_action("package_show")(
        {**context, "for_update": True, "use_cache": False}, {"id": package.id})
    others = [r for r in pkg_dict.get("resources") or [] if r.get("id") != held[0]["id"]]
    try:
        _validate_whole(context, package, {**pkg_dict, "resources": [*others, *whole]}, held)
    except tk.ValidationError as error:
        # as resource_create does: the resource's own errors, not the list's
        errors = error.error_dict.get("resources")
        raise tk.ValidationError(errors[-1] if isinstance(errors, list) and errors
                                 else error.error_dict)
    catalog_review_hooks.mark_resource_change(context)
    _hold_change(context, package, {}, held)
    model.repo.commit()
    return {**held[0]["resource"], "package_id": package.id, HELD_FOR_REVIEW: True}


@tk.chained_action
def resource_create(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``resource_create``; a new resource of an open published
    entry is held for review (returned with ``govshare_held_for_review``)."""
    package = _package_of(data_dict.get("package_id") if isinstance(data_dict, dict) else None)
    if not _under_review(context, package) or not held_resources.is_open(package):
        return up_func(context, data_dict)
    tk.check_access("resource_create", context, data_dict)
    return _hold_resource(context, package, dict(data_dict))


@tk.chained_action
def resource_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``resource_update``; a new file or link for a resource of an
    open published entry is held for review with the rest of the edit (the
    approved resource stays as it is until then)."""
    stored = (model.Resource.get(data_dict["id"]) if isinstance(data_dict, dict)
              and isinstance(data_dict.get("id"), str) else None)
    package = stored.package if stored is not None and stored.state != "deleted" else None
    if (not _under_review(context, package) or not held_resources.is_open(package)
            or not held_resources.replaces_data(stored, data_dict)):
        return up_func(context, data_dict)
    tk.check_access("resource_update", context, data_dict)
    return _hold_resource(context, package, dict(data_dict))


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
    if data["decision"] == workflow.PUBLISH:
        # before the lock: a scan commits its report
        personal_data_review.scan_unscanned(package.id)
    row = _locked(package)
    _refuse_own_case(context, package, row, data["decision"])
    pending = _pending(package.id)
    source = effective_state(row, pending)
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
    change, held = pending if source == workflow.CHANGE_SUBMITTED else ({}, {})
    if move.name == workflow.PUBLISH and not errors:
        blocking = _personal_data_blocks(package, change, list(held.values()))
        if blocking:
            errors["personal_data_checked"] = blocking
    if errors:
        model.Session.rollback()
        raise tk.ValidationError(errors)
    user = context_user(context)
    row.state = move.target
    row.reason = data["reason"] or None if move.needs_reason else None
    row.decided_by, row.decided_at = (user.id if user else None), utcnow()
    checklist = {name: bool(data.get(name)) for name in workflow.CHECKLIST_FIELDS}
    details: dict[str, Any] = {"checklist": checklist}
    if change:
        details["fields"] = change
    if held:
        details["resources"] = list(held)
    record(package.id, package.owner_org, move.name, row.decided_by, source, row.state,
           reason=data["reason"] or None, details=details)
    if (change or held) and move.name == workflow.PUBLISH:
        _apply_change(package, user, change, list(held.values()))
    _apply(package, row)
    held_resources.discard(list(held.values()))
    return as_dict(row, package)


def _personal_data_blocks(package: model.Package, change: dict[str, Any],
                          held: list[dict[str, Any]]) -> list[str]:
    """Why the entry may not be opened as far as personal data goes (one
    line per file), when what is published is open: its files not scanned,
    unreadable, or with hits no reviewer confirmed; held new files with
    hits (the editors desensitise them: return the change)."""
    tier = (policy.normalise_tier(change[policy.TIER_FIELD]) if policy.TIER_FIELD in change
            else policy.tier_of(package))
    if tier == policy.CLOSED:
        return []
    names = {r.id: r.name or r.id for r in package.resources}
    lines = [personal_data_review.explain(names.get(rid, rid), why)
             for rid, why in personal_data_review.blocking_resources(package.id).items()
             if rid not in {h["id"] for h in held if h.get("file")}]
    for entry in held:
        if entry.get("file"):
            why = personal_data_review.held_file_status(
                held_resources.path_of(entry["file"]), entry["resource"].get("format")
                or entry["file"]["filename"].rpartition(".")[2])
            if why:
                lines.append(personal_data_review.explain(
                    entry["resource"].get("name") or entry["file"]["filename"], why))
    return lines


def _apply_change(package: model.Package, user: Optional[model.User],
                  fields: dict[str, Any], held: list[dict[str, Any]]) -> None:
    """Save the approved change as the reviewer, in the decision's
    transaction: the widening values, the held resources with their files
    (through CKAN's uploader), then queue the new files' scans."""
    context: dict[str, Any] = {"user": user.name if user else "", "ignore_auth": True,
                               APPLYING_CHANGE: True, "defer_commit": True}
    patch: dict[str, Any] = {"id": package.id, **fields}
    if held:
        current = tk.get_action("package_show")(
            {**context, "for_update": True, "use_cache": False}, {"id": package.id})
        by_id = {entry["id"]: entry for entry in held}
        resources = [held_resources.as_update(by_id.pop(r["id"]), r) if r["id"] in by_id
                     else r for r in current.get("resources") or []]
        patch["resources"] = resources + [held_resources.as_update(entry, None)
                                          for entry in by_id.values()]
    try:
        tk.get_action("package_patch")(context, patch)
    finally:
        for resource in patch.get("resources") or []:
            if resource.get("upload") is not None:
                resource["upload"].stream.close()
    for entry in held:
        if entry.get("file"):
            personal_data_jobs.after_resource_change(context, {
                "id": entry["id"], "url_type": "upload",
                "format": entry["resource"].get("format")})


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
    pending = _pending(package.id)
    return {**as_dict(row, package), "state": effective_state(row, pending),
            "pending_change": pending[0],
            "pending_resources": list(pending[1].values()),
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
