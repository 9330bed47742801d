"""Mails about applications: who gets them, what they say, and that a mail
server that is down never loses or blocks a decision.

The mails go through CKAN's real background jobs (Redis, queue ``govshare``,
run here by a burst worker in this process) and CKAN's mailer, caught by
CKAN's SMTP test double (``mail_server``).
"""
from __future__ import annotations

import email
import smtplib
import types
from email import policy as email_policy

import pytest
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications import mail, notices
from ckanext.govshare.applications.model import Application, Notice
from ckanext.govshare.tiers import policy
from tests import profiles
from tests.applications.conftest import accept_terms, application_data, approval_terms

PERSONAL = ("applicant@research.example", "13812345678")


# ------------------------------------------------------------------ helpers
def as_user(user: dict | None) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def run_jobs() -> None:
    """Run what is queued on ``govshare`` (a burst worker, in this process
    thanks to ``with_test_worker``)."""
    from ckan.lib import jobs

    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()


def tick() -> dict:
    """The cron job, as a sysadmin would run it (the site user)."""
    site_user = helpers.call_action("get_site_user")
    return helpers.call_action("govshare_application_tick",
                               context={"user": site_user["name"], "ignore_auth": False})


def mails(mail_server) -> list[types.SimpleNamespace]:
    """The mails caught so far, decoded, and forget them."""
    found = []
    for _none, _sender, to, raw in mail_server.get_smtp_messages():
        message = email.message_from_string(raw, policy=email_policy.default)
        found.append(types.SimpleNamespace(
            to=to[0] if isinstance(to, list) else to, subject=str(message["Subject"]),
            body=message.get_content(), kind=str(message["X-GovShare-Notice"])))
    mail_server.clear_smtp_messages()
    return found


def translated(msgid: str, **values) -> str:
    """A message as the mails say it: in the portal's default language."""
    with mail.mail_context():
        return tk._(msgid).format(**values)


def translated_jinja(msgid: str, **values) -> str:
    """A template's ``{% trans %}`` message (its variables are %(name)s)."""
    with mail.mail_context():
        return tk._(msgid) % values


def translated_plural(singular: str, plural: str, count: int, **values) -> str:
    with mail.mail_context():
        return tk.ungettext(singular, plural, count, count=count, **values)


def subject_line(msgid: str, **values) -> str:
    return f"[{tk.config.get('ckan.site_title')}] " + translated(msgid, **values)


def assert_no_personal_data(sent: list) -> None:
    for item in sent:
        for secret in PERSONAL:
            assert secret not in item.body and secret not in item.subject, item.kind
        assert application_data("x")["credit_code"] not in item.body


def apply(agency, **overrides) -> dict:
    return helpers.call_action("govshare_application_create", context=as_user(agency.applicant),
                               **application_data(agency.dataset["id"], **overrides))


def decide(agency, application_id: str, decision: str, **values) -> dict:
    return helpers.call_action("govshare_application_decide", context=as_user(agency.editor),
                               id=application_id, decision=decision, **values)


def notice_rows(application_id: str) -> list[Notice]:
    return (model.Session.query(Notice).filter(Notice.application_id == application_id)
            .order_by(Notice.id).all())


