"""The working-day engine: the statutory calendar, the override file, unknown years.

Expected dates are counted by hand from the State Council's published
schedules (as chinese-calendar 1.11.0 has them):

* National Day 2026: 1–7 October off; Sunday 20 September and Saturday
  10 October are make-up workdays (Mid-Autumn Festival 25–27 September off).
* Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February are
  make-up workdays.
* New Year 2026: 1–3 January off, Sunday 4 January worked.

2027 is not published: its statutory holidays come from the State Council's
rules (tests/workdays/test_rules.py), its make-up days are unknown, and the
tests that need a whole 2027 schedule write an override file of their own,
with made-up days that say nothing of the real one.
"""
from __future__ import annotations

import datetime as dt
import random
import textwrap

import pytest

from ckanext.govshare import workdays
from ckanext.govshare.workdays import (
    DueDate, OverrideFileError, WorkdayCalendar, load_overrides, parse_overrides)

D = dt.date


@pytest.fixture()
def calendar() -> WorkdayCalendar:
    """chinese-calendar only."""
    return WorkdayCalendar()


def write(tmp_path, text: str):
    path = tmp_path / "workdays.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


#: a made-up 2027 for the tests: 1–3 January off, Saturday 9 January worked
FICTIONAL_2027 = """
    2027:
      holidays:
        - 2027-01-01..2027-01-03
      workdays:
        - 2027-01-09
"""


class TestNationalDay2026:
    def test_the_days(self, calendar):
        for day in range(1, 8):
            assert not calendar.is_workday(D(2026, 10, day))
        assert calendar.is_workday(D(2026, 9, 20))    # Sunday, make-up workday
        assert calendar.is_workday(D(2026, 10, 10))   # Saturday, make-up workday
        assert not calendar.is_workday(D(2026, 10, 11))  # an ordinary Sunday
        assert calendar.is_workday(D(2026, 10, 8))
        assert calendar.holiday_name(D(2026, 10, 3)) == "National Day"
        assert calendar.holiday_name(D(2026, 10, 10)) is None

    def test_fifteen_working_days_across_the_holiday(self, calendar):
        # Friday 18 September: 20 Sep (Sun, worked) 1, 21–24 Sep 2–5,
        # 25–27 Sep Mid-Autumn, 28–30 Sep 6–8, 1–7 Oct off, 8–9 Oct 9–10,
        # 10 Oct (Sat, worked) 11, 12–15 Oct 12–15
        assert calendar.add_workdays(D(2026, 9, 18), 15) == DueDate(D(2026, 10, 15), False)

    def test_submitted_on_the_eve(self, calendar):
        # 30 September: the next working day is 8 October; the 3rd the Saturday 10th
        assert calendar.add_workdays(D(2026, 9, 30), 1).date == D(2026, 10, 8)
        assert calendar.add_workdays(D(2026, 9, 30), 3).date == D(2026, 10, 10)
        # 15: 8, 9, 10, 12–16, 19–23, 26, 27 October
        assert calendar.add_workdays(D(2026, 9, 30), 15).date == D(2026, 10, 27)

    def test_submitted_during_the_holiday(self, calendar):
        # 3 October (a holiday Saturday): counting starts on 8 October
        assert calendar.add_workdays(D(2026, 10, 3), 1).date == D(2026, 10, 8)
        # …so the deadline is the same as for 30 September
        assert calendar.add_workdays(D(2026, 10, 3), 15).date == D(2026, 10, 27)

    def test_between(self, calendar):
        assert calendar.workdays_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
        assert calendar.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
        assert calendar.workdays_between(D(2026, 9, 18), D(2026, 10, 15)) == 15


class TestSpringFestival2026:
    def test_the_days(self, calendar):
        for day in range(15, 24):
            assert not calendar.is_workday(D(2026, 2, day))
        assert calendar.is_workday(D(2026, 2, 14))
        assert calendar.is_workday(D(2026, 2, 28))

    def test_fifteen_working_days_across_the_festival(self, calendar):
        # Friday 13 February: 14 Feb (Sat, worked) 1, 15–23 off, 24–27 Feb 2–5,
        # 28 Feb (Sat, worked) 6, 2–6 Mar 7–11, 9–12 Mar 12–15
        assert calendar.add_workdays(D(2026, 2, 13), 15) == DueDate(D(2026, 3, 12), False)

    def test_first_working_day_after_the_festival(self, calendar):
        assert calendar.add_workdays(D(2026, 2, 14), 1).date == D(2026, 2, 24)
        assert calendar.workdays_between(D(2026, 2, 14), D(2026, 2, 23)) == 0


