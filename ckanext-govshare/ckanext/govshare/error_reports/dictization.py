"""Error reports as the API and the pages show them: the public part to
anyone who can see the dataset, who reported it only to the reporter, the
answering organization's reviewers and sysadmins."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.model as model

from ckanext.govshare.applications import access, deadline, kinds, workflow
from ckanext.govshare.applications import dictization as applications
from ckanext.govshare.applications.model import Application, ApplicationEvent
from ckanext.govshare.error_reports import problems

#: what only the reporter, the reviewers and sysadmins see
REPORTER_FIELDS = ("user_id", "reporter_name", "contact_email", "attachment", "events")


def _forwards(report: Application) -> list[dict[str, Any]]:
    rows = (model.Session.query(ApplicationEvent.at, ApplicationEvent.reason,
                                ApplicationEvent.details)
            .filter(ApplicationEvent.application_id == report.id,
                    ApplicationEvent.move == workflow.FORWARD)
            .order_by(ApplicationEvent.seq).all())
    return [{"at": applications.iso(r.at), "reason": r.reason,
             "from_organization_title": (r.details or {}).get("from_organization_title"),
             "to_organization_title": (r.details or {}).get("to_organization_title")}
            for r in rows]


def report_dict(report: Application, viewer: Optional[model.User], *,
                package: Optional[model.Package] = None,
                today: Optional[dt.date] = None, events: bool = False) -> dict[str, Any]:
    """An error report as ``viewer`` may see it."""
    package = package or model.Package.get(report.package_id)
    organization = model.Group.get(report.owner_org)
    roles = access.roles(viewer, report.user_id, report.owner_org)
    privileged = access.may_see_personal_data(roles)
    resource = model.Resource.get(report.resource_ids[0]) if report.resource_ids else None
    outcome = problems.OUTCOME_OF_STATE.get(report.state)
    hidden = report.problem == problems.PERSONAL_DATA and not privileged
    result: dict[str, Any] = {
        "id": report.id,
        "procedure": kinds.ERROR_REPORT,
        "kind": report.problem,
        "kind_label": problems.label(report.problem),
        # a report of exposed personal data would repeat it: not public
        "description": None if hidden else report.purpose,
        "description_hidden": hidden,
        "package_id": report.package_id,
        "package_name": package.name if package else None,
        "package_title": package.title if package else None,
        "resource_id": resource.id if resource else None,
        "resource_name": (resource.name or resource.url) if resource else None,
        "owner_org": report.owner_org,
        "organization_name": organization.name if organization else None,
        "organization_title": organization.title if organization else None,
        "state": report.state,
        "state_label": workflow.state_label(report.state),
        "outcome": outcome,
        "outcome_label": problems.outcome_label(outcome) if outcome else None,
        "reason": report.reason,
        "created_at": applications.iso(report.created_at),
        "answered_at": applications.iso(report.decided_at),
        "answered_late": report.answered_late,
        "forwards": _forwards(report),
        "has_attachment": bool(report.attachment),
        **deadline.clock(report.state, report.due_date, report.due_date_provisional, today),
        "moves": [m.name for m in workflow.moves_for(report.state, roles, kinds.ERROR_REPORT)
                  if not deadline.refusal(report, m.name)],
    }
    if privileged:
        result.update(user_id=report.user_id, reporter_name=report.applicant_name,
                      contact_email=report.contact_email, attachment=report.attachment)
        if events:
            result["events"] = applications.application_dict(
                report, viewer, package=package, organization=organization,
                events=True)["events"]
    return result
