"""The working-day rule: the one place that knows which days count.

Deadlines in the open-data rules are counted in *working days* on the Chinese
statutory calendar: Saturdays and Sundays are off, public holidays are off,
and the weekend days the State Council moves into the working week (调休
make-up workdays) are on. GovShare counts them here and nowhere else:

* ``chinese-calendar`` knows the published schedules (2004–2026 in 1.11.0)
  and raises ``NotImplementedError`` for any other year;
* the operator's override file (``ckanext.govshare.workdays.override_file``,
  ``config/workdays.yaml`` in this repository) adds the years it does not know
  yet, or corrects one it does: a year present there, with its holidays and
  make-up workdays, is fully known and takes precedence;
* a year known to neither has its statutory holidays computed from the
  State Council's rules (:mod:`.workdays_rules`: New Year's Day, the Spring
  Festival from the lunar calendar, Qingming from the solar term, …) and its
  weekends off; only its make-up days (调休 weekend workdays, bridging days)
  are unknown. Before 2000, where no rules are kept, it is counted with
  weekends only. Either way that never crashes, and it is never silent: every
  result touching such a year is marked ``provisional`` and a warning is
  logged (once per year per process), so callers can store the flag and
  recompute when the calendar is updated (``ckan govshare workdays
  recompute``, in :mod:`.workdays_cli`, sends :data:`calendar_updated`).

Counting convention: ``add_workdays(start, n)`` is the n-th working day
*after* ``start`` (the day of submission or recording does not count), and
``workdays_between(a, b)`` counts the working days in ``(a, b]``, so that
``workdays_between(start, add_workdays(start, n).date) == n``.

Days are calendar days in China (``ckanext.govshare.workdays.timezone``,
``Asia/Shanghai``): :func:`local_date` turns a stored UTC timestamp into the
day it fell on there.

The calendar is read once per process (:func:`get_calendar`) and read again
when the override file changes on disk or :func:`reload_calendar` is called.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import yaml

import ckan.plugins.toolkit as tk
from ckanext.govshare import options, workdays_rules

log = logging.getLogger(__name__)


#: Sent by ``ckan govshare workdays recompute`` with the freshly loaded
#: :class:`WorkdayCalendar` as sender. Subscribers (through ``ISignal``)
#: recompute the dates they stored and return a short report
#: (for example the number of dates changed), which the command prints.
calendar_updated = tk.signals.ckanext.signal(
    "govshare_workdays_calendar_updated",
    "the working-day calendar changed: recompute the stored dates")

_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")


class DueDate(NamedTuple):
    """A deadline: its day, and whether it depends on a year whose schedule
    the calendar does not know (its holidays from the rules, or weekends only;
    recompute when the year is known)."""

    date: dt.date
    provisional: bool


class WorkdayCount(int):
    """A number of working days that also says whether it is ``provisional``
    (the span touched a year whose schedule is not known). Behaves as an int."""

    provisional: bool

    def __new__(cls, value: int, provisional: bool = False) -> "WorkdayCount":
        obj = super().__new__(cls, value)
        obj.provisional = provisional
        return obj

    def __repr__(self) -> str:
        return f"WorkdayCount({int(self)}, provisional={self.provisional})"


class OverrideFileError(ValueError):
    """The override file cannot be read or says something impossible."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's statutory schedule: days off besides weekends, and weekend
    days that are working days."""

    year: int
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)


# --------------------------------------------------------------------- the file
def _dates(value: Any, *, where: str, allow_ranges: bool) -> set[dt.date]:
    """Dates from a YAML list whose items are dates (``2027-01-01``) or, when
    allowed, inclusive ranges (``2027-10-01..2027-10-07``)."""
    if value is None:
        return set()
    if not isinstance(value, list):
        raise OverrideFileError(f"{where}: expected a list of dates")
    days: set[dt.date] = set()
    for item in value:
        if isinstance(item, dt.datetime):
            raise OverrideFileError(f"{where}: {item!r} is a time, expected a date")
        if isinstance(item, dt.date):
            days.add(item)
            continue
        text = str(item).strip()
        match = _RANGE.match(text)
        try:
            if match and allow_ranges:
                first, last = (dt.date.fromisoformat(g) for g in match.groups())
                if last < first:
                    raise OverrideFileError(f"{where}: range {text!r} ends before it starts")
                days.update(first + dt.timedelta(days=i)
                            for i in range((last - first).days + 1))
            else:
                days.add(dt.date.fromisoformat(text))
        except ValueError as e:
            if isinstance(e, OverrideFileError):
                raise
            kind = "a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)" \
                if allow_ranges else "a date (YYYY-MM-DD)"
            raise OverrideFileError(f"{where}: {text!r} is not {kind}") from None
    return days


def parse_overrides(data: Any, source: str = "override file") -> dict[int, YearSchedule]:
    """Validate the override file's content (already parsed YAML).

    The top level maps a year to ``holidays`` (dates or ranges) and
    ``workdays`` (make-up weekend days). A year left empty (``2027:``) is a
    placeholder and stays unknown. Raises :class:`OverrideFileError` for
    anything that cannot be right: a date outside its year, a make-up workday
    on a weekday, a day that is both, a year listing no holidays.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise OverrideFileError(f"{source}: expected a mapping of years")
    years: dict[int, YearSchedule] = {}
    for key, entry in data.items():
        try:
            year = int(str(key))
        except ValueError:
            raise OverrideFileError(f"{source}: {key!r} is not a year") from None
        if not 1900 <= year <= 2999:
            raise OverrideFileError(f"{source}: {key!r} is not a year")
        if entry is None:
            continue  # placeholder: not known yet
        where = f"{source}, {year}"
        if not isinstance(entry, Mapping):
            raise OverrideFileError(f"{where}: expected 'holidays' and 'workdays'")
        unknown = set(entry) - {"holidays", "workdays"}
        if unknown:
            raise OverrideFileError(
                f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                "expected 'holidays' and 'workdays'")
        holidays = _dates(entry.get("holidays"), where=f"{where}, holidays",
                          allow_ranges=True)
        workdays = _dates(entry.get("workdays"), where=f"{where}, workdays",
                          allow_ranges=False)
        if not holidays:
            raise OverrideFileError(
                f"{where}: no holidays listed. Leave the year empty until its "
                "schedule is published; an empty list would count every "
                "public holiday as a working day")
        for day in sorted(holidays | workdays):
            if day.year != year:
                raise OverrideFileError(f"{where}: {day.isoformat()} is not in {year}")
        for day in sorted(workdays):
            if day.weekday() < 5:
                raise OverrideFileError(
                    f"{where}, workdays: {day.isoformat()} is a weekday; list only "
                    "the Saturdays and Sundays that are worked (调休)")
        both = holidays & workdays
        if both:
            raise OverrideFileError(
                f"{where}: {min(both).isoformat()} is listed as a holiday and a workday")
        years[year] = YearSchedule(year, frozenset(holidays), frozenset(workdays))
    return years


