"""The statutory holidays from the State Council's rules, for the years
``chinese-calendar`` does not know.

《全国年节及纪念日放假办法》 (the national holidays measures) names the days
that are holidays for all citizens; each year the State Council's General
Office publishes the schedule that places them (国务院办公厅关于某年部分节假日
安排的通知): the same days, plus the weekdays bridged to a weekend (拼假) or
given for a holiday that fell on a Saturday or Sunday (补假, article 6), and
the Saturdays and Sundays worked in exchange (调休). Only the first part
follows from the rules; the rest is known once the notice is out. So a year
counted from these rules has the right holidays but not its make-up days, and
:mod:`.workdays` keeps every date that depends on it *provisional*.

The rules, by the first year each version applies to (the amendments took
effect on 1 January 2008, 2014 and 2025; the 1999 one in September 1999, so
from 2000 here):

* 2000 (1999 amendment): New Year's Day 1 January; Spring Festival 正月初一
  to 初三; Labour Day 1–3 May; National Day 1–3 October.
* 2008 (2007 amendment): Spring Festival 除夕, 正月初一 and 初二; Labour Day
  1 May; Qingming, Dragon Boat and Mid-Autumn one day each.
* 2014 (2013 amendment): Spring Festival 正月初一 to 初三 again.
* 2025 (2024 amendment): Spring Festival 除夕 and 正月初一 to 初三 (4 days);
  Labour Day 1–2 May.

Qingming is the day of the 清明 solar term; Dragon Boat is 五月初五 and
Mid-Autumn 八月十五 (never of a leap month); 除夕 is the day before 正月初一,
the 29th or 30th of the twelfth month. Lunar dates and solar terms come from
``tyme4py`` (astronomical, China time, any year the portal accepts). Years
before 2000 have no rules here.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, NamedTuple

from chinese_calendar.constants import Holiday

#: the names chinese-calendar gives the holidays, so that a day reads the same
#: whichever source the calendar took it from
NEW_YEAR = Holiday.new_years_day.value
SPRING_FESTIVAL = Holiday.spring_festival.value
QINGMING = Holiday.tomb_sweeping_day.value
LABOUR_DAY = Holiday.labour_day.value
DRAGON_BOAT = Holiday.dragon_boat_festival.value
MID_AUTUMN = Holiday.mid_autumn_festival.value
NATIONAL_DAY = Holiday.national_day.value


class Rules(NamedTuple):
    """One version of the holiday measures."""

    first_year: int
    #: the Spring Festival days, as offsets from 正月初一 (-1 is 除夕)
    spring_festival: tuple[int, ...]
    #: days off from 1 May
    labour_days: int
    #: Qingming, Dragon Boat and Mid-Autumn are holidays
    traditional_festivals: bool


#: every version, oldest first
RULES: tuple[Rules, ...] = (
    Rules(2000, (0, 1, 2), 3, False),     # 1999 amendment
    Rules(2008, (-1, 0, 1), 1, True),     # 2007 amendment
    Rules(2014, (0, 1, 2), 1, True),      # 2013 amendment
    Rules(2025, (-1, 0, 1, 2), 2, True),  # 2024 amendment
)

FIRST_YEAR = RULES[0].first_year


def rules_for(year: int) -> Rules | None:
    """The version of the measures in force for the whole of ``year``, or
    None before :data:`FIRST_YEAR`."""
    found = None
    for rules in RULES:
        if rules.first_year <= year:
            found = rules
    return found


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> Mapping[dt.date, str] | None:
    """The statutory holidays of ``year`` (day → name, chinese-calendar's
    English names), weekends included when a holiday falls on one; None when
    no rules here cover the year or the lunar calendar cannot place it.

    Two holidays on one day (Mid-Autumn on 1 October) are one day, named
    National Day. Make-up days of any kind (补假, 调休, bridging days) are not
    in it: the rules do not place them."""
    rules = rules_for(year)
    if rules is None:
        return None
    try:
        return MappingProxyType(_holidays(year, rules))
    except ValueError:  # a year tyme4py cannot place (outside -1 to 9999)
        return None


def _holidays(year: int, rules: Rules) -> dict[dt.date, str]:
    # tyme4py: lunar months and solar terms from the 寿星万年历 algorithms
    from tyme4py.lunar import LunarDay
    from tyme4py.solar import SolarTerm

    def solar(day) -> dt.date:
        return dt.date(day.get_year(), day.get_month(), day.get_day())

    def lunar(month: int, day: int) -> dt.date:
        return solar(LunarDay.from_ymd(year, month, day).get_solar_day())

    days: dict[dt.date, str] = {}

    def add(day: dt.date, name: str) -> None:
        if day.year != year:  # cannot happen: 除夕 is 20 January at the earliest
            raise ValueError(f"{name} of {year} on {day}")
        days.setdefault(day, name)

    add(dt.date(year, 1, 1), NEW_YEAR)
    new_year = lunar(1, 1)
    for offset in rules.spring_festival:
        add(new_year + dt.timedelta(days=offset), SPRING_FESTIVAL)
    if rules.traditional_festivals:
        add(solar(SolarTerm.from_name(year, "清明").get_solar_day()), QINGMING)
    for may in range(1, rules.labour_days + 1):
        add(dt.date(year, 5, may), LABOUR_DAY)
    if rules.traditional_festivals:
        add(lunar(5, 5), DRAGON_BOAT)
    for october in (1, 2, 3):
        add(dt.date(year, 10, october), NATIONAL_DAY)
    if rules.traditional_festivals:
        add(lunar(8, 15), MID_AUTUMN)
    return dict(sorted(days.items()))
