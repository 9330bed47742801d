"""The process's calendar: where the override file is, re-reading it, a broken
file, days in China time, and ``ckan govshare workdays``."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from freezegun import freeze_time

from ckan.cli.cli import ckan
from ckan.tests import helpers

from ckanext.govshare import options, workdays
from ckanext.govshare.workdays import DueDate

ROOT = Path(__file__).resolve().parents[2]
D = dt.date

FICTIONAL_2027 = textwrap.dedent("""
    2027:
      holidays: [2027-01-01..2027-01-03]
""")


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.reload_calendar()
    yield
    workdays.reload_calendar()


@pytest.mark.usefixtures("with_plugins")
class TestOverrideFileLocation:
    def test_default_is_next_to_the_ini_file(self, ckan_config):
        assert ckan_config["__file__"].endswith("test.ini")
        assert workdays.override_path() == ROOT / "config" / "workdays.yaml"
        calendar = workdays.get_calendar()
        assert calendar.source == str(ROOT / "config" / "workdays.yaml")
        assert calendar.error is None and not calendar.knows(2027)

    def test_absolute_path(self, ckan_config, monkeypatch, tmp_path):
        path = tmp_path / "cal.yaml"
        path.write_text(FICTIONAL_2027, encoding="utf-8")
        monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
        assert workdays.override_path() == path
        assert workdays.get_calendar().knows(2027)

    def test_relative_path_against_the_ini_directory(self, ckan_config, monkeypatch):
        monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, "../config/workdays.yaml")
        assert workdays.override_path().resolve() == ROOT / "config" / "workdays.yaml"

    def test_empty_means_no_file(self, ckan_config, monkeypatch):
        monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, "")
        assert workdays.override_path() is None
        calendar = workdays.get_calendar()
        assert calendar.overrides == {} and calendar.knows(2026)


@pytest.mark.usefixtures("with_plugins")
class TestLoadedOncePerProcess:
    def test_same_calendar_until_the_file_changes(self, ckan_config, monkeypatch, tmp_path,
                                                  engine_log):
        path = tmp_path / "cal.yaml"
        monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
        first = workdays.get_calendar()
        assert first is workdays.get_calendar()
        assert not first.knows(2027)
        assert "not found" in engine_log.text
        assert workdays.add_workdays(D(2026, 12, 15), 15) == DueDate(D(2027, 1, 6), True)

        path.write_text(FICTIONAL_2027, encoding="utf-8")
        second = workdays.get_calendar()
        assert second is not first and second.knows(2027)
        assert workdays.add_workdays(D(2026, 12, 15), 15) == DueDate(D(2027, 1, 6), False)
        assert second is workdays.get_calendar()

        assert workdays.reload_calendar() is not second

    def test_a_broken_file_never_crashes(self, ckan_config, monkeypatch, tmp_path,
                                         engine_log):
        path = tmp_path / "cal.yaml"
        path.write_text("2027:\n  holidays: [2027-01-04]\n  workdays: [2027-01-05]\n",
                        encoding="utf-8")
        monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
        calendar = workdays.get_calendar()
        assert "is a weekday" in calendar.error
        assert "not used" in engine_log.text
        # 2027 stays unknown: provisional, not silently wrong
        assert workdays.add_workdays(D(2026, 12, 15), 15).provisional
        assert not workdays.add_workdays(D(2026, 9, 18), 15).provisional


@pytest.mark.usefixtures("with_plugins")
class TestDaysInChina:
    def test_a_utc_timestamp_falls_on_the_chinese_day(self):
        # 16:30 UTC on 30 September is 00:30 on 1 October in Beijing
        assert workdays.local_date(dt.datetime(2026, 9, 30, 16, 30)) == D(2026, 10, 1)
        assert workdays.local_date(dt.datetime(2026, 9, 30, 15, 59)) == D(2026, 9, 30)
        aware = dt.datetime(2026, 9, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
        assert workdays.local_date(aware) == D(2026, 10, 1)
        assert workdays.local_date(D(2026, 9, 30)) == D(2026, 9, 30)

    @freeze_time("2026-09-30 17:00:00")
    def test_today_is_the_chinese_today(self):
        assert workdays.local_today() == D(2026, 10, 1)

    @pytest.mark.ckan_config(options.WORKDAYS_TIMEZONE, "UTC")
    def test_the_time_zone_is_configurable(self):
        assert workdays.local_date(dt.datetime(2026, 9, 30, 16, 30)) == D(2026, 9, 30)


def _ini(tmp_path: Path, override: str | None, locale: str = "en") -> Path:
    """A config file in tmp_path on top of the test one."""
    lines = ["[app:main]", f"use = config:{ROOT / 'config' / 'test.ini'}",
             f"ckan.locale_default = {locale}"]
    if override is not None:
        lines.append(f"{options.WORKDAYS_OVERRIDE_FILE} = {override}")
    # CKAN's command line reads the logging sections from the file it is given
    test_ini = (ROOT / "config" / "test.ini").read_text(encoding="utf-8")
    logging_sections = test_ini[test_ini.index("[loggers]"):]
    path = tmp_path / "test-workdays.ini"
    path.write_text("\n".join(lines) + "\n\n" + logging_sections, encoding="utf-8")
    return path


@pytest.fixture()
def run(tmp_path):
    """Run ``ckan -c <ini> govshare workdays ...`` with a config of our own;
    the override file is ``workdays.yaml`` next to it (relative path)."""
    def runner(*args: str, override: str | None = "workdays.yaml", locale: str = "en"):
        ini = _ini(tmp_path, override, locale)
        cli = helpers.CKANCliRunner(env={"CKAN_INI": str(ini)})
        return cli.invoke(ckan, ["-c", str(ini), "govshare", "workdays", *args])
    return runner


@pytest.mark.usefixtures("with_plugins")
@freeze_time("2026-11-21 04:00:00")
class TestCommands:
    def test_status_without_a_file(self, run, tmp_path):
        result = run("status")
        assert result.exit_code == 0, result.output
        assert f"Override file: {tmp_path / 'workdays.yaml'}" in result.output
        assert "chinese-calendar knows 2004–2026" in result.output
        assert "Years from the override file: none" in result.output
        assert "2025: chinese-calendar" in result.output
        assert "2026: chinese-calendar" in result.output
        assert ("2027: holidays computed from the State Council's rules (make-up "
                "workdays unknown; due dates are provisional)") in result.output

    def test_status_with_a_file_next_to_the_ini(self, run, tmp_path):
        (tmp_path / "workdays.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
        result = run("status")
        assert result.exit_code == 0, result.output
        assert "Years from the override file: 2027" in result.output
        assert "2027: override file" in result.output

    def test_status_in_chinese_by_default(self, run):
        result = run("status", locale="zh_Hans_CN")
        assert result.exit_code == 0, result.output
        assert "2027：按国务院放假规定推算法定节假日" in result.output

    def test_recompute_tells_the_subscribers(self, run, tmp_path):
        (tmp_path / "workdays.yaml").write_text(FICTIONAL_2027, encoding="utf-8")
        calls = []

        def recompute_due_dates(calendar):
            calls.append(calendar)
            return "3 due dates recomputed"

        workdays.calendar_updated.connect(recompute_due_dates)
        try:
            result = run("recompute")
        finally:
            workdays.calendar_updated.disconnect(recompute_due_dates)
        assert result.exit_code == 0, result.output
        assert len(calls) == 1 and calls[0].knows(2027)
        assert "recompute_due_dates: 3 due dates recomputed" in result.output

    @pytest.mark.usefixtures("clean_db")
    def test_recompute_reaches_the_applications(self, run):
        """The applications capability subscribes (ISignal): with no stored
        application it says there was nothing to change."""
        result = run("recompute")
        assert result.exit_code == 0, result.output
        assert ("recompute_application_due_dates: 0 of 0 due dates changed"
                in result.output)

    def test_recompute_refuses_a_broken_file(self, run, tmp_path):
        (tmp_path / "workdays.yaml").write_text("2027: {holidays: []}\n", encoding="utf-8")
        calls = []

        def receiver(calendar):
            calls.append(calendar)

        workdays.calendar_updated.connect(receiver)
        try:
            result = run("recompute")
        finally:
            workdays.calendar_updated.disconnect(receiver)
        assert result.exit_code == 1
        assert "The override file is NOT used" in result.output
        assert "no holidays listed" in result.output
        assert "Nothing recomputed" in result.output
        assert calls == []

    def test_due(self, run):
        result = run("due", "2026-09-30", "3")
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith("2026-10-10")
        result = run("due", "2026-12-11", "15")
        assert "2027-01-04 (provisional" in result.output   # not New Year's Day
        result = run("due", "2026-13-01", "3")
        assert result.exit_code == 2

