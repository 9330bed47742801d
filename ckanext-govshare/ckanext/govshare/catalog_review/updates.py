"""When is a catalog entry's next update due? The rule, in one place.

Shanxi 2020 arts. 8 and 11, Liaoning 2019 art. 26(3) and Qingyang 2021
arts. 14 and 32 ask agencies to update their data as often as the catalog
entry says (更新周期) and to attach data to every entry (挂接). So:

* **last updated**: the newest ``last_modified`` of the entry's resources,
  or their ``created`` for a resource never modified (calendar days in
  China). Not ``metadata_modified``: editing the description is not
  updating the data. (The schema has no "data updated on" field.)
* **due**: last updated + the frequency's ``update_interval`` (in the
  ``govshare_update_frequency`` preset of ``schemas/presets.yaml``: a day,
  a week, a month, three months, a year); when that day is not a working
  day, the first working day after it (:mod:`ckanext.govshare.workdays`).
  Inclusive: an entry is *overdue* from the day after its due date.
  Irregular data (不定期) and an unknown frequency have no due date.
* **not attached** (未挂接): the entry has no resource at all.

:data:`STATUSES` are the values of the ``update_status`` search field and
facet, written when the entry is indexed (:mod:`.index`) together with
``update_due_date``; the tick re-indexes the entries whose due date has
passed since (:func:`.reminders.reindex_newly_overdue`).
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, NamedTuple, Optional

from dateutil.relativedelta import relativedelta

import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays

FREQUENCY_PRESET = "govshare_update_frequency"

ON_TIME = "on_time"
OVERDUE = "overdue"
NOT_ATTACHED = "not_attached"
#: the values of the ``update_status`` facet, in display order
STATUSES = (ON_TIME, OVERDUE, NOT_ATTACHED)


def status_label(status: str) -> str:
    """The translated name of an update status."""
    labels = {
        ON_TIME: tk._("Updated on time"),
        OVERDUE: tk._("Update overdue"),
        NOT_ATTACHED: tk._("No data attached"),
    }
    return labels.get(status, status)


@functools.lru_cache(maxsize=None)
def _intervals() -> dict[str, dict[str, int]]:
    from ckanext.scheming.helpers import scheming_get_preset

    preset = scheming_get_preset(FREQUENCY_PRESET) or {}
    return {choice["value"]: dict(choice["update_interval"])
            for choice in preset.get("choices", []) if choice.get("update_interval")}


def update_interval(frequency: Optional[str]) -> Optional[relativedelta]:
    """How long after an update the next one is due, for a frequency value
    (None: no due date)."""
    interval = _intervals().get(frequency or "")
    return relativedelta(**interval) if interval else None


def frequency(pkg_dict: dict[str, Any]) -> Optional[str]:
    """The entry's ``update_frequency`` (top-level scheming field, or an extra
    in the unvalidated dict the search index is given)."""
    value = pkg_dict.get("update_frequency")
    if value is None:
        for extra in pkg_dict.get("extras") or []:
            if extra.get("key") == "update_frequency":
                return extra.get("value")
    return value


def _day(value: Any) -> Optional[dt.date]:
    if not value or not isinstance(value, str):
        return None
    try:
        return workdays.local_date(dt.datetime.fromisoformat(value))
    except ValueError:
        return workdays.parse_date(value)


def last_updated(pkg_dict: dict[str, Any]) -> Optional[dt.date]:
    """The day the entry's data was last updated (None: no resource)."""
    days = [_day(res.get("last_modified")) or _day(res.get("created"))
            for res in pkg_dict.get("resources") or []]
    known = [day for day in days if day is not None]
    return max(known) if known else None


class UpdateState(NamedTuple):
    status: str
    last_updated: Optional[dt.date]
    #: None: no due date (irregular, or not attached)
    due: Optional[dt.date]
    provisional: bool

    def dictize(self) -> dict[str, Any]:
        return {
            "update_status": self.status,
            "update_status_label": status_label(self.status),
            "last_updated": self.last_updated.isoformat() if self.last_updated else None,
            "update_due": self.due.isoformat() if self.due else None,
            "update_due_provisional": self.provisional,
        }


def due_after(last: dt.date, frequency: Optional[str]) -> Optional[workdays.DueDate]:
    """The next update's due date after an update on ``last``: the interval
    later, or the first working day after that day when it is a day off."""
    interval = update_interval(frequency)
    if interval is None:
        return None
    # the first working day after the day before: that day itself if it works
    return workdays.add_workdays(last + interval - dt.timedelta(days=1), 1)


def update_state(pkg_dict: dict[str, Any], today: Optional[dt.date] = None) -> UpdateState:
    """Whether ``pkg_dict`` (as ``package_show`` returns it) is updated on
    time today, overdue, or has no data attached."""
    if not pkg_dict.get("resources"):
        return UpdateState(NOT_ATTACHED, None, None, False)
    last = last_updated(pkg_dict)
    due = due_after(last, frequency(pkg_dict)) if last else None
    if due is None:
        return UpdateState(ON_TIME, last, None, False)
    today = today or workdays.local_today()
    return UpdateState(OVERDUE if today > due.date else ON_TIME, last, due.date,
                       due.provisional)
