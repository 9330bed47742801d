"""The catalog's clock: entries that became overdue are indexed again,
the entry's contact is reminded before the due date and the organization's
admins are told once it has passed, once per due date, through the tick
and the outbox."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

import ckan.model as model

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests import factories
from tests.applications.test_notifications import mails, run_jobs
from tests.applications.test_tick import china_morning, days
from tests.catalog_review.conftest import as_user

from ckanext.govshare.catalog_review.model import UpdateNotice


def call(action: str, user: dict | None, **data):
    return helpers.call_action(action, context=as_user(user), **data)



@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTick:
    """An entry becomes overdue with nothing written to it: the tick indexes
    it again."""

    def statuses(self, sysadmin) -> dict:
        return call("package_search", sysadmin, include_private=True,
                    **{"facet.field": '["update_status"]'})["facets"]["update_status"]

    def test_the_tick_reindexes_what_became_overdue(self, cli):
        from ckan.cli.cli import ckan as ckan_command

        sysadmin = factories.Sysadmin()
        with freeze_time("2026-10-20 02:00:00"):
            pkg = factories.Dataset(update_frequency="daily")
            factories.Resource(package_id=pkg["id"], last_modified="2026-10-19T02:00:00")
            assert self.statuses(sysadmin) == {"on_time": 1}
            assert call("govshare_catalog_tick", sysadmin)["reindexed"] == 0
        with freeze_time("2026-10-21 02:00:00"):
            assert self.statuses(sysadmin) == {"on_time": 1}     # the index is a day behind
            result = cli.invoke(ckan_command, ["govshare", "catalog", "tick"])
            assert result.exit_code == 0, result.output
            assert "reindexed: 1" in result.output
            assert self.statuses(sysadmin) == {"overdue": 1}
            assert call("govshare_catalog_tick", sysadmin)["reindexed"] == 0

    def test_only_sysadmins_tick(self):
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_tick", factories.User())


def tick() -> dict:
    """The cron job, as the site user runs it."""
    site_user = helpers.call_action("get_site_user")
    return helpers.call_action("govshare_catalog_tick",
                               context={"user": site_user["name"], "ignore_auth": False})


@pytest.fixture()
def agency():
    admin = factories.User(email="admin@agency.example")
    editor = factories.User(email="editor@agency.example")
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"},
                                        {"name": editor["name"], "capacity": "editor"}])
    factories.Sysadmin(email="root@portal.example")
    return org


def monthly_entry(org: dict, last_modified: str) -> dict:
    pkg = factories.Dataset(owner_org=org["id"], name="bus-stops", title="公交站点",
                            update_frequency="monthly", maintainer="王联系",
                            maintainer_email="contact@agency.example")
    factories.Resource(package_id=pkg["id"], last_modified=last_modified)
    return pkg


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestRemindersAndEscalation:
    """A monthly entry last updated on Friday 9 October 2026 is due on
    Monday 9 November: 3 working days before is Wednesday 4 November;
    overdue from Tuesday 10 November."""

    def test_reminded_once_then_escalated_once(self, agency, mail_server):
        with freeze_time("2026-10-20 02:00:00"):
            monthly_entry(agency, "2026-10-09T02:00:00")
        told: dict[str, list] = {}
        for day in days("2026-11-01", "2026-11-12"):
            with freeze_time(china_morning(day)):
                tick()
                again = tick()  # cron may run it as often as it likes
                run_jobs()
                told[day] = mails(mail_server)
            assert (again["reminders"], again["overdue"], again["requeued"]) == (0, 0, 0)
        assert {day: [(m.kind, m.to) for m in sent] for day, sent in told.items()
                if sent} == {
            "2026-11-04": [("update_reminder", "contact@agency.example")],
            "2026-11-10": [("update_overdue", "admin@agency.example")],
        }
        [reminder] = told["2026-11-04"]
        assert "公交站点" in reminder.subject and "2026-11-09" in reminder.subject
        assert "王联系" in reminder.body and "每月" in reminder.body
        assert "/dataset/bus-stops" in reminder.body
        [overdue] = told["2026-11-10"]
        assert "2026-11-09" in overdue.body and "管理员" in overdue.body
        assert model.Session.query(UpdateNotice).filter(
            UpdateNotice.sent_at.is_(None)).count() == 0

    def test_an_update_gives_a_new_due_date_and_no_stale_mail(self, agency, mail_server):
        with freeze_time("2026-10-20 02:00:00"):
            pkg = monthly_entry(agency, "2026-10-09T02:00:00")
        with freeze_time(china_morning("2026-11-10")):
            assert tick()["overdue"] == 1
            # updated before the worker got to the mail: nothing is sent
            factories.Resource(package_id=pkg["id"], last_modified="2026-11-10T01:00:00")
            run_jobs()
            assert mails(mail_server) == []
            notice = model.Session.query(UpdateNotice).one()
            assert notice.sent_at is not None and notice.last_error == "not sent: updated since"
            assert tick()["overdue"] == 0
        # the new due date (10 December) gets its own reminder
        with freeze_time(china_morning("2026-12-07")):
            assert tick()["reminders"] == 1
            run_jobs()
            assert [m.kind for m in mails(mail_server)] == ["update_reminder"]

    def test_a_failed_mail_is_retried_by_the_next_tick(self, agency, mail_server,
                                                       monkeypatch):
        from ckan.lib import mailer

        with freeze_time("2026-10-20 02:00:00"):
            monthly_entry(agency, "2026-10-09T02:00:00")

        def down(*args, **kwargs):
            raise mailer.MailerException("mail server down")

        with freeze_time(china_morning("2026-11-04")), monkeypatch.context() as patched:
            patched.setattr(mailer, "mail_recipient", down)
            tick()
            run_jobs()
            notice = model.Session.query(UpdateNotice).one()
            assert notice.sent_at is None and notice.attempts == 1
            assert "mail server down" in notice.last_error
        with freeze_time(china_morning("2026-11-05")):
            assert tick()["requeued"] == 1
            run_jobs()
            assert [m.to for m in mails(mail_server)] == ["contact@agency.example"]
            assert tick()["requeued"] == 0

    def test_no_data_attached_is_not_reminded(self, agency, mail_server):
        with freeze_time("2026-10-20 02:00:00"):
            factories.Dataset(owner_org=agency["id"], update_frequency="daily")
        with freeze_time(china_morning("2026-11-10")):
            counts = tick()
            run_jobs()
        assert (counts["reminders"], counts["overdue"]) == (0, 0)
        assert mails(mail_server) == []
