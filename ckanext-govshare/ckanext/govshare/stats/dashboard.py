"""The supervisor's dashboard: a scorecard per agency, the overdue cases and
entries with their due dates, monthly trends. Registered as figures of
:data:`~.figures.SUPERVISORS` (:mod:`.figures`), so the dashboard, its chart,
its CSV and ``govshare_stats_show`` read the same rows.

* **scorecard**: per agency, for every kind of the application workflow
  (applications, sharing requests, verifications, error reports, data
  requests: :func:`.figures.procedures`) the on-time rate of the answers and the cases
  overdue now (:mod:`ckanext.govshare.applications.report`), and the share
  of its catalog entries updated on time (every entry, closed ones too: the
  supervising authority reads the whole catalog);
* **overdue**: every case still waiting for an answer past its due date,
  oldest due first, and every entry whose update is overdue, with its due
  date; no applicant's personal data;
* **trends**: per month, cases received, answered, answered on time.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.applications import report as answers, workflow
from ckanext.govshare.applications.model import Application
from ckanext.govshare.catalog_review import index as catalog_index, updates
from ckanext.govshare.stats import cache, catalog as stats_catalog, figures
from ckanext.govshare.stats.figures import N_, Column, Figure

#: at most this many overdue items listed (the CSV has the same)
OVERDUE_LIMIT = 500


def _site_context() -> dict[str, Any]:
    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
            "ignore_auth": True}


def scorecard() -> list[dict[str, Any]]:
    """One row per agency with cases or catalog entries, all agencies last."""
    per_org: dict[str, dict[str, Any]] = {}
    total: dict[str, Any] = {"organization": None, "organization_name": None, "total": True}

    def row(org_id: str, name: Any, title: Any) -> dict[str, Any]:
        return per_org.setdefault(org_id, {"organization": title or name or org_id,
                                           "organization_name": name, "total": False})

    for procedure in figures.procedures():
        kind = procedure.name
        result = procedure.report()
        for org in result["organizations"]:
            line = row(org["organization_id"], org["organization_name"],
                       org["organization_title"])
            line[f"{kind}_on_time_percent"] = figures.on_time_percent(
                org["answered_on_time"], org["answered_late"])
            line[f"{kind}_overdue"] = org["overdue"]
        total[f"{kind}_on_time_percent"] = figures.on_time_percent(
            result["total"]["answered_on_time"], result["total"]["answered_late"])
        total[f"{kind}_overdue"] = result["total"]["overdue"]
    # govshare_catalog_update_counts' figures, counted cheaply (stats/catalog.py)
    catalog = stats_catalog.update_counts()
    for org in catalog["organizations"]:
        line = row(org["organization_id"], org["organization_name"], org["organization_title"])
        line["catalog_on_time_percent"] = figures.on_time_percent(
            org[updates.ON_TIME], org[updates.OVERDUE])
        line["catalog_overdue"] = org[updates.OVERDUE]
    total["catalog_on_time_percent"] = figures.on_time_percent(
        catalog["total"][updates.ON_TIME], catalog["total"][updates.OVERDUE])
    total["catalog_overdue"] = catalog["total"][updates.OVERDUE]
    lines = sorted(per_org.values(), key=lambda r: (str(r["organization"]),
                                                    str(r["organization_name"])))
    keys = [c.id for c in scorecard_columns()]
    return [{**{k: 0 if k.endswith("_overdue") else None for k in keys}, **line}
            for line in [*lines, total]]


def scorecard_columns() -> tuple[Column, ...]:
    columns = [Column("organization", N_("Agency"), "text")]
    for procedure in figures.procedures():
        columns.append(Column(f"{procedure.name}_on_time_percent", procedure.title,
                              "percent"))
        columns.append(Column(f"{procedure.name}_overdue", N_("Overdue now")))
    columns.append(Column("catalog_on_time_percent", N_("Catalog updated on time (%)"),
                          "percent"))
    columns.append(Column("catalog_overdue", N_("Update overdue")))
    return tuple(columns)


def _overdue_cases(today: dt.date) -> list[dict[str, Any]]:
    """The cases of every procedure waiting past their due date, oldest due
    first, as many as the dashboard lists."""
    app = Application.__table__.c
    package, group = model.package_table, model.group_table
    cases = model.Session.execute(
        sa.select(app.id, app.kind, app.due_date, package.c.title, package.c.name,
                  group.c.title.label("org_title"), group.c.name.label("org_name"))
        .select_from(Application.__table__
                     .outerjoin(package, package.c.id == app.package_id)
                     .outerjoin(group, group.c.id == app.owner_org))
        .where(app.state.in_(workflow.WAITING_FOR_ANSWER), app.due_date < today)
        .order_by(app.due_date, app.id).limit(OVERDUE_LIMIT)).all()
    items = [{"what": case.kind, "reference": case.id,
              "dataset": case.title or case.name,
              "organization": case.org_title or case.org_name,
              "due_date": case.due_date.isoformat(),
              "days_overdue": (today - case.due_date).days} for case in cases]
    for procedure in figures.procedures():
        if procedure.overdue is not None:
            items.extend(procedure.overdue(today))
    items.sort(key=lambda item: (item["due_date"], item["reference"]))
    return items[:OVERDUE_LIMIT]


def overdue_items() -> list[dict[str, Any]]:
    """Cases past their due date still waiting for an answer, then catalog
    entries whose update is overdue; each with its agency and due date. The
    cases are kept as a figure of the cases (a catalog change searches the
    entries again, not the cases)."""
    today = workdays.local_today()
    items = cache.cached("overdue_cases", {"today": today.isoformat()},
                         lambda: _overdue_cases(today), (cache.CASES,))
    entries = tk.get_action("package_search")(_site_context(), {
        "q": "*:*", "fq": f'+{catalog_index.STATUS_FIELD}:"{updates.OVERDUE}"',
        "include_private": True, "rows": max(OVERDUE_LIMIT - len(items), 0),
        "sort": f"{catalog_index.DUE_FIELD} asc", "fl": "id,name,title,organization,"
        f"{catalog_index.DUE_FIELD}"})["results"] if len(items) < OVERDUE_LIMIT else []
    orgs = {g.name: g.title or g.name for g in model.Session.query(model.Group).filter(
        model.Group.name.in_({e.get("organization") for e in entries if e.get("organization")}))
    } if entries else {}
    for entry in entries:
        due = str(entry.get(catalog_index.DUE_FIELD) or "")[:10]
        try:
            late = (today - dt.date.fromisoformat(due)).days
        except ValueError:
            late = None
        items.append({"what": "catalog_update", "reference": entry.get("name"),
                      "dataset": entry.get("title") or entry.get("name"),
                      "organization": orgs.get(entry.get("organization"),
                                               entry.get("organization")),
                      "due_date": due or None, "days_overdue": late})
    return items


#: cases put in their month (China time) by ``width_bucket`` over the
#: months' starts as UTC instants: one comparison search a row, where
#: converting each row's time to China's and formatting it cost half again
_TRENDS = sa.text("""
    SELECT width_bucket(submitted_at, :bounds) AS bucket,
           count(*) AS received,
           count(*) FILTER (WHERE state IN :answered) AS answered,
           count(*) FILTER (WHERE state IN :answered AND answered_late IS NOT TRUE)
               AS answered_on_time
    FROM govshare_application WHERE submitted_at >= :since
    GROUP BY 1""").bindparams(sa.bindparam("answered", expanding=True),
                              sa.bindparam("bounds", type_=sa.ARRAY(sa.DateTime)))


def trends() -> list[dict[str, Any]]:
    """Per month (by submission, China time): cases received, answered,
    answered on time and the on-time rate."""
    starts = figures.month_starts(workdays.local_today())
    instants = [answers.local_midnight_utc(start) for start in starts]
    counted = {r.bucket: r for r in model.Session.execute(_TRENDS, {
        "answered": list(answers.ANSWERED), "bounds": instants[1:], "since": instants[0]})}
    lines = []
    for i, start in enumerate(starts):
        r = counted.get(i)
        received, answered, on_time = (int(r.received), int(r.answered),
                                       int(r.answered_on_time)) if r else (0, 0, 0)
        lines.append({"month": start.strftime("%Y-%m"), "received": received,
                      "answered": answered, "answered_on_time": on_time,
                      "on_time_percent": figures.on_time_percent(on_time, answered - on_time)})
    return lines


def dashboard_figures() -> list[Figure]:
    return [
        Figure(name="supervision_scorecard", title=N_("Scorecard by agency"),
               columns=scorecard_columns(), count=scorecard, chart="hbar",
               category="organization",
               series=tuple(f"{p.name}_on_time_percent" for p in figures.procedures()),
               audience=figures.SUPERVISORS,
               note=N_("Answered on time, as a percentage of the cases answered; overdue: "
                       "waiting for an answer past the due date today.")),
        Figure(name="supervision_overdue", title=N_("Overdue items"),
               columns=(Column("what", N_("Procedure"), "kind"),
                        Column("organization", N_("Agency"), "text"),
                        Column("dataset", N_("Dataset"), "text"),
                        Column("reference", N_("Reference"), "text"),
                        Column("due_date", N_("Due date"), "text"),
                        Column("days_overdue", N_("Days overdue"))),
               count=overdue_items, chart="", audience=figures.SUPERVISORS),
        Figure(name="supervision_trends", title=N_("Monthly trends"),
               columns=(Column("month", N_("Month"), "text"),
                        Column("received", N_("Received")),
                        Column("answered", N_("Answered")),
                        Column("answered_on_time", N_("Answered on time")),
                        Column("on_time_percent", N_("Answered on time (%)"), "percent")),
               count=trends, chart="line", category="month", depends=(cache.APPLICATIONS,),
               series=("received", "answered", "answered_on_time"),
               audience=figures.SUPERVISORS),
    ]


figures.register_provider(dashboard_figures)