def load_overrides(path: str | os.PathLike[str]) -> dict[int, YearSchedule]:
    """Read and validate an override file; a missing file knows no years."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise OverrideFileError(f"{path}: {e.strerror or e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise OverrideFileError(f"{path}: not valid YAML ({e})") from None
    except ValueError as e:  # the YAML loader meeting 2027-02-30
        raise OverrideFileError(f"{path}: a date that does not exist ({e})") from None
    return parse_overrides(data, source=str(path))


# ----------------------------------------------------------------- the calendar
class _Year(NamedTuple):
    known: bool                  # the published schedule: not provisional
    source: str | None           # "override", "chinese-calendar", "rules" or None
    flags: bytes                 # 1 = working day, indexed by day of year - 1
    cumulative: tuple[int, ...]  # cumulative[i] = working days in days 0..i-1


def _chinese_calendar_years() -> tuple[int, int]:
    from chinese_calendar.constants import holidays

    years = [day.year for day in holidays]
    return min(years), max(years)


class WorkdayCalendar:
    """Working days on the Chinese statutory calendar, from ``chinese-calendar``
    overlaid by the operator's override years; other years from the State
    Council's holiday rules (provisional).

    :param overrides: year → :class:`YearSchedule`, e.g. from
        :func:`load_overrides`
    :param source: where the overrides came from (for messages)
    :param error: why the override file could not be used, if it could not
    """

    def __init__(self, overrides: Mapping[int, YearSchedule] | None = None, *,
                 source: str | None = None, error: str | None = None) -> None:
        self.overrides: dict[int, YearSchedule] = dict(overrides or {})
        self.source = source
        self.error = error
        self._years: dict[int, _Year] = {}
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "WorkdayCalendar":
        """Raises :class:`OverrideFileError` when the file is unusable."""
        return cls(load_overrides(path), source=str(path))

    # --- what the calendar knows
    @property
    def package_years(self) -> tuple[int, int]:
        """The first and last year ``chinese-calendar`` knows."""
        return _chinese_calendar_years()

    def source_of(self, year: int) -> str | None:
        """Where ``year``'s schedule comes from: ``"override"``,
        ``"chinese-calendar"``, ``"rules"`` (statutory holidays computed from
        the State Council's rules, make-up days unknown), or None (weekends
        only)."""
        return self._year(year).source

    def knows(self, year: int) -> bool:
        """Whether ``year``'s published schedule is known (from the override
        file or chinese-calendar); dates depending on any other year, a year
        computed from the rules included, are provisional."""
        return self._year(year).known

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        return [year for year in years if not self.knows(year)]

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            with self._lock:
                table = self._years.get(year)
                if table is None:
                    table = self._years[year] = self._build(year)
        return table

    def _build(self, year: int) -> _Year:
        first = dt.date(year, 1, 1)
        days = [first + dt.timedelta(days=i)
                for i in range((dt.date(year + 1, 1, 1) - first).days)]
        schedule = self.overrides.get(year)
        if schedule is not None:
            source: str | None = "override"
            flags = bytes(
                0 if day in schedule.holidays
                else 1 if day in schedule.workdays or day.weekday() < 5 else 0
                for day in days)
        else:
            try:
                flags = bytes(1 if chinese_calendar.is_workday(day) else 0 for day in days)
                source = "chinese-calendar"
            except NotImplementedError:
                holidays = workdays_rules.statutory_holidays(year) or {}
                flags = bytes(1 if day.weekday() < 5 and day not in holidays else 0
                              for day in days)
                source = "rules" if holidays else None
        cumulative = [0]
        for flag in flags:
            cumulative.append(cumulative[-1] + flag)
        return _Year(source in ("override", "chinese-calendar"), source, flags,
                     tuple(cumulative))

    def _warn_unknown(self, year: int) -> None:
        if year in self._warned:
            return
        self._warned.add(year)
        first, last = self.package_years
        counted = (
            "counting its statutory holidays from the State Council's rules, "
            "without its make-up workdays," if self.source_of(year) == "rules"
            else "counting weekends only")
        log.warning(
            "Working-day calendar: %s is known neither to chinese-calendar "
            "(%s–%s) nor to the override file %s; %s and marking the dates "
            "that depend on it provisional. Add the year's holidays and "
            "make-up workdays to the override file, then run "
            "`ckan govshare workdays recompute`.",
            year, first, last, self.source or "(none)", counted)

    # --- days
    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day. For a year the calendar does not
        know this counts the statutory holidays from the rules (or weekends
        only) and logs a warning; check :meth:`knows` (or use
        :meth:`add_workdays`, which reports it)."""
        day = _as_date(day)
        table = self._year(day.year)
        if not table.known:
            self._warn_unknown(day.year)
        return bool(table.flags[day.timetuple().tm_yday - 1])

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday ``day`` belongs to, as chinese-calendar names it
        (English, also for a year computed from the rules), or ``"holiday"``
        for an override year; None otherwise."""
        day = _as_date(day)
        source = self.source_of(day.year)
        if source == "override":
            return "holiday" if day in self.overrides[day.year].holidays else None
        if source == "rules":
            return (workdays_rules.statutory_holidays(day.year) or {}).get(day)
        if source == "chinese-calendar":
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return name if on_holiday and name else None
        return None

    def add_workdays(self, start: dt.date, n: int) -> DueDate:
        """The ``n``-th working day after ``start`` (``start`` itself does not
        count), provisional if a day counted lies in a year whose schedule is
        not known."""
        start = _as_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number of days, not {n!r}")
        day, left, provisional = start, n, False
        while left:
            day += dt.timedelta(days=1)
            table = self._year(day.year)
            if not table.known:
                provisional = True
                self._warn_unknown(day.year)
            left -= table.flags[day.timetuple().tm_yday - 1]
        return DueDate(day, provisional)

    def workdays_between(self, a: dt.date, b: dt.date) -> WorkdayCount:
        """Working days after ``a`` up to and including ``b`` (negative when
        ``b`` is before ``a``), provisional if that span touches a year whose
        schedule is not known."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            count = self.workdays_between(b, a)
            return WorkdayCount(-count, count.provisional)
        if a == b:
            return WorkdayCount(0)
        total, provisional = 0, False
        first_day = a + dt.timedelta(days=1)
        for year in range(first_day.year, b.year + 1):
            table = self._year(year)
            if not table.known:
                provisional = True
                self._warn_unknown(year)
            lo = first_day.timetuple().tm_yday - 1 if year == first_day.year else 0
            hi = b.timetuple().tm_yday if year == b.year else len(table.flags)
            total += table.cumulative[hi] - table.cumulative[lo]
        return WorkdayCount(total, provisional)