class TestIntoAnUnknownYear:
    """chinese-calendar 1.11.0 knows 2004–2026 and raises for 2027."""

    def test_chinese_calendar_really_does_not_know_2027(self):
        import chinese_calendar

        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(2027, 1, 4))

    def test_a_deadline_within_2026_is_final(self, calendar):
        # 10 December: 11, 14–18, 21–25, 28–31 December are the 15
        assert calendar.add_workdays(D(2026, 12, 10), 15) == DueDate(D(2026, 12, 31), False)

    def test_a_deadline_in_2027_without_override_is_provisional(self, calendar):
        # 11 December: 14 working days to 31 December, New Year's Day is a
        # statutory holiday (the rules), so Monday 4 January; provisional, as
        # 2027's make-up days are not known
        assert calendar.add_workdays(D(2026, 12, 11), 15) == DueDate(D(2027, 1, 4), True)
        # 15 December: 16–18, 21–25, 28–31 Dec (12), 4, 5, 6 Jan
        assert calendar.add_workdays(D(2026, 12, 15), 15) == DueDate(D(2027, 1, 6), True)

    def test_with_an_override_file_it_is_final(self, tmp_path):
        calendar = WorkdayCalendar.from_file(write(tmp_path, FICTIONAL_2027))
        assert calendar.knows(2027) and calendar.source_of(2027) == "override"
        # 1–3 January off: 4, 5, 6 January are the 13th–15th
        assert calendar.add_workdays(D(2026, 12, 15), 15) == DueDate(D(2027, 1, 6), False)
        assert calendar.add_workdays(D(2026, 12, 11), 15) == DueDate(D(2027, 1, 4), False)
        # and the make-up Saturday counts
        assert calendar.is_workday(D(2027, 1, 9))
        assert calendar.add_workdays(D(2027, 1, 8), 1).date == D(2027, 1, 9)

    def test_unknown_year_counts_the_statutory_holidays(self, calendar):
        assert not calendar.knows(2027)
        assert calendar.source_of(2027) == "rules"
        assert not calendar.is_workday(D(2027, 1, 1))    # a Friday, New Year's Day
        assert not calendar.is_workday(D(2027, 1, 2))    # Saturday
        assert calendar.is_workday(D(2027, 1, 4))
        assert calendar.knows(2026) and calendar.source_of(2026) == "chinese-calendar"

    def test_years_before_chinese_calendar_are_unknown_too(self, calendar):
        assert not calendar.knows(2003)
        assert calendar.add_workdays(D(2003, 1, 1), 1).provisional

    def test_the_warning_is_logged_once_per_year(self, calendar, engine_log):
        calendar.add_workdays(D(2026, 12, 15), 15)
        calendar.add_workdays(D(2026, 12, 20), 15)
        calendar.is_workday(D(2027, 6, 1))
        caplog = engine_log
        warnings = [r for r in caplog.records if "2027" in r.getMessage()]
        assert len(warnings) == 1
        assert "provisional" in warnings[0].getMessage()

    def test_between_touching_an_unknown_year_is_provisional(self, calendar):
        count = calendar.workdays_between(D(2026, 12, 30), D(2027, 1, 4))
        # 31 December, then 4 January (1 January a statutory holiday)
        assert count == 2 and count.provisional
        assert not calendar.workdays_between(D(2026, 12, 1), D(2026, 12, 31)).provisional
        # (a, b]: the 31st of December of a known year does not touch 2027
        assert not calendar.workdays_between(D(2026, 12, 30), D(2026, 12, 31)).provisional


class TestCounting:
    def test_zero_days_is_the_start(self, calendar):
        assert calendar.add_workdays(D(2026, 10, 3), 0) == DueDate(D(2026, 10, 3), False)

    @pytest.mark.parametrize("n", [-1, 1.5, True, "3"])
    def test_bad_day_counts(self, calendar, n):
        with pytest.raises(ValueError):
            calendar.add_workdays(D(2026, 1, 5), n)

    def test_datetimes_count_as_their_date(self, calendar):
        assert calendar.add_workdays(dt.datetime(2026, 9, 30, 23, 59), 1).date == D(2026, 10, 8)

    def test_not_a_date(self, calendar):
        with pytest.raises(TypeError):
            calendar.is_workday("2026-10-01")

    def test_between_is_the_inverse_of_add(self, calendar):
        rng = random.Random(2026)
        for _ in range(300):
            start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(700))
            n = rng.randrange(0, 60)
            due = calendar.add_workdays(start, n)
            assert calendar.workdays_between(start, due.date) == n
            assert calendar.workdays_between(due.date, start) == -n

    def test_between_over_years(self, calendar):
        # 2025 has 250 working days, 2026 has 250 too (chinese-calendar)
        per_year = {y: sum(calendar.is_workday(D(y, 1, 1) + dt.timedelta(days=i))
                           for i in range(365)) for y in (2025, 2026)}
        assert calendar.workdays_between(D(2024, 12, 31), D(2026, 12, 31)) == \
            per_year[2025] + per_year[2026]

    def test_new_year_2026(self, calendar):
        assert not calendar.is_workday(D(2026, 1, 1))
        assert calendar.is_workday(D(2026, 1, 4))   # Sunday, worked
        assert calendar.add_workdays(D(2025, 12, 31), 1).date == D(2026, 1, 4)


