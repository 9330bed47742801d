"""The supervisor's report on applications, as an action
(:mod:`ckanext.govshare.applications.report` counts)."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.applications import report
from ckanext.govshare.applications.logic import schema


@tk.side_effect_free
def govshare_application_report(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """How each organization answers its applications: received, answered on
    time, answered late, overdue now, the median working days to answer
    (from the last complete submission) and the median whole wait (from the
    first submission, supplement rounds included), per organization and in
    total.

    Counted over the applications whose (latest) submission falls between
    ``since`` and ``until`` (calendar days in China, both included).
    "Answered" means a decision was taken (approved or rejected; expired and
    revoked ones were approved first); "overdue now" means still waiting for
    an answer past the due date.

    Sysadmins.

    :param organization: only this organization (id or name)
    :type organization: string
    :param since: the first submission day, ``YYYY-MM-DD``
    :type since: string
    :param until: the last submission day, ``YYYY-MM-DD``
    :type until: string
    :param kind: only this procedure: ``open`` (the public's applications)
        or ``sharing`` (other organizations' requests); default both
    :type kind: string

    :returns: ``today``, the filters (``organization`` as its id, ``since``,
        ``until``, ``kind``), ``organizations`` (one dictionary per organization that
        received applications: ``organization_id``, ``organization_name``,
        ``organization_title``, ``received``, ``answered_on_time``,
        ``answered_late``, ``overdue``, ``median_answer_working_days`` and
        ``median_wait_working_days`` — null when none was answered) and
        ``total`` with the same figures
    :rtype: dictionary
    """
    tk.check_access("govshare_application_report", context, data_dict)
    data, errors = tk.navl_validate(dict(data_dict), schema.report_schema(), context)
    since, until = data.get("since"), data.get("until")
    if not errors and since and until and since > until:
        errors["until"] = [tk._("The end of the period must not be before its start")]
    if errors:
        raise tk.ValidationError(errors)
    organization_id = None
    if data.get("organization"):
        group = model.Group.get(data["organization"])
        if group is None or not group.is_organization or group.state != "active":
            raise tk.ObjectNotFound(tk._("Organization not found"))
        organization_id = group.id
    result = report.report(organization_id=organization_id, since=since, until=until,
                           kind=data.get("kind"))
    return {
        "today": result["today"],
        "organization": organization_id,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "kind": data.get("kind"),
        "organizations": result["organizations"],
        "total": result["total"],
    }


def get_actions() -> dict[str, Any]:
    return {"govshare_application_report": govshare_application_report}
