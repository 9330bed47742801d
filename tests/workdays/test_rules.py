"""Years chinese-calendar does not know: the statutory holidays computed from
the State Council's rules (workdays_rules.py), the make-up days unknown and
every date depending on such a year provisional.

Pure computations: no app, no database.
"""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from chinese_calendar.constants import holidays as PUBLISHED

from ckanext.govshare import workdays_rules
from ckanext.govshare.workdays import DueDate, WorkdayCalendar, parse_overrides
from ckanext.govshare.workdays_rules import rules_for, statutory_holidays

D = dt.date
ONE_DAY = dt.timedelta(days=1)


@pytest.fixture()
def calendar() -> WorkdayCalendar:
    """chinese-calendar, no override file."""
    return WorkdayCalendar()


def days_of(year: int):
    day = D(year, 1, 1)
    while day.year == year:
        yield day
        day += ONE_DAY


def off_run(day: dt.date) -> list[dt.date]:
    """The days off in a row (published calendar) that ``day`` belongs to."""
    first = last = day
    while not chinese_calendar.is_workday(first - ONE_DAY):
        first -= ONE_DAY
    while not chinese_calendar.is_workday(last + ONE_DAY):
        last += ONE_DAY
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


class TestTheRulesAgainstThePublishedSchedules:
    """chinese-calendar 1.11.0 has the State Council's notices for 2004–2026."""

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_every_computed_holiday_is_a_published_holiday(self, year):
        computed = statutory_holidays(year)
        assert len(computed) == 13   # 1 + 4 + 1 + 2 + 1 + 1 + 3 (2024 amendment)
        not_published = [day for day in computed if day not in PUBLISHED]
        assert not_published == []
        for day, name in computed.items():
            assert chinese_calendar.get_holiday_detail(day) == (True, name)

    @pytest.mark.parametrize("year, published, weekdays_beyond", [
        # the published days off the rules do not give (weekends in the
        # holiday's span, bridging weekdays, 补假 for a holiday on a Sunday)
        (2025, 28, 6),
        (2026, 33, 9),
    ])
    def test_the_rest_of_the_published_holidays_bridge_to_a_statutory_one(
            self, year, published, weekdays_beyond):
        computed = statutory_holidays(year)
        official = {day for day in PUBLISHED if day.year == year}
        beyond = official - set(computed)
        assert len(official) == published
        assert len(beyond) == published - 13
        assert sum(day.weekday() < 5 for day in beyond) == weekdays_beyond
        for day in beyond:
            # every one is in a run of days off with a statutory holiday in it
            assert any(d in computed for d in off_run(day)), day

    @pytest.mark.parametrize("year", range(2004, 2027))
    def test_every_earlier_version_of_the_rules_agrees_too(self, year):
        """The 1999, 2007 and 2013 versions against 2004–2024: every day they
        make a holiday is a day off in the published schedule (chinese-calendar
        leaves out 23 June 2012, the Saturday of that Dragon Boat holiday, but
        counts it off)."""
        for day in statutory_holidays(year):
            assert not chinese_calendar.is_workday(day), day
            assert day in PUBLISHED or day == D(2012, 6, 23), day

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_the_rules_calendar_differs_only_by_make_up_days(self, year):
        """Counted from the rules, a known year differs from its published
        schedule only where the notice adds a day off on a weekday or a
        working Saturday or Sunday."""
        computed = statutory_holidays(year)
        for day in days_of(year):
            by_rules = day.weekday() < 5 and day not in computed
            published = chinese_calendar.is_workday(day)
            if by_rules != published:
                # a bridging day or 补假 (worked by the rules), or 调休 (off by them)
                assert (by_rules and day in PUBLISHED) or \
                    (published and day.weekday() >= 5), day


class TestTheRules:
    def test_the_version_in_force(self):
        assert rules_for(1999) is None and statutory_holidays(1999) is None
        assert rules_for(2007).first_year == 2000
        assert rules_for(2013).first_year == 2008
        assert rules_for(2024).first_year == 2014
        assert rules_for(2025).first_year == rules_for(2199).first_year == 2025

    def test_2025_spring_festival_has_the_eve(self):
        # 2024 amendment: 除夕 and 正月初一 to 初三 (29 January 2025 was 初一)
        days = [day for day, name in statutory_holidays(2025).items()
                if name == workdays_rules.SPRING_FESTIVAL]
        assert days == [D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)]
        assert [day for day, name in statutory_holidays(2025).items()
                if name == workdays_rules.LABOUR_DAY] == [D(2025, 5, 1), D(2025, 5, 2)]

    def test_the_eve_is_the_29th_or_the_30th(self):
        from tyme4py.lunar import LunarDay, LunarMonth

        lengths = set()
        for year in range(2025, 2100):
            eve = min(day for day, name in statutory_holidays(year).items()
                      if name == workdays_rules.SPRING_FESTIVAL)
            twelfth = LunarMonth.from_ym(year - 1, 12)
            last = LunarDay.from_ymd(year - 1, 12, twelfth.get_day_count()).get_solar_day()
            assert eve == D(last.get_year(), last.get_month(), last.get_day())
            lengths.add(twelfth.get_day_count())
        assert lengths == {29, 30}

    def test_mid_autumn_on_national_day_is_one_day(self):
        # 1 October 2020 was 八月十五 (the notice then gave 1–8 October)
        computed = statutory_holidays(2020)
        assert computed[D(2020, 10, 1)] == workdays_rules.NATIONAL_DAY
        assert len(computed) == 10

    def test_every_year_the_portal_accepts(self):
        for year in range(2000, 2200):
            computed = statutory_holidays(year)
            assert all(day.year == year for day in computed)
            assert D(year, 1, 1) in computed and D(year, 10, 3) in computed