# A Monday in China (10:00): due 15 working days later, Monday 23 November.
MONDAY = "2026-11-02 02:00:00"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
@freeze_time(MONDAY)
class TestWhoIsTold:
    def test_a_new_application_mails_the_reviewers(self, app, agency, mail_server):
        application = apply(agency)
        run_jobs()
        sent = mails(mail_server)
        # the organization's admin and editor: not the plain member, not the
        # applicant, not the sysadmins
        assert sorted(m.to for m in sent) == ["admin@agency.example", "editor@agency.example"]
        title = agency.dataset["title"]
        for item in sent:
            assert item.kind == "new"
            assert item.subject == subject_line("New application for “{dataset}”",
                                                dataset=title)
            assert title in item.body and agency.org["title"] in item.body
            assert translated_plural(
                "Answer by %(due_date)s: %(count)s working day left.",
                "Answer by %(due_date)s: %(count)s working days left.", 15,
                due_date="2026-11-23") in item.body
            assert "某市交通研究院" in item.body         # reviewers see who applied
            assert f"/application/{application['id']}" in item.body
        assert_no_personal_data(sent)
        [notice] = notice_rows(application["id"])
        assert notice.sent_at is not None and notice.attempts == 1 and not notice.last_error

    def test_mails_are_written_in_the_portal_language(self, app):
        """The default locale (zh_Hans_CN), even when an English page
        triggered the step."""
        import flask_babel

        with app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": "en"}):
            assert str(flask_babel.get_locale()) == "en"
            with mail.mail_context():
                assert str(flask_babel.get_locale()) == "zh_Hans_CN"
                assert tk._("Dataset") == "数据集"  # CKAN's own catalog
            assert str(flask_babel.get_locale()) == "en"

    def test_a_decision_mails_the_applicant(self, app, agency, mail_server):
        application = apply(agency)
        run_jobs()
        mails(mail_server)
        decide(agency, application["id"], "approve", terms=approval_terms(
            valid_until="2027-11-01"))
        run_jobs()
        [sent] = mails(mail_server)
        title = agency.dataset["title"]
        assert sent.to == "applicant@research.example"
        assert sent.kind == "approved"
        # the profile requires the applicant's acceptance of the terms first
        assert sent.subject == subject_line(
            "Your application for “{dataset}” was approved: accept the terms to use the data",
            dataset=title)
        assert title in sent.body
        assert "2026-11-02" in sent.body and "2027-11-01" in sent.body   # the term
        assert translated_jinja("Status: %(state_label)s",
                                state_label=translated("Approved")) in sent.body
        assert f"/application/{application['id']}#govshare-agreement" in sent.body
        assert_no_personal_data([sent])

    def test_a_refusal_names_its_reason_and_basis(self, app, agency, mail_server):
        application = apply(agency)
        run_jobs()
        mails(mail_server)
        decide(agency, application["id"], "reject", reason="数据涉及第三方商业秘密",
               basis="《公共数据开放管理办法》第十二条")
        run_jobs()
        [sent] = mails(mail_server)
        assert sent.to == "applicant@research.example" and sent.kind == "rejected"
        assert sent.subject == subject_line(
            "Your application for “{dataset}” was not approved",
            dataset=agency.dataset["title"])
        assert "数据涉及第三方商业秘密" in sent.body
        assert "《公共数据开放管理办法》第十二条" in sent.body
        assert translated_jinja("Status: %(state_label)s",
                                state_label=translated("Rejected")) in sent.body

    def test_a_supplement_request_and_the_supplement(self, app, agency, mail_server):
        application = apply(agency)
        run_jobs()
        mails(mail_server)
        decide(agency, application["id"], "request_supplement",
               reason="请补充数据安全管理制度")
        run_jobs()
        [sent] = mails(mail_server)
        assert sent.to == "applicant@research.example"
        assert sent.kind == "supplement_requested"
        assert "请补充数据安全管理制度" in sent.body
        assert sent.subject == subject_line(
            "Your application for “{dataset}” needs a supplement",
            dataset=agency.dataset["title"])

        helpers.call_action("govshare_application_supplement",
                            context=as_user(agency.applicant), id=application["id"],
                            note="已补充")
        run_jobs()
        sent = mails(mail_server)
        assert sorted(m.to for m in sent) == ["admin@agency.example", "editor@agency.example"]
        assert {m.kind for m in sent} == {"resubmitted"}
        assert_no_personal_data(sent)

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
    def test_an_extension_tells_the_applicant_the_new_due_date(self, app, agency,
                                                               mail_server):
        application = apply(agency)
        run_jobs()
        mails(mail_server)
        helpers.call_action("govshare_application_extend", context=as_user(agency.admin),
                            id=application["id"], days=5, reason="需征求第三方意见")
        run_jobs()
        [sent] = mails(mail_server)
        assert sent.to == "applicant@research.example" and sent.kind == "extended"
        # 23 November + 5 working days
        assert sent.subject == subject_line(
            "The answer to your application for “{dataset}” is now due on {due_date}",
            dataset=agency.dataset["title"], due_date="2026-11-30")
        assert "需征求第三方意见" in sent.body and "2026-11-30" in sent.body

    def test_a_revocation_tells_the_applicant_and_closes_the_data(self, app, agency,
                                                                  mail_server):
        application = apply(agency)
        decide(agency, application["id"], "approve", terms=approval_terms())
        accept_terms(application["id"], agency.applicant)
        run_jobs()
        mails(mail_server)
        applicant = model.User.get(agency.applicant["name"])
        assert policy.has_access(applicant, agency.resources[0])
        [grant] = helpers.call_action("govshare_grant_list", context=as_user(agency.admin),
                                      organization=agency.org["id"])["results"]
        helpers.call_action("govshare_grant_revoke", context=as_user(agency.admin),
                            id=grant["id"], reason="违反约定用途")
        run_jobs()
        [sent] = mails(mail_server)
        assert sent.to == "applicant@research.example" and sent.kind == "revoked"
        assert sent.subject == subject_line("Your access to “{dataset}” was revoked",
                                            dataset=agency.dataset["title"])
        assert "违反约定用途" in sent.body
        assert not policy.has_access(model.User.get(agency.applicant["name"]),
                                     agency.resources[0])

    def test_reviewers_are_not_asked_about_an_answered_application(self, app, agency,
                                                                   mail_server):
        """A mail still queued when the application is answered is not sent:
        the reviewers would be asked for an answer that was given."""
        application = apply(agency)
        decide(agency, application["id"], "reject", reason="不符合开放条件")
        run_jobs()
        sent = mails(mail_server)
        assert [m.to for m in sent] == ["applicant@research.example"]
        new, rejected = notice_rows(application["id"])
        assert new.kind == "new" and new.sent_at is not None
        assert new.last_error == "not sent: the application is rejected now"
        assert rejected.sent_at is not None and rejected.last_error is None

    def test_an_organization_without_reviewers_tells_the_sysadmins(self, app, agency,
                                                                   mail_server):
        for user in (agency.admin, agency.editor):
            model.User.get(user["name"]).email = None
        model.repo.commit()
        apply(agency)
        run_jobs()
        sent = mails(mail_server)
        assert [m.to for m in sent] == [agency.sysadmin["email"]]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
