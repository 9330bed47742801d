"""The 15-working-day rule: when an application is due, how many working days
are left, whether it is overdue. Counted on the Chinese statutory calendar of
:mod:`ckanext.govshare.workdays` in China time."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import options, workdays
from ckanext.govshare.applications import workflow


def answer_working_days() -> int:
    return int(tk.config.get(options.APPLICATION_ANSWER_WORKING_DAYS))


def max_extension_days() -> int:
    return int(tk.config.get(options.APPLICATION_MAX_EXTENSION_WORKING_DAYS))


def reminder_days() -> list[int]:
    days = tk.config.get(options.APPLICATION_REMINDER_WORKING_DAYS) or []
    return sorted({int(d) for d in days}, reverse=True)


def due_after(submitted_at: dt.datetime, extension_days: int = 0) -> workdays.DueDate:
    """The due date of an application (re)submitted at ``submitted_at`` (UTC):
    the N-th working day after the day of submission in China, plus any
    extension."""
    return workdays.add_workdays(workdays.local_date(submitted_at),
                                 answer_working_days() + extension_days)


def working_days_left(due_date: Optional[dt.date], today: Optional[dt.date] = None
                      ) -> Optional[int]:
    """Working days after today up to and including the due date; 0 on the due
    date itself, negative once overdue (the working days past it)."""
    if due_date is None:
        return None
    return int(workdays.workdays_between(today or workdays.local_today(), due_date))


def is_overdue(state: str, due_date: Optional[dt.date],
               today: Optional[dt.date] = None) -> bool:
    return bool(state in workflow.WAITING_FOR_ANSWER and due_date is not None
                and due_date < (today or workdays.local_today()))


def clock(state: str, due_date: Optional[dt.date], provisional: bool,
          today: Optional[dt.date] = None) -> dict[str, Any]:
    """The deadline fields every application dict carries."""
    waiting = state in workflow.WAITING_FOR_ANSWER
    return {
        "due_date": due_date.isoformat() if due_date else None,
        "due_date_provisional": bool(provisional),
        "working_days_left": working_days_left(due_date, today) if waiting else None,
        "overdue": is_overdue(state, due_date, today),
    }


def date_range_for_days_left(days: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """[first, last] due dates that leave exactly ``days`` working days from
    ``today`` (a due date on a weekend after the Nth working day leaves N too)."""
    first = workdays.add_workdays(today, days).date
    last = workdays.add_workdays(today, days + 1).date - dt.timedelta(days=1)
    return first, last
