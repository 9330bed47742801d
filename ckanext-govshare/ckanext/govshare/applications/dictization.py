"""Applications and grants as the API and the pages show them, and which of
an application's fields are its materials, its terms and personal data."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.model as model

from ckanext.govshare.applications import (
    access, agreement, deadline, grants, kinds, workflow)
from ckanext.govshare.applications.model import Application, ApplicationEvent, Grant, utcnow
from ckanext.govshare.tiers import policy

#: what only the applicant, the reviewers and sysadmins may see
PERSONAL_FIELDS = ("contact_email", "contact_phone", "credit_code")
MATERIAL_FIELDS = ("purpose", "use_scenario", "requested_fields", "requested_term_months",
                   "applicant_type", "applicant_name", "credit_code", "contact_email",
                   "contact_phone")
TERM_FIELDS = ("scope", "resource_ids", "extent", "valid_from", "valid_until",
               "disposal", "derived_data_ownership")


def iso(value: Any) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _user_names(ids: set[Optional[str]]) -> dict[str, dict[str, str]]:
    ids.discard(None)
    if not ids:
        return {}
    rows = model.Session.query(model.User.id, model.User.name, model.User.fullname).filter(
        model.User.id.in_(ids))
    return {r.id: {"name": r.name, "display_name": r.fullname or r.name} for r in rows}


def application_dict(application: Application, viewer: Optional[model.User], *,
                     today: Optional[dt.date] = None,
                     package: Optional[model.Package] = None,
                     organization: Optional[model.Group] = None,
                     events: bool = False) -> dict[str, Any]:
    """An application as the API and the pages show it to ``viewer``."""
    package = package or model.Package.get(application.package_id)
    organization = organization or model.Group.get(application.owner_org)
    roles = access.roles(viewer, application.user_id, application.owner_org)
    requesting = (model.Group.get(application.requesting_org)
                  if application.requesting_org else None)
    result: dict[str, Any] = {
        "id": application.id,
        "kind": deadline.kind_of(application),
        "kind_label": kinds.label(deadline.kind_of(application)),
        "requesting_org": application.requesting_org,
        "requesting_organization_name": requesting.name if requesting else None,
        "requesting_organization_title": requesting.title if requesting else None,
        "package_id": application.package_id,
        "package_name": package.name if package else None,
        "package_title": package.title if package else None,
        "owner_org": application.owner_org,
        "organization_name": organization.name if organization else None,
        "organization_title": organization.title if organization else None,
        "resource_ids": list(application.resource_ids or []),
        "user_id": application.user_id,
        "purpose": application.purpose,
        "use_scenario": application.use_scenario,
        "requested_fields": application.requested_fields,
        "requested_term_months": application.requested_term_months,
        "applicant_type": application.applicant_type,
        "applicant_name": application.applicant_name,
        "credit_code": application.credit_code,
        "contact_email": application.contact_email,
        "contact_phone": application.contact_phone,
        "state": application.state,
        "created_at": iso(application.created_at),
        "submitted_at": iso(application.submitted_at),
        "extension_days": application.extension_days,
        "decided_at": iso(application.decided_at),
        "decided_by": application.decided_by,
        "reason": application.reason,
        "basis": application.basis,
        "terms": application.terms,
        "answer_working_days": application.answer_working_days,
        "answered_late": application.answered_late,
        "wait_working_days": application.wait_working_days,
        **deadline.clock(application.state, application.due_date,
                         application.due_date_provisional, today),
        "correction": application.correction,
        "moves": [m.name for m in workflow.moves_for(application.state, roles,
                                                     deadline.kind_of(application))
                  if not deadline.refusal(application, m.name)],
    }
    if not access.may_see_personal_data(roles):
        for field in PERSONAL_FIELDS:
            result.pop(field, None)
    if events:
        rows = (model.Session.query(ApplicationEvent)
                .filter(ApplicationEvent.application_id == application.id)
                .order_by(ApplicationEvent.seq).all())
        names = _user_names({r.actor_id for r in rows})
        result["events"] = [{
            "at": iso(r.at), "move": r.move, "from_state": r.from_state,
            "to_state": r.to_state, "reason": r.reason, "basis": r.basis,
            "terms": r.terms, "details": r.details,
            "actor": names.get(r.actor_id or "", {}).get("name"),
            "actor_display_name": names.get(r.actor_id or "", {}).get("display_name"),
        } for r in rows]
        grant = model.Session.query(Grant).filter(
            Grant.application_id == application.id).one_or_none()
        result["grant"] = grant_dict(grant) if grant else None
        if application.terms:
            accepted = next(({"at": iso(r.at), **(r.details or {})} for r in reversed(rows)
                             if r.move == workflow.ACCEPT_TERMS), None)
            result["agreement"] = agreement.as_dict(application, grant, accepted)
    return result


def grant_dict(grant: Grant, now: Optional[dt.datetime] = None, *,
               viewer: Optional[model.User] = None) -> dict[str, Any]:
    """A grant as the API and the pages show it to ``viewer``. An interested
    party's grant is on a closed entry: its name and title only to those who
    see the entry now (the agency; the holder while the grant opens it, not
    once it is revoked or over, nor when the entry is made private)."""
    now = now or utcnow()
    valid = grants.opens_files(grant, now)
    package = model.Package.get(grant.package_id)
    if package is not None and grant.data_request_id is not None and not policy.can_see(
            policy.Caller.for_user(viewer), policy.PackageFacts.from_model(package)):
        package = None
    return {
        "id": grant.id,
        "application_id": grant.application_id,
        "data_request_id": grant.data_request_id,
        "user_id": grant.user_id,
        "package_id": grant.package_id,
        "package_name": package.name if package else None,
        "package_title": package.title if package else None,
        "owner_org": grant.owner_org,
        "resource_ids": list(grant.resource_ids or []),
        "valid_from": iso(grant.valid_from),
        "valid_until": iso(grant.valid_until),
        "valid_until_date": iso(grants.last_day(grant.valid_until)),
        "state": grant.state,
        "valid": valid,
        "ended_at": iso(grant.ended_at),
        "end_reason": grant.end_reason,
    }