@freeze_time(MONDAY)
class TestMailFailures:
    @pytest.mark.ckan_config("smtp.server", "127.0.0.1:1")
    def test_a_failed_mail_never_loses_the_decision_and_is_retried(
            self, app, agency, monkeypatch):
        application = apply(agency)
        run_jobs()  # nothing listens on port 1
        decide(agency, application["id"], "approve", terms=approval_terms())
        accept_terms(application["id"], agency.applicant)
        run_jobs()

        # the decision stands, the data is open to the applicant
        stored = model.Session.get(Application, application["id"])
        assert stored.state == "approved"
        assert policy.has_access(model.User.get(agency.applicant["name"]),
                                 agency.resources[0])
        # both notices wait in the outbox, with the error
        rows = notice_rows(application["id"])
        assert [n.kind for n in rows] == ["new", "approved"]
        for notice in rows:
            assert notice.sent_at is None and notice.attempts == 1
            assert "could not be connected" in notice.last_error

        # the mail server is back: the tick queues them again, the worker sends
        mail_server = helpers.FakeSMTP()
        monkeypatch.setattr(smtplib, "SMTP", mail_server)
        model.Session.remove()
        assert tick()["requeued"] == 2
        run_jobs()
        sent = mails(mail_server)
        # the reviewers are not asked to answer what was answered meanwhile
        assert [(m.to, m.kind) for m in sent] == [("applicant@research.example", "approved")]
        new, approved = notice_rows(application["id"])
        assert new.sent_at is not None and new.last_error.startswith("not sent:")
        assert approved.sent_at is not None and approved.attempts == 2

        # and only once
        assert tick()["requeued"] == 0
        run_jobs()
        assert mails(mail_server) == []

    @pytest.mark.ckan_config("smtp.server", "127.0.0.1:1")
    @pytest.mark.ckan_config(options.APPLICATION_MAIL_ATTEMPTS, "2")
    def test_a_mail_is_tried_mail_attempts_times(self, app, agency):
        application = apply(agency)
        run_jobs()
        assert tick()["requeued"] == 1
        run_jobs()
        [notice] = notice_rows(application["id"])
        assert notice.attempts == 2 and notice.sent_at is None
        # out of attempts: left in the outbox as failed, not queued again
        assert tick()["requeued"] == 0


def test_every_kind_has_an_audience_and_a_template():
    """The outbox's kinds, their audiences and the templates agree."""
    from pathlib import Path

    import ckanext.govshare as package

    templates = Path(package.__file__).parent / "templates"
    kinds = [notices.NEW, notices.RESUBMITTED, notices.reminder_kind(5), notices.OVERDUE,
             notices.APPROVED, notices.REJECTED, notices.SUPPLEMENT_REQUESTED,
             notices.EXTENDED, notices.EXPIRED, notices.REVOKED]
    for kind in kinds:
        assert notices.audience(kind) in (notices.REVIEWERS, notices.ESCALATION,
                                          notices.APPLICANT)
        path = templates / mail.TEMPLATE.format(kind=notices.base_kind(kind))
        assert path.exists(), path
    with pytest.raises(ValueError):
        notices.audience("nonsense")
