"""Validators of the catalog review schemas (used directly, not registered)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Validator

from ckanext.govshare import workdays

#: the earliest day a change may have occurred: the catalog rules date from
#: 2019, so an earlier day is a typo (and a bound keeps the working-day
#: count of an open change cheap)
EARLIEST_OCCURRENCE = dt.date(2000, 1, 1)


def max_length(length: int) -> Validator:
    """Refuse text longer than ``length`` characters."""

    def validator(value: Any) -> Any:
        if isinstance(value, str) and len(value) > length:
            raise tk.Invalid(
                tk._("Must be at most {max} characters long").format(max=length))
        return value

    return validator



def occurrence_date(value: Any) -> dt.date:
    """A change's ``occurred_on``: an ISO date (``YYYY-MM-DD``), not after
    today in China and not before :data:`EARLIEST_OCCURRENCE`."""
    day = None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise tk.Invalid(tk._("Give the date as YYYY-MM-DD"))
    if day > workdays.local_today():
        raise tk.Invalid(tk._("The change cannot have occurred after today"))
    if day < EARLIEST_OCCURRENCE:
        raise tk.Invalid(tk._("The change cannot have occurred before {date}").format(
            date=EARLIEST_OCCURRENCE.isoformat()))
    return day