def _as_date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date, not {type(value).__name__}")


# ----------------------------------------------------------- days in China time
#: the days any date given to the portal may be (form fields, API
#: parameters): wide enough for the records a government catalogues,
#: far enough inside Python's calendar (years 1 to 9999) that adding a
#: term, a day or a time zone to one never leaves it
DATE_RANGE = (dt.date(1800, 1, 1), dt.date(2199, 12, 31))


def in_date_range(day: dt.date) -> bool:
    return DATE_RANGE[0] <= _as_date(day) <= DATE_RANGE[1]


def parse_date(value: Any) -> dt.date | None:
    """A date from what a form, an extra or a stored dict holds: a date, a
    datetime (its date), or text starting ``YYYY-MM-DD``; None for anything
    else. For reading stored values leniently, not for validating input."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def timezone() -> dt.tzinfo:
    """The time zone whose calendar days are counted (``Asia/Shanghai``)."""
    name = tk.config.get(options.WORKDAYS_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        log.error("Unknown time zone %r in %s; using Asia/Shanghai", name,
                  options.WORKDAYS_TIMEZONE)
        return ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    """The calendar day (in China) of a timestamp. Naive timestamps are UTC,
    as CKAN stores them; a date is returned as it is."""
    if not isinstance(moment, dt.datetime):
        return _as_date(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(timezone()).date()


def local_today() -> dt.date:
    """Today, in China."""
    return dt.datetime.now(timezone()).date()


# ------------------------------------------------------------ one per process
def override_path() -> Path | None:
    """The configured override file as an absolute path, or None when the
    option is set empty (relative to the ini file's directory)."""
    return options.config_file(tk.config.get(options.WORKDAYS_OVERRIDE_FILE))


_state_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], WorkdayCalendar] | None = None