class Test2027:
    """2027: unknown to chinese-calendar 1.11.0, counted from the rules."""

    def test_chinese_calendar_does_not_know_it(self):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(2027, 1, 4))

    def test_its_holidays(self, calendar):
        assert calendar.source_of(2027) == "rules" and not calendar.knows(2027)
        off = {day: calendar.holiday_name(day) for day in days_of(2027)
               if calendar.holiday_name(day)}
        assert off == {
            D(2027, 1, 1): "New Year's Day",           # Friday
            # 除夕 (腊月廿九: the twelfth month of 2026 has 29 days) to 正月初三
            D(2027, 2, 5): "Spring Festival", D(2027, 2, 6): "Spring Festival",
            D(2027, 2, 7): "Spring Festival", D(2027, 2, 8): "Spring Festival",
            D(2027, 4, 5): "Tomb-sweeping Day",        # 清明, a Monday
            D(2027, 5, 1): "Labour Day", D(2027, 5, 2): "Labour Day",  # a weekend
            D(2027, 6, 9): "Dragon Boat Festival",
            D(2027, 9, 15): "Mid-autumn Festival",
            D(2027, 10, 1): "National Day", D(2027, 10, 2): "National Day",
            D(2027, 10, 3): "National Day",
        }
        for day in off:
            assert not calendar.is_workday(day)
        # the days around them are worked, as far as the rules tell
        assert calendar.is_workday(D(2027, 2, 4)) and calendar.is_workday(D(2027, 2, 9))
        assert not calendar.is_workday(D(2027, 1, 2))   # a Saturday

    def test_the_eve_from_the_lunar_calendar(self):
        from tyme4py.lunar import LunarDay

        first = LunarDay.from_ymd(2027, 1, 1).get_solar_day()
        assert (first.get_year(), first.get_month(), first.get_day()) == (2027, 2, 6)
        eve = LunarDay.from_ymd(2026, 12, 29).get_solar_day()
        assert (eve.get_year(), eve.get_month(), eve.get_day()) == (2027, 2, 5)

    def test_new_years_day_is_no_longer_a_due_date(self, calendar):
        # 11 December: 14–18, 21–25, 28–31 December are 14, 1 January is off,
        # Monday 4 January is the 15th; still provisional (make-up days unknown)
        assert calendar.add_workdays(D(2026, 12, 11), 15) == DueDate(D(2027, 1, 4), True)

    def test_no_december_submission_is_due_on_a_holiday(self, calendar):
        computed = statutory_holidays(2027)
        day = D(2026, 12, 11)
        dues = []
        while day.year == 2026:
            due = calendar.add_workdays(day, 15)
            assert due.provisional, day
            assert due.date not in computed and due.date.weekday() < 5, (day, due)
            dues.append(due.date)
            day += ONE_DAY
        assert len(dues) == 21
        assert min(dues) == D(2027, 1, 4)

    def test_across_the_spring_festival(self, calendar):
        # Friday 29 January: 1–4 February 4, 5–8 off, 9–12 February 8,
        # 15–19 February 13, 22–23 February the 14th and 15th
        assert calendar.add_workdays(D(2027, 1, 29), 15) == DueDate(D(2027, 2, 23), True)
        count = calendar.workdays_between(D(2027, 2, 4), D(2027, 2, 9))
        assert count == 1 and count.provisional

    def test_the_warning_says_the_rules(self, calendar, engine_log):
        calendar.add_workdays(D(2026, 12, 15), 15)
        warnings = [r.getMessage() for r in engine_log.records if "2027" in r.getMessage()]
        assert len(warnings) == 1
        assert "State Council's rules" in warnings[0] and "provisional" in warnings[0]


class TestTheOverrideFileStillWins:
    def test_an_override_year_is_used_as_it_is(self):
        # a made-up 2027 that knows nothing of the Spring Festival
        calendar = WorkdayCalendar(parse_overrides(
            {2027: {"holidays": ["2027-01-01..2027-01-03", "2027-03-01"],
                    "workdays": ["2027-01-09"]}}))
        assert calendar.source_of(2027) == "override" and calendar.knows(2027)
        assert calendar.is_workday(D(2027, 2, 5))        # 除夕: worked, says the file
        assert not calendar.is_workday(D(2027, 3, 1))
        assert calendar.is_workday(D(2027, 1, 9))        # a make-up Saturday
        assert calendar.holiday_name(D(2027, 2, 8)) is None
        assert calendar.add_workdays(D(2027, 2, 4), 1) == DueDate(D(2027, 2, 5), False)
        # the year after is computed from the rules again
        assert calendar.source_of(2028) == "rules"

    def test_a_known_year_stays_chinese_calendars(self, calendar):
        assert calendar.source_of(2026) == "chinese-calendar"
        # Saturday 28 February 2026, a make-up workday the rules cannot know
        assert calendar.is_workday(D(2026, 2, 28))


class TestYearsWithoutRules:
    def test_before_2000_weekends_only(self, calendar):
        assert calendar.source_of(1999) is None and not calendar.knows(1999)
        assert calendar.is_workday(D(1999, 1, 1))          # a Friday
        assert calendar.holiday_name(D(1999, 1, 1)) is None
        assert calendar.add_workdays(D(1998, 12, 31), 1) == DueDate(D(1999, 1, 1), True)

    def test_2000_to_2003_from_the_1999_rules(self, calendar):
        assert calendar.source_of(2003) == "rules"
        assert not calendar.is_workday(D(2003, 5, 2))       # Labour Day, a Friday
        # 1–3 May off, Sunday 4 May (the Golden Week the notice made is unknown)
        assert calendar.add_workdays(D(2003, 4, 30), 1) == DueDate(D(2003, 5, 5), True)
