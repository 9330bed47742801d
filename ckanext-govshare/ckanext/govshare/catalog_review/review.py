"""When does a catalog entry need review? The rule, in one place.

An entry (a dataset of a type in ``ckanext.govshare.catalog_review.dataset_types``)
needs review when

* it has not been reviewed for over a year: its ``last_reviewed`` date (the
  scheming field; missing means never reviewed, and then the date it was
  catalogued counts) is more than one year before today; or
* a change to its legal basis, the agency's duties or its system was recorded
  and is still unanswered after
  ``ckanext.govshare.catalog_review.change_working_days`` (15) working days,
  counted on the statutory calendar from the day after it *occurred* (which
  the recorder states; it may be before the day it was recorded)
  (:mod:`ckanext.govshare.workdays`).

The due dates are inclusive: a change that occurred on 5 January 2026 is due on
the 15th working day after it, 26 January, and is overdue from 27 January; a
review done on 1 March 2025 is due again by 1 March 2026. Days are calendar
days in China.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.catalog_review.model import CatalogChange
from ckanext.govshare.jurisdiction import profile


def kind_label(kind: str) -> str:
    """The translated name of a change kind."""
    labels = {
        "legal_basis": tk._("Legal basis"),
        "duties": tk._("Agency duties"),
        "system": tk._("Information system"),
        "other": tk._("Other"),
    }
    return labels.get(kind, kind)


def kind_options() -> list[dict[str, str]]:
    from ckanext.govshare.catalog_review.model import KINDS

    return [{"value": kind, "text": kind_label(kind)} for kind in KINDS]


def last_reviewed(pkg_dict: dict[str, Any]) -> dt.date | None:
    """The dataset's ``last_reviewed`` date (top-level scheming field, or a
    plain extra when the dataset schema does not declare it)."""
    value = pkg_dict.get("last_reviewed")
    if value is None:
        for extra in pkg_dict.get("extras") or []:
            if extra.get("key") == "last_reviewed":
                value = extra.get("value")
                break
    return workdays.parse_date(value)


def catalogued_on(pkg_dict: dict[str, Any]) -> dt.date | None:
    created = pkg_dict.get("metadata_created")
    if not created:
        return None
    try:
        return workdays.local_date(dt.datetime.fromisoformat(created))
    except ValueError:
        return workdays.parse_date(created)


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def change_due(change: CatalogChange) -> workdays.DueDate:
    """When the entry must have been updated for a recorded change: counted
    from the day it occurred, not the day it was recorded."""
    return workdays.add_workdays(change.occurred_on, change_working_days())


def change_working_days() -> int:
    """The jurisdiction profile's period for updating an entry after a change."""
    return int(profile.current().catalog_change_working_days.value)


def change_dict(change: CatalogChange, today: dt.date | None = None) -> dict[str, Any]:
    """A change event as the API returns it: the row, its due date and, while
    open, how many working days it has waited."""
    today = today or workdays.local_today()
    due = change_due(change)
    recorded_on = workdays.local_date(change.recorded_at)
    data = change.dictize()
    data.update({
        "kind_label": kind_label(change.kind),
        "recorded_on": recorded_on.isoformat(),
        "due": due.date.isoformat(),
        "provisional": due.provisional,
        "overdue": change.is_open and today > due.date,
    })
    if change.is_open:
        waited = workdays.workdays_between(change.occurred_on, today)
        data["working_days"] = int(waited)
        data["provisional"] = due.provisional or waited.provisional
    return data


def review_reasons(pkg_dict: dict[str, Any], open_changes: Iterable[CatalogChange],
                   today: dt.date | None = None, *,
                   include_pending: bool = False) -> list[dict[str, Any]]:
    """Why ``pkg_dict`` needs review today (an empty list: it does not).

    Each reason is a dict with ``reason`` (``"annual"`` or ``"change"``),
    ``due`` (ISO date), ``provisional``, ``overdue`` and a translated
    ``message``; change reasons also carry the change event. With
    ``include_pending``, open changes that are not overdue yet are listed too
    (``overdue`` false).
    """
    today = today or workdays.local_today()
    reasons: list[dict[str, Any]] = []

    reviewed = last_reviewed(pkg_dict)
    since = reviewed or catalogued_on(pkg_dict)
    if since is not None:
        due = one_year_after(since)
        if today > due:
            if reviewed:
                message = tk._("Not reviewed for over a year (last reviewed on {date})")
            else:
                message = tk._("Never reviewed since it was catalogued on {date}, "
                               "over a year ago")
            reasons.append({
                "reason": "annual",
                "last_reviewed": reviewed.isoformat() if reviewed else None,
                "since": since.isoformat(),
                "due": due.isoformat(),
                "provisional": False,
                "overdue": True,
                "message": message.format(date=since.isoformat()),
            })

    for change in open_changes:
        data = change_dict(change, today)
        if not data["overdue"] and not include_pending:
            continue
        if data["overdue"]:
            days = data["working_days"]
            message = tk.ungettext(
                "{kind} change of {date}, unanswered for {days} working day",
                "{kind} change of {date}, unanswered for {days} working days",
                days).format(kind=data["kind_label"], date=data["occurred_on"], days=days)
        else:
            message = tk._("{kind} change of {date}, update due by {due}").format(
                kind=data["kind_label"], date=data["occurred_on"], due=data["due"])
        if data["provisional"]:
            message += " " + tk._("(provisional: the calendar does not know every "
                                  "year this counts)")
        reasons.append({"reason": "change", "change": data, "due": data["due"],
                        "provisional": data["provisional"], "overdue": data["overdue"],
                        "message": message})
    return reasons
