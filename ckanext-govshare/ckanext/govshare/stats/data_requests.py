"""Data requests (需求征集, :mod:`ckanext.govshare.data_requests`) as a
procedure of the statistics: a table of their own, not a kind of the
application workflow, so they are registered here (one
:func:`~.figures.register_procedure` call). A request may name no agency
(its row says so); answered on time is the answer's own ``answered_late``."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.data_requests.model import ANSWERED, SUBMITTED, DataRequest
from ckanext.govshare.stats import cache, dashboard, figures
from ckanext.govshare.stats.figures import N_


def report() -> dict[str, Any]:
    """The shape of ``applications.report.report``: per agency and in total;
    cached as a figure of the cases (the public figure and the scorecard
    read it)."""
    today = workdays.local_today()
    return cache.cached("answers_by_kind_data_request", {"today": today.isoformat()},
                        lambda: count(today), (cache.DATA_REQUESTS,))


def count(today: dt.date) -> dict[str, Any]:
    """:func:`report`, counted."""
    c = DataRequest.__table__.c
    answered = c.state == ANSWERED
    late = c.answered_late.is_(True)
    per_org = (sa.select(
        c.owner_org, sa.func.grouping(c.owner_org).label("is_total"),
        sa.func.count().label("received"),
        sa.func.count().filter(sa.and_(answered, sa.not_(late))).label("answered_on_time"),
        sa.func.count().filter(sa.and_(answered, late)).label("answered_late"),
        sa.func.count().filter(sa.and_(c.state == SUBMITTED, c.due_date < today)).label(
            "overdue"))
        .group_by(sa.func.grouping_sets(sa.tuple_(c.owner_org), sa.tuple_()))
        .subquery("per_org"))
    group = model.group_table
    rows = model.Session.execute(
        sa.select(per_org, group.c.name, group.c.title)
        .select_from(per_org.outerjoin(group, group.c.id == per_org.c.owner_org))
        .order_by(per_org.c.is_total, group.c.title, group.c.name)).all()
    organizations, total = [], {"received": 0, "answered_on_time": 0, "answered_late": 0,
                                "overdue": 0}
    for row in rows:
        figures_ = {"received": int(row.received),
                    "answered_on_time": int(row.answered_on_time),
                    "answered_late": int(row.answered_late), "overdue": int(row.overdue)}
        if row.is_total:
            total = figures_
        else:
            organizations.append({"organization_id": row.owner_org,
                                  "organization_name": row.name,
                                  "organization_title": row.title or row.name, **figures_})
    return {"organizations": organizations, "total": total}


def overdue(today: dt.date) -> list[dict[str, Any]]:
    """Requests waiting past their due date, oldest due first, as many as
    the dashboard lists."""
    c = DataRequest.__table__.c
    group = model.group_table
    rows = model.Session.execute(
        sa.select(c.id, c.title, c.due_date, group.c.title.label("org_title"),
                  group.c.name.label("org_name"))
        .select_from(DataRequest.__table__.outerjoin(group, group.c.id == c.owner_org))
        .where(c.state == SUBMITTED, c.due_date < today)
        .order_by(c.due_date, c.id).limit(dashboard.OVERDUE_LIMIT)).all()
    return [{"what": "data_request", "reference": row.id, "dataset": row.title,
             "organization": row.org_title or row.org_name,
             "due_date": row.due_date.isoformat(), "days_overdue": (today - row.due_date).days}
            for row in rows]


figures.register_procedure(figures.Procedure(
    name="data_request", title=N_("Data requests"), report=report, public=True,
    median=False, overdue=overdue, depends=(cache.DATA_REQUESTS,)))
