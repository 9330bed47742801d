"""The tick (``ckan govshare applications tick``, cron): reminders 5 and 1
working days before the due date, overdue escalation, expiry of grants, and
recomputing due dates (tests/applications/test_recompute.py has the rest),
with a frozen clock."""
from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan
from ckan.tests import helpers

from ckanext.govshare import options, workdays
from ckanext.govshare.applications.model import Application, Grant, Notice
from ckanext.govshare.tiers import policy
from tests import profiles
from tests.applications.conftest import accept_terms, approval_terms
from tests.applications.test_notifications import (  # noqa: F401 - fixtures
    MONDAY, apply, as_user, decide, mails, notice_rows, run_jobs,
    subject_line, tick, translated_plural)

ROOT = Path(__file__).resolve().parents[2]


def china_morning(day: str) -> str:
    """09:00 in China on ``day``, as the UTC time freezegun wants."""
    return f"{day} 01:00:00"


def days(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestRemindersAndEscalation:
    """An application filed on Monday 2 November 2026 is due on Monday
    23 November (15 working days). 5 working days before: Monday 16th;
    1 working day before: Friday 20th (over the weekend, still 1); overdue
    from Tuesday 24th."""

    def test_reminders_then_overdue_day_by_day(self, app, agency, mail_server):
        with freeze_time(MONDAY):
            application = apply(agency)
            run_jobs()
        assert application["due_date"] == "2026-11-23"
        mails(mail_server)  # the "new application" mails

        told: dict[str, list] = {}
        for day in days("2026-11-03", "2026-11-25"):
            with freeze_time(china_morning(day)):
                first = tick()
                again = tick()  # cron may run it as often as it likes
                run_jobs()
                told[day] = mails(mail_server)
            assert again == {"expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}
            assert first["requeued"] == 0 and first["expired"] == 0

        assert {day: sorted((m.kind, m.to) for m in sent)
                for day, sent in told.items() if sent} == {
            "2026-11-16": [("reminder_5", "admin@agency.example"),
                           ("reminder_5", "editor@agency.example")],
            "2026-11-20": [("reminder_1", "admin@agency.example"),
                           ("reminder_1", "editor@agency.example")],
            "2026-11-24": sorted([("overdue", "admin@agency.example"),
                                  ("overdue", agency.sysadmin["email"])]),
        }
        title = agency.dataset["title"]
        with freeze_time(china_morning("2026-11-16")):
            reminder = subject_line(
                "Reminder: the application for “{dataset}” is due on {due_date}",
                dataset=title, due_date="2026-11-23")
            five_left = translated_plural(
                "Answer by %(due_date)s: %(count)s working day left.",
                "Answer by %(due_date)s: %(count)s working days left.", 5,
                due_date="2026-11-23")
            one_left = translated_plural(
                "Answer by %(due_date)s: %(count)s working day left.",
                "Answer by %(due_date)s: %(count)s working days left.", 1,
                due_date="2026-11-23")
            overdue = subject_line(
                "Overdue: the application for “{dataset}” was due on {due_date}",
                dataset=title, due_date="2026-11-23")
            one_ago = translated_plural(
                "The answer was due on %(due_date)s, %(count)s working day ago.",
                "The answer was due on %(due_date)s, %(count)s working days ago.", 1,
                due_date="2026-11-23")
        for item in told["2026-11-16"]:
            assert item.subject == reminder and five_left in item.body
        for item in told["2026-11-20"]:
            assert item.subject == reminder and one_left in item.body
        for item in told["2026-11-24"]:
            assert item.subject == overdue and one_ago in item.body
            assert "13812345678" not in item.body
        # one notice of each, for that due date
        kinds = [(n.kind, n.due_date) for n in notice_rows(application["id"])]
        assert kinds == [("new", None), ("reminder_5", dt.date(2026, 11, 23)),
                         ("reminder_1", dt.date(2026, 11, 23)),
                         ("overdue", dt.date(2026, 11, 23))]

    def test_only_the_tightest_reminder_when_first_seen_late(self, app, agency, mail_server):
        """If the tick first sees an application with 1 working day left
        (cron was down), it sends the 1-day reminder only, never the 5-day
        one afterwards."""
        with freeze_time(MONDAY):
            application = apply(agency)
            run_jobs()
        mails(mail_server)
        for day in ("2026-11-20", "2026-11-21", "2026-11-23"):
            with freeze_time(china_morning(day)):
                counts = tick()
                run_jobs()
                sent = mails(mail_server)
            if day == "2026-11-20":
                assert counts["reminders"] == 1
                assert sorted(m.kind for m in sent) == ["reminder_1", "reminder_1"]
            else:
                assert counts["reminders"] == 0 and sent == []
        assert [n.kind for n in notice_rows(application["id"])] == ["new", "reminder_1"]

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
    def test_a_new_due_date_gets_its_own_reminders(self, app, agency, mail_server):
        """An extension moves the due date: the reminders count again."""
        with freeze_time(MONDAY):
            application = apply(agency)
        with freeze_time(china_morning("2026-11-20")):
            assert tick()["reminders"] == 1
            helpers.call_action("govshare_application_extend", context=as_user(agency.admin),
                                id=application["id"], days=5, reason="需征求第三方意见")
            assert tick()["reminders"] == 0  # 6 working days left now
        with freeze_time(china_morning("2026-11-23")):
            assert tick()["reminders"] == 1  # 5 left before 30 November
        kinds = [(n.kind, n.due_date) for n in notice_rows(application["id"])]
        assert ("reminder_5", dt.date(2026, 11, 30)) in kinds
        assert ("reminder_1", dt.date(2026, 11, 23)) in kinds

    def test_answered_applications_are_left_alone(self, app, agency, mail_server):
        with freeze_time(MONDAY):
            application = apply(agency)
            decide(agency, application["id"], "reject", reason="不符合开放条件")
            run_jobs()
        with freeze_time(china_morning("2026-11-30")):
            assert tick() == {"expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}

    def test_only_sysadmins_may_tick(self, app, agency):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_application_tick", context=as_user(agency.admin))


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestExpiry:
    def test_the_tick_expires_the_grant_and_the_application(self, app, agency, mail_server):
        with freeze_time(MONDAY):
            application = apply(agency)
            decide(agency, application["id"], "approve",
                   terms=approval_terms(valid_until="2026-11-10"))
            accept_terms(application["id"], agency.applicant)
            run_jobs()
        mails(mail_server)
        applicant = agency.applicant["name"]

        # the last day of the term, 23:00 in China: still open, nothing to do
        with freeze_time("2026-11-10 15:00:00"):
            assert policy.has_access(model.User.get(applicant), agency.resources[0])
            assert tick()["expired"] == 0
        # midnight in China: the term is over
        with freeze_time("2026-11-10 16:00:00"):
            assert tick()["expired"] == 1
            assert tick()["expired"] == 0  # idempotent
            run_jobs()
            sent = mails(mail_server)
            assert not policy.has_access(model.User.get(applicant), agency.resources[0])
            shown = helpers.call_action("govshare_application_show",
                                        context=as_user(agency.applicant), id=application["id"])

        assert shown["state"] == "expired"
        # the application's move, then the grant's own event (tests/audit)
        last, ended = shown["events"][-2:]
        assert (last["move"], last["from_state"], last["to_state"], last["actor"]) == \
            ("expire", "approved", "expired", None)
        assert (ended["move"], ended["details"]["state"]) == ("grant_expired", "expired")
        assert shown["grant"]["state"] == "expired" and not shown["grant"]["valid"]
        grant = model.Session.query(Grant).filter(
            Grant.application_id == application["id"]).one()
        assert grant.ended_at == dt.datetime(2026, 11, 10, 16, 0)

        [item] = sent
        assert item.to == "applicant@research.example" and item.kind == "expired"
        assert item.subject == subject_line("Your access to “{dataset}” has ended",
                                            dataset=agency.dataset["title"])
        assert "2026-11-10" in item.body

    def test_a_revoked_grant_does_not_expire(self, app, agency):
        with freeze_time(MONDAY):
            application = apply(agency)
            decide(agency, application["id"], "approve",
                   terms=approval_terms(valid_until="2026-11-10"))
            [grant] = helpers.call_action("govshare_grant_list", context=as_user(agency.admin),
                                          organization=agency.org["id"])["results"]
            helpers.call_action("govshare_grant_revoke", context=as_user(agency.admin),
                                id=grant["id"], reason="违反约定用途")
        with freeze_time("2026-11-12 02:00:00"):
            assert tick()["expired"] == 0
        assert model.Session.get(Application, application["id"]).state == "revoked"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestAtScale:
    def test_one_statement_per_step(self, app, agency):
        """500 applications due, 200 grants ending: one tick writes every
        notice and event, and queues the notices in chunks of 500."""
        import sqlalchemy as sa

        from ckan.lib import jobs as ckan_jobs

        from ckanext.govshare.applications import jobs
        with freeze_time(MONDAY):
            first = apply(agency)
        ckan_jobs.get_queue(jobs.QUEUE).empty()  # its job is lost: the tick re-queues it
        template = model.Session.get(Application, first["id"])
        columns = {c.name: getattr(template, c.key) for c in Application.__table__.columns
                   if c.name not in ("id",)}
        rows = [{**columns, "id": f"bulk-{i:04d}", "user_id": f"user-{i}",
                 "state": "submitted" if i < 500 else "approved"} for i in range(700)]
        model.Session.execute(sa.insert(Application.__table__), rows)
        model.Session.execute(sa.insert(Grant.__table__), [{
            "id": f"grant-{i}", "application_id": f"bulk-{i:04d}", "user_id": f"user-{i}",
            "package_id": template.package_id, "owner_org": template.owner_org,
            "resource_ids": [], "valid_from": dt.datetime(2026, 11, 2),
            "valid_until": dt.datetime(2026, 11, 20), "state": "active"}
            for i in range(500, 700)])
        model.repo.commit()
        with freeze_time(china_morning("2026-11-24")):
            counts = tick()
        assert counts == {"expired": 200, "reminders": 0, "overdue": 501, "requeued": 1}
        queued = ckan_jobs.get_queue(jobs.QUEUE).jobs
        assert sorted(len(job.args[0]) for job in queued) == [202, 500]
        assert model.Session.query(Notice).filter(Notice.kind == "expired").count() == 200
        assert model.Session.query(Application).filter(
            Application.state == "expired").count() == 200
        with freeze_time(china_morning("2026-11-24")):
            assert tick() == {"expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}


# ------------------------------------------------------------------ commands
def _ini(tmp_path: Path, override: Path) -> Path:
    """A config file on top of the test one, with its own calendar file."""
    test_ini = (ROOT / "config" / "test.ini").read_text(encoding="utf-8")
    path = tmp_path / "test-applications.ini"
    path.write_text("\n".join([
        "[app:main]", f"use = config:{ROOT / 'config' / 'test.ini'}",
        "ckan.locale_default = en",
        f"{options.WORKDAYS_OVERRIDE_FILE} = {override}", "",
        test_ini[test_ini.index("[loggers]"):]]), encoding="utf-8")
    return path


@pytest.fixture
def command(tmp_path, monkeypatch, ckan_config):
    """Run ``ckan -c <ini> govshare ...`` with a calendar file of our own
    (``tmp_path/workdays.yaml``, which does not know 2027 until written)."""
    calendar = tmp_path / "workdays.yaml"
    monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(calendar))
    ini = _ini(tmp_path, calendar)

    def run(*args: str):
        runner = helpers.CKANCliRunner(env={"CKAN_INI": str(ini)})
        return runner.invoke(ckan, ["-c", str(ini), "govshare", *args])

    run.calendar = calendar
    yield run
    workdays.reload_calendar()


KNOWN_2027 = textwrap.dedent("""
    2027:
      holidays: [2027-01-01..2027-01-03]
""")


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestCommands:
    def test_tick_prints_the_counts(self, app, agency, command, mail_server):
        with freeze_time(MONDAY):
            apply(agency)
            run_jobs()
        with freeze_time(china_morning("2026-11-24")):
            result = command("applications", "tick")
            assert result.exit_code == 0, result.output
            assert result.output.splitlines()[-4:] == [
                "expired: 0", "reminders: 0", "overdue: 1", "requeued: 0"]
            result = command("applications", "tick", "--json")
            assert result.exit_code == 0, result.output
            assert json.loads(result.output.splitlines()[-1]) == {
                "expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}

    def _provisional(self, agency) -> dict:
        """Filed on 15 December 2026: due in 2027, whose schedule the calendar
        does not know: New Year's Day from the State Council's rules, make-up
        days unknown, so 6 January, provisional."""
        workdays.reload_calendar()
        with freeze_time("2026-12-15 02:00:00"):
            application = apply(agency)
        assert (application["due_date"], application["due_date_provisional"]) == \
            ("2027-01-06", True)
        return application

    def test_recompute_due(self, app, agency, command):
        application = self._provisional(agency)
        command.calendar.write_text(KNOWN_2027, encoding="utf-8")
        with freeze_time("2026-12-20 02:00:00"):
            result = command("applications", "recompute-due")
        assert result.exit_code == 0, result.output
        assert ("1 of 1 due dates changed, 0 open and still provisional; 0 of 0 answers "
                "changed") in result.output
        model.Session.remove()
        stored = model.Session.get(Application, application["id"])
        # 2027 is known now: the same day, final
        assert (stored.due_date, stored.due_date_provisional) == (dt.date(2027, 1, 6), False)

    def test_the_calendar_update_recomputes_them(self, app, agency, command):
        application = self._provisional(agency)
        command.calendar.write_text(KNOWN_2027, encoding="utf-8")
        with freeze_time("2026-12-20 02:00:00"):
            result = command("workdays", "recompute")
        assert result.exit_code == 0, result.output
        assert ("recompute_application_due_dates: 1 of 1 due dates changed, 0 open and "
                "still provisional; 0 of 0 answers changed") in result.output
        model.Session.remove()
        stored = model.Session.get(Application, application["id"])
        assert (stored.due_date, stored.due_date_provisional) == (dt.date(2027, 1, 6), False)

    def test_an_unknown_year_stays_provisional(self, app, agency, command):
        application = self._provisional(agency)
        result = command("applications", "recompute-due")
        assert result.exit_code == 0, result.output
        assert ("0 of 1 due dates changed, 1 open and still provisional; 0 of 0 answers "
                "changed") in result.output
        stored = model.Session.get(Application, application["id"])
        assert (stored.due_date, stored.due_date_provisional) == (dt.date(2027, 1, 6), True)