def _load(path: Path | None) -> WorkdayCalendar:
    if path is None:
        return WorkdayCalendar()
    if not path.exists():
        log.warning("Working-day override file %s not found: only the years "
                    "chinese-calendar knows are known", path)
        return WorkdayCalendar(source=str(path))
    try:
        calendar = WorkdayCalendar.from_file(path)
    except OverrideFileError as e:
        # Never crash: the years the file meant to add stay unknown, so the
        # dates in them are provisional, and the reason is logged.
        log.error("Working-day override file not used: %s", e)
        return WorkdayCalendar(source=str(path), error=str(e))
    log.info("Working-day calendar: override years %s from %s",
             sorted(calendar.overrides) or "none", path)
    return calendar


def get_calendar() -> WorkdayCalendar:
    """The process's calendar, read again if the override file changed."""
    global _cached
    path = override_path()
    stamp = options.file_stamp(path)
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _state_lock:
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _load(path))
        return _cached[1]


def reload_calendar() -> WorkdayCalendar:
    """Forget the loaded calendar and read the override file again."""
    global _cached
    with _state_lock:
        _cached = None
    return get_calendar()


# ----------------------------------------------------- the module-level rule
def is_workday(day: dt.date) -> bool:
    """:meth:`WorkdayCalendar.is_workday` on the process's calendar."""
    return get_calendar().is_workday(day)


def add_workdays(start: dt.date, n: int) -> DueDate:
    """:meth:`WorkdayCalendar.add_workdays` on the process's calendar."""
    return get_calendar().add_workdays(start, n)


def workdays_between(a: dt.date, b: dt.date) -> WorkdayCount:
    """:meth:`WorkdayCalendar.workdays_between` on the process's calendar."""
    return get_calendar().workdays_between(a, b)
