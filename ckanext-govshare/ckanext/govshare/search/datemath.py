"""Solr date math: ``NOW``, ``NOW-1YEAR``, ``NOW/DAY+1DAY``, ``2024-01-01T00:00:00Z-6MONTHS``."""
from __future__ import annotations

import datetime
import re

from dateutil.relativedelta import relativedelta

from ckanext.govshare.search.fields import parse_date

_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
    "MILLI": "microseconds", "MILLIS": "microseconds", "MILLISECOND": "microseconds",
    "MILLISECONDS": "microseconds",
}
_OP_RE = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_BASE_RE = re.compile(r"^(NOW|\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)(.*)$")


class DateMathError(ValueError):
    pass


def _round(value: datetime.datetime, unit: str) -> datetime.datetime:
    order = ["years", "months", "days", "hours", "minutes", "seconds"]
    if unit not in order:
        return value
    keep = order.index(unit)
    fields = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    names = ["month", "day", "hour", "minute", "second"]
    for name in names[keep:]:
        value = value.replace(**{name: fields[name]})
    return value.replace(microsecond=0)


def evaluate(expression: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """The UTC datetime an expression stands for; raises DateMathError."""
    text = expression.strip().upper()
    match = _BASE_RE.match(text)
    if not match:
        raise DateMathError(f"Invalid Date String:'{expression}'")
    base, rest = match.groups()
    if base == "NOW":
        value = now or datetime.datetime.now(datetime.timezone.utc)
    else:
        parsed = parse_date(base)
        if parsed is None:
            raise DateMathError(f"Invalid Date String:'{expression}'")
        value = parsed
    position = 0
    while position < len(rest):
        op = _OP_RE.match(rest, position)
        if not op:
            raise DateMathError(f"Invalid Date Math String:'{expression}'")
        sign, amount, unit, round_unit = op.groups()
        if round_unit:
            if round_unit not in _UNITS:
                raise DateMathError(f"Invalid Date Math String:'{expression}'")
            value = _round(value, _UNITS[round_unit])
        else:
            if unit not in _UNITS:
                raise DateMathError(f"Invalid Date Math String:'{expression}'")
            n = int(amount) * (1000 if _UNITS[unit] == "microseconds" else 1)
            delta = relativedelta(**{_UNITS[unit]: n})
            value = value + delta if sign == "+" else value - delta
        position = op.end()
    return value
