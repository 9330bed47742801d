"""A figure as the page, the chart, the CSV and the JSON show it: headings
and coded values in the reader's language, numbers as counted."""
from __future__ import annotations

import csv
import io
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govshare.catalog import facets as catalog_facets
from ckanext.govshare.stats import figures
from ckanext.govshare.stats.figures import N_, Column, Figure
from ckanext.govshare.tiers import policy

#: what the overdue list names beside the kinds of the application workflow
OTHER_LABELS = {"catalog_update": N_("Catalog update")}

#: what a spreadsheet may read as the start of a formula (OWASP's list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def heading(column: Column) -> str:
    title = tk._(column.title)
    if column.kind == "percent" and not title.rstrip().endswith("%)"):
        return f"{title} (%)"
    return title


def label(column: Column, row: dict[str, Any], tiers: dict[str, str]) -> Any:
    """The cell as read: coded values named, the total row named."""
    value = row.get(column.id)
    if column.kind == "tier":
        return tiers.get(value, value)
    if column.kind == "kind":
        return tk._(OTHER_LABELS.get(value) or figures.kind_title(value))
    if column.id == "organization" and row.get("total"):
        return tk._("All agencies")
    if column.id == "organization" and value is None:
        return tk._("No agency named")
    return value


def as_dict(figure: Figure) -> dict[str, Any]:
    """The figure with its rows (what ``govshare_stats_show`` returns)."""
    tiers = catalog_facets.choice_labels(policy.TIER_FIELD)
    rows = figures.rows(figure)
    labelled = []
    # a coded value is named once per figure (the overdue list repeats a
    # handful of kinds over hundreds of rows)
    named: dict[tuple[str, Any], Any] = {}
    for row in rows:
        row = dict(row)
        for column in figure.columns:
            if column.kind in ("tier", "kind"):
                code = (column.id, row.get(column.id))
                if code not in named:
                    named[code] = label(column, row, tiers)
                row[f"{column.id}_label"] = named[code]
            elif column.id == "organization" and (
                    row.get("total") or row.get(column.id) is None):
                row[f"{column.id}_label"] = label(column, row, tiers)
        labelled.append(row)
    return {
        "name": figure.name,
        "title": tk._(figure.title),
        "note": tk._(figure.note) if figure.note else "",
        "columns": [{"id": c.id, "title": heading(c), "kind": c.kind}
                    for c in figure.columns],
        "rows": labelled,
        "chart": {"type": figure.chart, "category": figure.category,
                  "series": list(figure.series)},
    }


def cell(column: dict[str, Any], row: dict[str, Any]) -> Any:
    """A row's cell as shown: the label of a coded value, else the value."""
    key = f"{column['id']}_label"
    return row[key] if key in row else row.get(column["id"])


def _csv_text(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula; empty for none."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def as_csv(shown: dict[str, Any]) -> str:
    """The figure's table as CSV, UTF-8 with a byte-order mark (Excel reads
    the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c["title"] for c in shown["columns"]])
    for row in shown["rows"]:
        writer.writerow([_csv_text(cell(c, row)) for c in shown["columns"]])
    return "\ufeff" + out.getvalue()


def chart_data(shown: dict[str, Any]) -> dict[str, Any]:
    """What the script draws: categories, and one series per drawn column
    (the total row left out: a bar as long as all the others together)."""
    chart = shown["chart"]
    columns = {c["id"]: c for c in shown["columns"]}
    category = columns.get(chart["category"])
    rows = [r for r in shown["rows"] if not r.get("total")]
    return {
        "type": chart["type"],
        "categories": [str(cell(category, r) or "") for r in rows] if category else [],
        "series": [{"name": columns[s]["title"], "percent": columns[s]["kind"] == "percent",
                    "data": [r.get(s) for r in rows]}
                   for s in chart["series"] if s in columns],
    }
