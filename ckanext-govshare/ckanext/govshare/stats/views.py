"""The public statistics and the supervisor's dashboard: thin wrappers
around ``govshare_stats_show`` and ``govshare_supervision_dashboard``.

* ``/stats``: every public figure as a chart (Apache ECharts, vendored as
  the ``govshare/stats-charts`` webasset) above its table, which is what a
  reader without scripts gets; each with its CSV and JSON;
* ``/stats/<figure>.csv`` and ``/stats/<figure>.json``: one figure's rows
  (UTF-8 with a byte-order mark; the action's result);
* ``/supervision/dashboard``: the dashboard's figures (supervisors and
  sysadmins; 403 for anyone else), their CSV and JSON at the same
  ``/stats/<figure>.*`` addresses, which answer 403 to others.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.stats import cache, figures, present

stats = Blueprint("govshare_stats", __name__)

#: the dashboard's own figures first, then the agencies' requests
DASHBOARD_FIRST = ("supervision_scorecard", "supervision_overdue", "supervision_trends")


def _show(name: str) -> dict[str, Any]:
    return tk.get_action("govshare_stats_show")(views_common.context(), {"figure": name})


#: rows a page shows of a figure (the overdue list may run to hundreds);
#: its CSV and JSON have them all
PAGE_ROWS = 100


def _cell(column: dict[str, Any], row: dict[str, Any]) -> str:
    """A cell of the page's table as read (its label when it has one)."""
    label = f"{column['id']}_label"
    shown = row[label] if label in row else row.get(column["id"])
    if shown is None:
        return "—"
    if column["kind"] in ("percent", "days"):
        return "%.1f" % shown
    return str(shown)


def _with_chart(shown: dict[str, Any]) -> dict[str, Any]:
    """The figure with what its chart draws (JSON), or '' when there is no
    chart to draw (no chart for it, or nothing counted yet: the table says so),
    and the cells of the rows the page shows, as read (formatted here: a
    template macro per cell cost the dashboard's 2,500 cells tens of ms)."""
    data = present.chart_data(shown) if shown["chart"]["type"] else None
    page_rows = shown["rows"][:PAGE_ROWS]
    return {**shown, "chart_data": json.dumps(data, ensure_ascii=False)
            if data and data["categories"] else "",
            "page_rows": page_rows,
            "page_cells": [[_cell(column, row) for column in shown["columns"]]
                           for row in page_rows],
            "more_rows": max(len(shown["rows"]) - PAGE_ROWS, 0)}


def index() -> Any:
    """Every public figure."""
    shown = [_with_chart(_show(f.name)) for f in figures.figures_for(figures.PUBLIC)]
    return tk.render("govshare/stats/index.html", {"figures": shown})


def dashboard() -> Any:
    try:
        tk.check_access("govshare_supervision_dashboard", views_common.context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the supervising authority may see the dashboard"))
    result = tk.get_action("govshare_supervision_dashboard")(views_common.context(), {})
    order = {name: i for i, name in enumerate(DASHBOARD_FIRST)}
    shown = sorted(result["figures"], key=lambda f: order.get(f["name"], len(order)))
    return tk.render("govshare/stats/dashboard.html",
                     {"figures": [_with_chart(f) for f in shown]})


def _figure_or_abort(name: str) -> dict[str, Any]:
    if figures.get(name) is None:
        return tk.abort(404, tk._("No such figure"))
    try:
        return _show(name)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the supervising authority may see this figure"))


def figure_csv(name: str) -> Any:
    shown = _figure_or_abort(name)
    return Response(present.as_csv(shown), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="govshare-{name}.csv"'})


def figure_json(name: str) -> Any:
    shown = _figure_or_abort(name)
    return Response(json.dumps(shown, ensure_ascii=False, indent=1),
                    content_type="application/json; charset=utf-8")


stats.add_url_rule("/stats", view_func=index)
stats.add_url_rule("/stats/<name>.csv", view_func=figure_csv)
stats.add_url_rule("/stats/<name>.json", view_func=figure_json)
stats.add_url_rule("/supervision/dashboard", view_func=dashboard)
# figures found out of date are counted again once the page is made, on any
# route that shows one (the API's govshare_stats_show too)
stats.teardown_app_request(cache.start_counts)


def get_blueprints() -> list[Blueprint]:
    return [stats]