class TestOverrideFile:
    def test_the_shipped_file_knows_no_year_of_its_own(self):
        """config/workdays.yaml documents the format and keeps 2027 empty: we
        do not know the official 2027 schedule, and must not invent it."""
        from pathlib import Path

        path = Path(__file__).resolve().parents[2] / "config" / "workdays.yaml"
        assert load_overrides(path) == {}
        text = path.read_text(encoding="utf-8")
        assert "\n2027:\n" in text
        calendar = WorkdayCalendar.from_file(path)
        assert not calendar.knows(2027)
        assert calendar.add_workdays(D(2026, 12, 11), 15).provisional

    def test_the_commented_example_is_a_valid_file(self):
        """Uncommented, the example in config/workdays.yaml parses and agrees
        with chinese-calendar on 2026."""
        from pathlib import Path

        import yaml

        path = Path(__file__).resolve().parents[2] / "config" / "workdays.yaml"
        lines = path.read_text(encoding="utf-8").splitlines()
        start = lines.index("# 2026:")
        example = []
        for line in lines[start:]:
            if not line.startswith("#"):
                break
            example.append(line[2:])
        overrides = parse_overrides(yaml.safe_load("\n".join(example)))
        from_file, package = WorkdayCalendar(overrides), WorkdayCalendar()
        day = D(2026, 1, 1)
        while day.year == 2026:
            assert from_file.is_workday(day) == package.is_workday(day), day
            day += dt.timedelta(days=1)

    def test_an_override_year_takes_precedence(self, tmp_path):
        calendar = WorkdayCalendar.from_file(write(tmp_path, """
            2026:
              holidays: [2026-10-01..2026-10-08]
        """))
        assert calendar.source_of(2026) == "override"
        assert not calendar.is_workday(D(2026, 10, 8))
        # the year is fully known from the file: no make-up days listed, none worked
        assert not calendar.is_workday(D(2026, 10, 10))

    def test_single_dates_and_quoted_dates(self, tmp_path):
        overrides = load_overrides(write(tmp_path, """
            "2027":
              holidays: [2027-01-01, "2027-02-10", "2027-10-01 .. 2027-10-03"]
              workdays: ["2027-02-06"]
        """))
        schedule = overrides[2027]
        assert schedule.holidays == {D(2027, 1, 1), D(2027, 2, 10), D(2027, 10, 1),
                                     D(2027, 10, 2), D(2027, 10, 3)}
        assert schedule.workdays == {D(2027, 2, 6)}

    def test_a_missing_file_knows_nothing(self, tmp_path):
        assert load_overrides(tmp_path / "nowhere.yaml") == {}

    def test_an_empty_year_is_a_placeholder(self, tmp_path):
        assert load_overrides(write(tmp_path, "2027:\n")) == {}

    @pytest.mark.parametrize("text, message", [
        ("2027: [oops", "not valid YAML"),
        ("- 2027", "expected a mapping of years"),
        ("twenty: {holidays: [2027-01-01]}", "is not a year"),
        ("2027: [2027-01-01]", "expected 'holidays' and 'workdays'"),
        ("2027: {holidays: [2027-01-01], days_off: []}", "unknown key"),
        ("2027: {workdays: [2027-01-09]}", "no holidays listed"),
        ("2027: {holidays: []}", "no holidays listed"),
        ("2027: {holidays: [2026-12-31]}", "is not in 2027"),
        ("2027: {holidays: [2027-02-30]}", "a date that does not exist"),
        ("2027: {holidays: ['2027-02-30']}", "is not a date"),
        ("2027: {holidays: ['2027-10-07..2027-10-01']}", "ends before it starts"),
        ("2027: {holidays: [2027-01-01], workdays: [2027-01-05]}", "is a weekday"),
        ("2027: {holidays: [2027-01-01], workdays: ['2027-01-09..2027-01-10']}",
         "is not a date (YYYY-MM-DD)"),
        ("2027: {holidays: ['2027-01-01..2027-01-10'], workdays: [2027-01-09]}",
         "listed as a holiday and a workday"),
        ("2027: {holidays: 2027-01-01}", "expected a list of dates"),
    ])
    def test_mistakes_are_refused(self, tmp_path, text, message):
        with pytest.raises(OverrideFileError) as error:
            load_overrides(write(tmp_path, text))
        assert message in str(error.value)
        assert "workdays.yaml" in str(error.value)


def test_module_level_functions_use_the_process_calendar():
    assert workdays.add_workdays(D(2026, 9, 18), 15) == DueDate(D(2026, 10, 15), False)
    assert workdays.is_workday(D(2026, 9, 20))
    assert workdays.workdays_between(D(2026, 9, 18), D(2026, 10, 15)) == 15
