"""Due dates of applications on the Chinese statutory calendar.

Each test files an application at a frozen moment (times are UTC; China is
eight hours ahead) and reads the due date the API gives back.
"""
from __future__ import annotations

import textwrap

import pytest

from ckan.tests import helpers

from tests.applications.conftest import application_data
from ckanext.govshare import options

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def apply_at(agency, freezer, moment: str) -> dict:
    freezer.move_to(moment)
    return helpers.call_action("govshare_application_create",
                               context={"user": agency.applicant["name"], "ignore_auth": False},
                               **application_data(agency.dataset["id"]))


def test_national_day_2026(agency, freezer):
    """Filed Friday 18 September: Sunday 20 September is worked, 25–27
    September (Mid-Autumn) and 1–7 October are off, Saturday 10 October is
    worked: the 15th working day is Thursday 15 October."""
    app = apply_at(agency, freezer, "2026-09-18 02:00:00")
    assert app["due_date"] == "2026-10-15"
    assert app["due_date_provisional"] is False


def test_national_day_counts_the_make_up_saturday(agency, freezer):
    """Filed Wednesday 30 September: Oct 8, 9, 10 (Saturday, worked), 12 …"""
    app = apply_at(agency, freezer, "2026-09-30 01:00:00")
    # 8,9,10,12,13,14,15,16,19,20,21,22,23,26,27
    assert app["due_date"] == "2026-10-27"


def test_spring_festival_2026(agency, freezer):
    """Filed Thursday 12 February: Saturday 14 February is worked, 15–23
    February off, Saturday 28 February worked."""
    app = apply_at(agency, freezer, "2026-02-12 02:00:00")
    assert app["due_date"] == "2026-03-11"


def test_filed_late_evening_counts_from_the_china_day(agency, freezer):
    """17:30 UTC on Thursday 17 September is 01:30 on Friday 18 September in
    China: the same due date as a Friday filing."""
    app = apply_at(agency, freezer, "2026-09-17 17:30:00")
    assert app["submitted_at"].startswith("2026-09-17T17:30")
    assert app["due_date"] == "2026-10-15"


def test_into_2027_without_an_override_is_provisional(agency, freezer, monkeypatch,
                                                      ckan_config, tmp_path):
    """2027 is unknown to chinese-calendar and to an override file holding
    only the placeholder: its statutory holidays from the State Council's
    rules, its make-up days unknown, so provisional (the warning it logs is
    tested with the calendar, tests/workdays)."""
    path = tmp_path / "workdays.yaml"
    path.write_text("2027:\n")
    monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
    app = apply_at(agency, freezer, "2026-12-14 02:00:00")
    # 15..18, 21..25, 28..31 December = 13; 1 January is New Year's Day by
    # the rules; Monday 4 and Tuesday 5 January
    assert app["due_date"] == "2027-01-05"
    assert app["due_date_provisional"] is True


def test_into_2027_with_an_override_file(agency, freezer, monkeypatch, ckan_config,
                                         tmp_path):
    path = tmp_path / "workdays.yaml"
    path.write_text(textwrap.dedent("""\
        2027:
          holidays:
            - 2027-01-01..2027-01-03
            - 2027-02-06..2027-02-13
          workdays:
            - 2027-02-14
    """))
    monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
    app = apply_at(agency, freezer, "2026-12-14 02:00:00")
    assert app["due_date"] == "2027-01-05"  # the same day, known now
    assert app["due_date_provisional"] is False


def test_working_days_left_and_overdue_follow_the_calendar(agency, freezer):
    app = apply_at(agency, freezer, "2026-09-18 02:00:00")
    ctx = {"user": agency.applicant["name"], "ignore_auth": False}
    freezer.move_to("2026-09-30 02:00:00")  # 20, 21–24, 28, 29, 30 worked: 8 done
    shown = helpers.call_action("govshare_application_show", context=ctx, id=app["id"])
    assert shown["working_days_left"] == 7
    freezer.move_to("2026-10-15 09:00:00")  # the due date itself, China time
    shown = helpers.call_action("govshare_application_show", context=ctx, id=app["id"])
    assert (shown["working_days_left"], shown["overdue"]) == (0, False)
    freezer.move_to("2026-10-16 01:00:00")
    shown = helpers.call_action("govshare_application_show", context=ctx, id=app["id"])
    assert (shown["working_days_left"], shown["overdue"]) == (-1, True)
