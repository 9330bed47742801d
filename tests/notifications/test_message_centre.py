"""The message centre and the mail outbox: every notice reaches its users
in the site, whatever becomes of the mail, and a mail that was not sent is
in front of the sysadmins with a "retry now".

Through CKAN's actions, pages and real background jobs (Redis, queue
``govshare``, a burst worker in this process); mail goes to the real mail
sink ``make run`` starts (``scripts/mail_sink.py``, SMTP on a free port).
The agency is built once for the module; each test files its own
applications as an applicant of its own.
"""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications import mail
from ckanext.govshare.applications.model import Notice
from ckanext.govshare.notifications.model import UserNotice
from tests import factories
from tests.applications.conftest import application_data, approval_terms, make_agency

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13812345678"
JOBS = ("with_plugins", "clean_queues", "with_test_worker")


def as_user(user: dict | None) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


def run_jobs() -> None:
    from ckan.lib import jobs

    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()


def subject(msgid: str, **values) -> str:
    """A subject as the portal's default language (Chinese) writes it."""
    with mail.mail_context():
        return tk._(msgid).format(**values)


@pytest.fixture(scope="module")
def module_agency(module_db):
    return make_agency()


@pytest.fixture
def agency(module_agency):
    """The module's agency with an applicant of the test's own, who gives a
    contact email of their own (where the mails about the application go)."""
    applicant = factories.User()
    return types.SimpleNamespace(**{**vars(module_agency), "applicant": applicant,
                                    "contact": f"{applicant['name']}@research.example"})


def approve(agency) -> dict:
    """An application, its reviewers told of it (the job ran), approved."""
    application = helpers.call_action("govshare_application_create",
                                      context=as_user(agency.applicant),
                                      **application_data(agency.dataset["id"],
                                                         contact_email=agency.contact))
    run_jobs()
    helpers.call_action("govshare_application_decide", context=as_user(agency.editor),
                        id=application["id"], decision="approve", terms=approval_terms())
    return application


def notices_of(user: dict, **params) -> dict:
    return helpers.call_action("govshare_notice_list", context=as_user(user), **params)


# ------------------------------------------------------------------ sink
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    """``scripts/mail_sink.py`` as ``make run`` starts it, on a free port."""
    folder = tmp_path_factory.mktemp("mail")
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "mail_sink.py"),
                                "--port", str(port), "--dir", str(folder)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the mail sink did not start"
            time.sleep(0.1)
    yield types.SimpleNamespace(server=f"127.0.0.1:{port}", folder=folder)
    process.terminate()
    process.wait(10)


def sunk(folder: Path, to: str) -> list[str]:
    """The readable copies of what the sink received for ``to``."""
    return [p.read_text("utf-8") for p in sorted(folder.glob(f"*-{to}.txt"))]


# ------------------------------------------------------------------ tests
@pytest.mark.usefixtures(*JOBS)
@pytest.mark.ckan_config("smtp.mail_from", "govshare@localhost")
def test_each_user_sees_their_own_notices_and_marks_them_read(app, agency, sink,
                                                              monkeypatch):
    monkeypatch.setitem(tk.config, "smtp.server", sink.server)
    application = approve(agency)
    run_jobs()
    title = agency.dataset["title"]

    mine = notices_of(agency.applicant)
    [notice] = mine["results"]
    assert mine["count"] == 1 and mine["unread"] == 1 and notice["unread"]
    assert notice["kind"] == "approved"
    # the applicant is to accept the terms first: the link leads to them
    assert notice["subject"] == subject(
        "Your application for “{dataset}” was approved: accept the terms to use the data",
        dataset=title)
    assert notice["link"].endswith(f"/application/{application['id']}#govshare-agreement")
    shown = helpers.call_action("govshare_notice_show", context=as_user(agency.applicant),
                                id=notice["id"])
    assert title in shown["body"]
    assert agency.contact not in shown["body"] and PHONE not in shown["body"]

    # the reviewers were told of the new application, in the site as by mail;
    # they see who applied, never the contact details; the plain member and
    # a stranger are told nothing, and cannot open the applicant's notice
    for reviewer in (agency.editor, agency.admin):
        theirs = [n for n in notices_of(reviewer)["results"] if n["kind"] == "new"
                  and n["link"].endswith(application["id"])]
        assert len(theirs) == 1
        body = helpers.call_action("govshare_notice_show", context=as_user(reviewer),
                                   id=theirs[0]["id"])["body"]
        assert "某市交通研究院" in body and agency.contact not in body and PHONE not in body
    for outsider in (agency.member, agency.stranger):
        assert not [n for n in notices_of(outsider)["results"]
                    if n["link"].endswith(application["id"])]
    for intruder in (agency.editor, agency.stranger):
        for action in ("govshare_notice_show", "govshare_notice_read"):
            with pytest.raises(tk.ObjectNotFound):
                helpers.call_action(action, context=as_user(intruder), id=notice["id"])
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govshare_notice_list", context=as_user(None))
    with pytest.raises(tk.ValidationError) as error:
        notices_of(agency.applicant, mine=False)
    assert "mine" in error.value.error_dict
    with pytest.raises(tk.ValidationError):
        helpers.call_action("govshare_notice_read", context=as_user(agency.applicant))

    # the mail reached the sink, readable, in Chinese
    [received] = sunk(sink.folder, agency.contact)
    assert notice["subject"] in received and title in received

    assert helpers.call_action("govshare_notice_read", context=as_user(agency.applicant),
                               id=notice["id"]) == {"marked": 1, "unread": 0}
    assert notices_of(agency.applicant, unread_only=True)["count"] == 0
    assert notices_of(agency.applicant)["count"] == 1

    # the job run again (a retry) delivers nothing twice
    from ckanext.govshare.applications import jobs
    jobs.enqueue([n.id for n in model.Session.query(Notice).filter(
        Notice.application_id == application["id"])], force=True)
    run_jobs()
    assert model.Session.query(UserNotice).filter(
        UserNotice.user_id == agency.applicant["id"]).count() == 1


