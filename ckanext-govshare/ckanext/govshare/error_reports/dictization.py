"""Error reports as the API and the pages show them: the public part to
anyone who can see the dataset, who reported it only to the reporter, the
answering organization's reviewers and sysadmins."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

import ckan.model as model

from ckanext.govshare.applications import access, deadline, kinds, workflow
from ckanext.govshare.applications import dictization as applications
from ckanext.govshare.applications.model import Application, ApplicationEvent
from ckanext.govshare.error_reports import problems

#: what only the reporter, the reviewers and sysadmins see
REPORTER_FIELDS = ("user_id", "reporter_name", "contact_email", "attachment", "events")


_FORWARD_COLUMNS = (ApplicationEvent.application_id, ApplicationEvent.at,
                    ApplicationEvent.reason, ApplicationEvent.details)


def _forward_dict(row: Any) -> dict[str, Any]:
    return {"at": applications.iso(row.at), "reason": row.reason,
            "from_organization_title": (row.details or {}).get("from_organization_title"),
            "to_organization_title": (row.details or {}).get("to_organization_title")}


def _forwards_of(report_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The forwards of each report, in order."""
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in report_ids}
    if report_ids:
        for row in (model.Session.query(*_FORWARD_COLUMNS)
                    .filter(ApplicationEvent.application_id.in_(report_ids),
                            ApplicationEvent.move == workflow.FORWARD)
                    .order_by(ApplicationEvent.application_id, ApplicationEvent.seq)):
            found[row.application_id].append(_forward_dict(row))
    return found


@dataclasses.dataclass
class Page:
    """What the dicts of a page of reports read, in one query each (a list
    of 50 reports made some 120 queries, one of each per report)."""

    packages: dict[str, model.Package]
    organizations: dict[str, model.Group]
    resources: dict[str, model.Resource]
    forwards: dict[str, list[dict[str, Any]]]

    @classmethod
    def of(cls, reports: list[Application]) -> "Page":
        def by_id(entity: Any, ids: set[str]) -> dict[str, Any]:
            ids.discard(None)  # type: ignore[arg-type]
            return {e.id: e for e in model.Session.query(entity).filter(
                entity.id.in_(ids))} if ids else {}

        return cls(packages=by_id(model.Package, {r.package_id for r in reports}),
                   organizations=by_id(model.Group, {r.owner_org for r in reports}),
                   resources=by_id(model.Resource, {r.resource_ids[0] for r in reports
                                                    if r.resource_ids}),
                   forwards=_forwards_of([r.id for r in reports]))


def report_dict(report: Application, viewer: Optional[model.User], *,
                package: Optional[model.Package] = None,
                today: Optional[dt.date] = None, events: bool = False,
                page: Optional[Page] = None) -> dict[str, Any]:
    """An error report as ``viewer`` may see it (``page``: what a list read
    for all of its reports at once)."""
    page = page or Page.of([report])
    package = package or page.packages.get(report.package_id)
    organization = page.organizations.get(report.owner_org)
    roles = access.roles(viewer, report.user_id, report.owner_org)
    privileged = access.may_see_personal_data(roles)
    resource = page.resources.get(report.resource_ids[0]) if report.resource_ids else None
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
        "forwards": page.forwards.get(report.id) or [],
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
