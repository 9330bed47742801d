"""The supervisor's report pages (sysadmins and designated supervisors): thin wrappers around
``govshare_application_report``.

* ``/ckan-admin/applications/report``: the table, with the filters
  (organization, submitted since/until) and links to the same figures as
* ``/ckan-admin/applications/report.csv``: UTF-8 with a byte-order mark, so
  that Excel reads the Chinese titles right; a download;
* ``/ckan-admin/applications/report.json``: the action's result.

The query string (``organization``, ``since``, ``until``) is the action's
parameters. Others get 403; a bad filter gives the page with its error (400),
or 400 for the files.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import kinds, report as report_figures
from ckanext.govshare import views_common

report = Blueprint("govshare_application_report", __name__)

FILTERS = ("organization", "kind", "since", "until")


def _filters() -> dict[str, str]:
    return {k: tk.request.args[k].strip() for k in FILTERS
            if tk.request.args.get(k, "").strip()}


def _not_allowed() -> Any:
    return tk.abort(403, tk._("Only the supervising authority may see the applications report"))


def _run(filters: dict[str, str]) -> dict[str, Any]:
    return tk.get_action("govshare_application_report")(views_common.context(), dict(filters))


def _summary(error: tk.ValidationError) -> str:
    return "; ".join(f"{field}: {message}"
                     for field, message in (error.error_summary or {}).items())


def report_page() -> Any:
    """The report as a table."""
    filters = _filters()
    context = views_common.context()
    result: dict[str, Any] | None = None
    errors: dict[str, Any] = {}
    error_summary: dict[str, Any] = {}
    try:
        result = _run(filters)
    except tk.NotAuthorized:
        return _not_allowed()
    except tk.ObjectNotFound:
        errors = {"organization": [tk._("Organization not found")]}
        error_summary = {tk._("Organization"): tk._("Organization not found")}
    except tk.ValidationError as e:
        errors, error_summary = e.error_dict, e.error_summary
    # the filter's choices: every active organization (id, name, title)
    organizations = sorted(
        tk.get_action("organization_autocomplete")(context, {"q": "", "limit": 10000}),
        key=lambda o: (o["title"] or o["name"]))
    wanted = filters.get("organization")
    selected = next((o["name"] for o in organizations if wanted in (o["id"], o["name"])), "")
    # the catalog's update deadlines beside the applications (catalog_review)
    catalog_updates = _catalog_counts(filters.get("organization"))
    body = tk.render("govshare/applications/report.html", {
        "report": result, "filters": filters, "organizations": organizations,
        "catalog_updates": catalog_updates,
        "selected_organization": selected, "columns": column_titles(),
        "kinds": [{"value": kind, "text": kinds.label(kind)} for kind in kinds.KINDS],
        "errors": errors, "error_summary": error_summary,
    })
    return (body, 400) if errors else body


def report_csv() -> Any:
    """The report as a CSV download (UTF-8 with BOM)."""
    try:
        result = _run(_filters())
    except tk.NotAuthorized:
        return _not_allowed()
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    except tk.ValidationError as e:
        return tk.abort(400, _summary(e))
    catalog = _catalog_counts(_filters().get("organization"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([tk._("Organization"), tk._("Organization URL name"),
                     *column_titles(), *catalog_column_titles()])
    applications = {row["organization_id"]: row for row in result["organizations"]}
    entries = {row["organization_id"]: row for row in catalog["organizations"]}
    # every organization with applications in the period or catalog entries
    names = {org_id: (row["organization_title"], row["organization_name"])
             for org_id, row in {**entries, **applications}.items()}
    for org_id in sorted(names, key=lambda i: (names[i][0] or "", i)):
        title, name = names[org_id]
        writer.writerow([_text(title or ""), name or "",
                         *_cells(applications.get(org_id)), *_catalog_cells(entries.get(org_id))])
    writer.writerow([tk._("All organizations"), "", *_cells(result["total"]),
                     *_catalog_cells(catalog["total"])])
    filename = f"govshare-applications-report-{result['today']}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def report_json() -> Any:
    """The report as JSON: the action's result."""
    try:
        result = _run(_filters())
    except tk.NotAuthorized:
        return _not_allowed()
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Organization not found"))
    except tk.ValidationError as e:
        return Response(json.dumps({"error": e.error_dict}, ensure_ascii=False), status=400,
                        content_type="application/json; charset=utf-8")
    result = {**result, "catalog_updates": _catalog_counts(_filters().get("organization"))}
    return Response(json.dumps(result, ensure_ascii=False, indent=1),
                    content_type="application/json; charset=utf-8")


def _catalog_counts(organization: str | None = None) -> dict[str, Any]:
    """The catalog's update figures (as of today) beside the applications,
    for one organization when the report is filtered to it."""
    counts = tk.get_action("govshare_catalog_update_counts")(views_common.context(), {})
    if not organization:
        return counts
    rows = [row for row in counts["organizations"]
            if organization in (row["organization_id"], row["organization_name"])]
    total = {key: sum(row[key] for row in rows) for key in (*CATALOG_FIGURES, "total")}
    return {"organizations": rows, "total": total}


def catalog_column_titles() -> list[str]:
    """The catalog figures' headings (page and CSV), in :data:`CATALOG_FIGURES` order."""
    return [tk._("Updated on time"), tk._("Update overdue"), tk._("No data attached")]


#: the catalog figures of :func:`govshare_catalog_update_counts`, as columns
CATALOG_FIGURES = ("on_time", "overdue", "not_attached")


def _catalog_cells(row: dict[str, Any] | None) -> list[Any]:
    return [(row or {}).get(key, 0) for key in CATALOG_FIGURES]


def column_titles() -> list[str]:
    """The figures' headings (page and CSV), in :data:`report.FIGURES` order."""
    return [tk._("Received"), tk._("Answered on time"), tk._("Answered late"),
            tk._("Overdue now"), tk._("Median working days to answer"),
            tk._("Median working days since the first submission")]


#: what a spreadsheet may read as the start of a formula (OWASP's list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _cells(row: dict[str, Any] | None) -> list[Any]:
    """An organization's application figures (none in the period: zeros)."""
    row = row or {**dict.fromkeys(report_figures.FIGURES, 0),
                  **dict.fromkeys(report_figures.MEDIANS)}
    return [("" if row[k] is None else f"{row[k]:.1f}") if k in report_figures.MEDIANS
            else row[k] for k in report_figures.FIGURES]


report.add_url_rule("/ckan-admin/applications/report", view_func=report_page)
report.add_url_rule("/ckan-admin/applications/report.csv", view_func=report_csv)
report.add_url_rule("/ckan-admin/applications/report.json", view_func=report_json)


def get_blueprints() -> list[Blueprint]:
    return [report]
