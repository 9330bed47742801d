"""The supervisor's report: how each organization answers its applications.

One aggregate over ``govshare_application``, one row per owning organization
and a total row (``GROUPING SETS ((owner_org), ())``, so the total's median
is the median of all answers, not a median of medians), joined to the
organizations' titles::

    SELECT owner_org, grouping(owner_org),
           count(*)                                            received,
           count(*) FILTER (WHERE answered AND NOT answered_late) answered_on_time,
           count(*) FILTER (WHERE answered AND answered_late)     answered_late,
           count(*) FILTER (WHERE state = 'submitted' AND due_date < today) overdue,
           percentile_cont(0.5) WITHIN GROUP
               (ORDER BY CASE WHEN answered THEN answer_working_days END),
           percentile_cont(0.5) WITHIN GROUP
               (ORDER BY CASE WHEN answered THEN wait_working_days END)
    FROM govshare_application
    WHERE [owner_org = ...] [AND submitted_at in the window]
    GROUP BY GROUPING SETS ((owner_org), ())

* **received**: applications whose (latest) submission falls in the window
  (``since``/``until``, calendar days in China, both included), in any state;
* **answered**: approved or rejected, or a verification answered (corrected
  or no error found) — a decision was taken (``decided_at``); expired and
  revoked applications were approved first and count too.
  Whether in time is the ``answered_late`` the decision recorded;
* **overdue now**: still ``submitted`` with the due date before today
  (China), as the inbox shows them;
* **median working days to answer**: of the answered ones
  (``answer_working_days``, from the last complete submission to the
  decision);
* **median working days since the first submission**: of the answered
  ones, the whole wait (``wait_working_days``, from the first submission to
  the decision, supplement rounds included).

Both are set by the decision and counted again from the events when the
working-day calendar changes (:mod:`.recompute`).

Per procedure kind: ``kind`` narrows the report to the public's
applications (``open``), to other organizations' sharing requests
(``sharing``) or to their verification requests (``verification``); without
it, all are counted.

The action :func:`~ckanext.govshare.applications.logic.report_action.\
govshare_application_report` validates and authorizes; this module only counts.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.applications import workflow
from ckanext.govshare.applications.model import Application

#: states of an application that was answered (a decision was taken)
ANSWERED = (workflow.APPROVED, workflow.REJECTED, workflow.EXPIRED, workflow.REVOKED,
            workflow.CORRECTED, workflow.CONFIRMED)

#: answered with the data given (expired and revoked were approved first)
APPROVED_STATES = (workflow.APPROVED, workflow.EXPIRED, workflow.REVOKED)

#: the figures of a row, in the order the page and the CSV show them
FIGURES = ("received", "answered_on_time", "answered_late", "overdue",
           "median_answer_working_days", "median_wait_working_days")
#: the figures that are medians (null when nothing was answered)
MEDIANS = ("median_answer_working_days", "median_wait_working_days")


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of ``day`` in China, as the naive UTC timestamp CKAN stores."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=workdays.timezone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def query(*, organization_id: Optional[str] = None, since: Optional[dt.date] = None,
          until: Optional[dt.date] = None, today: dt.date,
          kind: Optional[str] = None, by_kind: bool = False) -> sa.sql.Select:
    """The report's one statement (exposed for the benchmark's EXPLAIN);
    ``by_kind``: the rows of every kind at once, each with its ``kind``
    (``GROUPING SETS ((kind, owner_org), (kind))``: one pass over the table,
    read from the index on (kind, owner_org) that includes the columns
    counted)."""
    table = Application.__table__
    c = table.c
    answered = c.state.in_(ANSWERED)
    late = c.answered_late.is_(True)
    conditions = []
    if organization_id:
        conditions.append(c.owner_org == organization_id)
    if kind:
        conditions.append(c.kind == kind)
    if since:
        conditions.append(c.submitted_at >= local_midnight_utc(since))
    if until:
        conditions.append(c.submitted_at < local_midnight_utc(until + dt.timedelta(days=1)))
    sets = (sa.func.grouping_sets(sa.tuple_(c.kind, c.owner_org), sa.tuple_(c.kind))
            if by_kind else sa.func.grouping_sets(sa.tuple_(c.owner_org), sa.tuple_()))
    per_org = (
        sa.select(
            *((c.kind.label("kind"),) if by_kind else ()),
            c.owner_org.label("owner_org"),
            sa.func.grouping(c.owner_org).label("is_total"),
            sa.func.count().label("received"),
            sa.func.count().filter(sa.and_(answered, sa.not_(late))).label(
                "answered_on_time"),
            sa.func.count().filter(sa.and_(answered, late)).label("answered_late"),
            sa.func.count().filter(c.state.in_(APPROVED_STATES)).label("approved"),
            sa.func.count().filter(c.state == workflow.REJECTED).label("rejected"),
            sa.func.count().filter(sa.and_(c.state.in_(workflow.WAITING_FOR_ANSWER),
                                           c.due_date < today)).label("overdue"),
            # percentile_cont skips NULLs: the CASE keeps the answered ones
            sa.func.percentile_cont(0.5).within_group(
                sa.case((answered, c.answer_working_days))).label("median"),
            sa.func.percentile_cont(0.5).within_group(
                sa.case((answered, c.wait_working_days))).label("median_wait"),
        )
        .where(*conditions)
        .group_by(sets)
        .subquery("per_org"))
    group = model.group_table
    return (sa.select(per_org, group.c.name.label("organization_name"),
                      group.c.title.label("organization_title"))
            .select_from(per_org.outerjoin(group, group.c.id == per_org.c.owner_org))
            .order_by(*((per_org.c.kind,) if by_kind else ()), per_org.c.is_total,
                      group.c.title, group.c.name, per_org.c.owner_org))


def _median(value: Any) -> Optional[float]:
    return round(float(value), 1) if value is not None else None


def _figures(row: Any) -> dict[str, Any]:
    return {
        "received": int(row.received),
        "answered_on_time": int(row.answered_on_time),
        "answered_late": int(row.answered_late),
        "overdue": int(row.overdue),
        # beside the report's columns, for the public statistics (stats/)
        "approved": int(row.approved),
        "rejected": int(row.rejected),
        "median_answer_working_days": _median(row.median),
        "median_wait_working_days": _median(row.median_wait),
    }


def empty_report(today: dt.date) -> dict[str, Any]:
    """The report of no applications."""
    return {"today": today.isoformat(), "organizations": [],
            "total": {**dict.fromkeys(FIGURES, 0), "approved": 0, "rejected": 0,
                      **dict.fromkeys(MEDIANS)}}


def _add(result: dict[str, Any], row: Any) -> None:
    if row.is_total:
        result["total"] = _figures(row)
        return
    result["organizations"].append({
        "organization_id": row.owner_org,
        "organization_name": row.organization_name,
        "organization_title": row.organization_title or row.organization_name
        or row.owner_org,
        **_figures(row),
    })


def report(*, organization_id: Optional[str] = None, since: Optional[dt.date] = None,
           until: Optional[dt.date] = None, today: Optional[dt.date] = None,
           kind: Optional[str] = None) -> dict[str, Any]:
    """``organizations``: one row per organization that received applications
    in the window (by title), and ``total``: all of them together."""
    today = today or workdays.local_today()
    result = empty_report(today)
    for row in model.Session.execute(query(organization_id=organization_id, since=since,
                                           until=until, today=today, kind=kind)):
        _add(result, row)
    return result


def reports_by_kind(today: Optional[dt.date] = None) -> dict[str, dict[str, Any]]:
    """``report(kind=k)`` for every kind ``k`` that has applications, counted
    in one statement (the statistics and the scorecard show them all); a kind
    without any has no entry."""
    today = today or workdays.local_today()
    results: dict[str, dict[str, Any]] = {}
    for row in model.Session.execute(query(today=today, by_kind=True)):
        _add(results.setdefault(row.kind, empty_report(today)), row)
    return results