@pytest.mark.usefixtures(*JOBS)
@pytest.mark.ckan_config("smtp.mail_from", "")
def test_without_mail_the_site_still_tells_and_the_header_counts(app, agency):
    """No mail configured: no AttributeError, the notice is in the message
    centre, the header's bell counts it, opening it marks it read."""
    application = approve(agency)
    run_jobs()
    [row] = [n for n in model.Session.query(Notice).filter(
        Notice.application_id == application["id"], Notice.kind == "approved")]
    assert row.sent_at is None and row.delivered_at is not None
    assert row.last_error.startswith("NotConfigured: smtp.mail_from is not set")

    env = {"REMOTE_USER": agency.applicant["name"]}
    page = app.get("/dataset", extra_environ=env)
    bell = re.search(r'<li class="notifications govshare-notices-bell[^"]*">(.*?)</li>',
                     page.body, re.S)
    assert bell and 'aria-label="消息中心（1 条未读）"' in bell.group(1)
    assert '<span class="badge govshare-unread-count" aria-hidden="true">1</span>' \
        in bell.group(1)
    [notice] = notices_of(agency.applicant)["results"]
    listing = app.get("/dashboard/notices", extra_environ=env).body
    assert "govshare-notice-unread" in listing and notice["subject"] in listing
    opened = app.get(f"/dashboard/notices/{notice['id']}", extra_environ=env).body
    assert agency.dataset["title"] in opened and "govshare-unread-count" not in opened
    assert notices_of(agency.applicant)["unread"] == 0
    # someone else's notice is not found; a visitor is sent to log in
    assert app.get(f"/dashboard/notices/{notice['id']}",
                   extra_environ={"REMOTE_USER": agency.stranger["name"]},
                   status=404)
    assert "/user/login" in app.get("/dashboard/notices", follow_redirects=False,
                                    status=302).headers["Location"]

    # the sysadmins' page says why, to sysadmins only
    sysadmin = {"REMOTE_USER": agency.sysadmin["name"]}
    outbox = app.get("/ckan-admin/mail", extra_environ=sysadmin).body
    assert 'id="govshare-mail-not-configured"' in outbox
    assert f'data-notice-id="{row.id}" data-standing="failed"' in outbox
    assert "smtp.mail_from is not set" in outbox
    for user in (agency.admin, agency.applicant):
        app.get("/ckan-admin/mail", extra_environ={"REMOTE_USER": user["name"]},
                status=403)
        app.post("/ckan-admin/mail/retry", data={"all": "1"},
                 extra_environ={"REMOTE_USER": user["name"]}, status=403)
    app.get("/ckan-admin/mail", status=403)


@pytest.mark.usefixtures(*JOBS)
@pytest.mark.ckan_config("smtp.mail_from", "govshare@localhost")
@pytest.mark.ckan_config("smtp.server", "127.0.0.1:1")
@pytest.mark.ckan_config(options.APPLICATION_MAIL_ATTEMPTS, "1")
def test_a_sysadmin_retries_a_mail_that_ran_out_of_attempts(app, agency, sink,
                                                            monkeypatch):
    application = approve(agency)
    run_jobs()
    [row] = model.Session.query(Notice).filter(
        Notice.application_id == application["id"], Notice.kind == "approved").all()
    assert row.sent_at is None and row.attempts == 1
    assert "could not be connected" in row.last_error
    sysadmin = {"REMOTE_USER": agency.sysadmin["name"]}
    assert f'data-notice-id="{row.id}" data-standing="gave_up"' in \
        app.get("/ckan-admin/mail", extra_environ=sysadmin).body
    # the tick leaves it (out of attempts); the mail server is back; retry now
    monkeypatch.setitem(tk.config, "smtp.server", sink.server)
    helpers.call_action("govshare_application_tick",
                        context={"user": agency.sysadmin["name"], "ignore_auth": False})
    run_jobs()
    assert not sunk(sink.folder, agency.contact)
    page = app.post("/ckan-admin/mail/retry", data={"id": str(row.id)},
                    extra_environ=sysadmin, follow_redirects=True).body
    assert "1 条通知已排队" in page
    run_jobs()
    [received] = sunk(sink.folder, agency.contact)
    assert agency.dataset["title"] in received
    row = model.Session.get(Notice, row.id)
    assert row.sent_at is not None and row.attempts == 2
    assert f'data-notice-id="{row.id}"' not in \
        app.get("/ckan-admin/mail", extra_environ=sysadmin).body
