"""The applicant accepts the approval's terms (使用协议) before the grant
opens any file (issue 15 §6; Shanxi 2020 art. 20): the ``accept_terms``
move, its event with the exact text accepted, the page's 我已阅读并同意, and
the jurisdiction profile's switch (``terms_acceptance_required``)."""
from __future__ import annotations

import re

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications import mail
from ckanext.govshare.applications.model import Application, Notice
from ckanext.govshare.products import sources
from ckanext.govshare.tiers import policy
from tests import profiles
from tests.applications.conftest import accept_terms, application_data, approval_terms
from tests.applications.test_notifications import tick
from tests.applications.test_pages import auth, move_url, page_url, section, zh
from tests.tiers.conftest import upload_resource

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

ACCEPT = "/api/3/action/govshare_application_accept_terms"
FILE = b"id,name\n1,terms-file-7c1d\n"


def ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def approved(agency, **terms) -> dict:
    """An application of the agency's applicant, approved, as they see it."""
    created = helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                  **application_data(agency.dataset["id"]))
    helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                        id=created["id"], decision="approve", terms=approval_terms(**terms))
    return helpers.call_action("govshare_application_show", context=ctx(agency.applicant),
                               id=created["id"])


@pytest.fixture
def upload(agency) -> dict:
    """A file of the conditional dataset: its download is served, not redirected."""
    return upload_resource(agency.dataset["id"], FILE, "条件数据.csv",
                           agency.sysadmin["name"], name="条件开放文件")


def download_url(agency, upload: dict) -> str:
    return f"/dataset/{agency.dataset['name']}/resource/{upload['id']}/download"


class TestAccepting:
    def test_accepting_opens_the_files(self, app, agency, upload):
        application = approved(agency)
        grant = application["grant"]
        assert grant["state"] == "awaiting_acceptance" and not grant["valid"]
        assert application["agreement"]["awaits_acceptance"]
        assert "accept_terms" in application["moves"]
        headers = auth(agency.applicant)
        assert app.get(download_url(agency, upload), headers=headers).status_code == 403

        res = app.post(ACCEPT, headers=headers, json={
            "id": application["id"], "terms_version": application["agreement"]["version"]})
        assert res.status_code == 200, res.body
        result = res.json["result"]
        assert result["state"] == "approved" and "accept_terms" not in result["moves"]
        assert result["grant"]["state"] == "active" and result["grant"]["valid"]

        res = app.get(download_url(agency, upload), headers=headers)
        assert res.status_code == 200 and res.get_data() == FILE

    def test_the_event_holds_the_text_accepted(self, agency):
        application = approved(agency)
        shown = application["agreement"]
        accepted = accept_terms(application["id"], agency.applicant)

        *_, event, opened = accepted["events"]
        assert (event["move"], event["from_state"], event["to_state"], event["actor"]) == (
            "accept_terms", "approved", "approved", agency.applicant["name"])
        assert event["details"]["text"] == shown["text"]
        assert event["details"]["terms_version"] == shown["version"]
        assert event["terms"] == application["terms"]
        for field in ("scope", "extent", "valid_until", "disposal", "derived_data_ownership"):
            assert application["terms"][field] in shown["text"]
        assert agency.dataset["title"] in shown["text"]
        # then the grant's own event, the applicant its actor (tests/audit)
        assert (opened["move"], opened["actor"], opened["details"]["state"]) == (
            "grant_opened", agency.applicant["name"], "active")
        assert opened["details"]["was"]["state"] == "awaiting_acceptance"
        assert accepted["agreement"]["accepted"]["text"] == shown["text"]
        assert not accepted["agreement"]["awaits_acceptance"]
        # the chain holds, and the grant is as its last event says
        site_user = helpers.call_action("get_site_user")
        assert helpers.call_action("govshare_audit_verify", context=ctx(site_user))[
            "broken"] == []

    def test_accepting_twice_is_a_409(self, app, agency):
        application = approved(agency)
        accept_terms(application["id"], agency.applicant)
        before = helpers.call_action("govshare_application_show", id=application["id"])
        res = app.post(ACCEPT, headers=auth(agency.applicant), json={
            "id": application["id"], "terms_version": application["agreement"]["version"]})
        assert res.status_code == 409
        assert res.json["error"]["state"] == [zh(app, (
            "No terms of this approval await acceptance: they were accepted already, or "
            "the approval opened the data at once"))]
        after = helpers.call_action("govshare_application_show", id=application["id"])
        assert after["events"] == before["events"]

    def test_terms_that_changed_since_they_were_shown_are_a_409(self, app, agency):
        application = approved(agency)
        # the agreement names the dataset: its title changes after the page was read
        helpers.call_action("package_patch", context=ctx(agency.sysadmin),
                            id=agency.dataset["id"], title="城市公交线路（修订）")
        res = app.post(ACCEPT, headers=auth(agency.applicant), json={
            "id": application["id"], "terms_version": application["agreement"]["version"]})
        assert res.status_code == 409
        assert "terms_version" in res.json["error"]
        shown = helpers.call_action("govshare_application_show", id=application["id"])
        assert shown["grant"]["state"] == "awaiting_acceptance"
        assert "城市公交线路（修订）" in shown["agreement"]["text"]
        # read again, accepted: the text accepted is the one shown now
        accepted = helpers.call_action(
            "govshare_application_accept_terms", context=ctx(agency.applicant),
            id=application["id"], terms_version=shown["agreement"]["version"])
        assert accepted["agreement"]["accepted"]["text"] == shown["agreement"]["text"]

    def test_nobody_accepts_for_the_applicant(self, app, agency):
        application = approved(agency)
        version = application["agreement"]["version"]
        for user in (agency.editor, agency.admin, agency.sysadmin, agency.member,
                     agency.stranger):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_application_accept_terms", context=ctx(user),
                                    id=application["id"], terms_version=version)
        res = app.post(ACCEPT, headers=auth(agency.sysadmin),
                       json={"id": application["id"], "terms_version": version})
        assert res.status_code == 403
        shown = helpers.call_action("govshare_application_show", id=application["id"])
        assert shown["state"] == "approved"
        assert shown["grant"]["state"] == "awaiting_acceptance"
        # the attempts of those who could see the application are in the trail
        refused = [e for e in shown["events"] if e["move"] == "acceptance_by_other_refused"]
        assert [e["actor"] for e in refused] == [
            agency.editor["name"], agency.admin["name"], agency.sysadmin["name"],
            agency.sysadmin["name"]]
        assert {e["details"]["move"] for e in refused} == {"accept_terms"}
        assert not policy.has_access(agency.applicant["name"], agency.resources[0])

    @pytest.mark.usefixtures("clean_queues")
    def test_an_unaccepted_grant_ends_with_its_term(self, agency, freezer):
        freezer.move_to("2026-11-02 02:00:00")
        application = approved(agency, valid_until="2026-11-10")
        freezer.move_to("2026-11-10 16:00:01")  # 11 November in China
        assert tick()["expired"] == 1
        shown = helpers.call_action("govshare_application_show", id=application["id"])
        assert shown["state"] == "expired" and shown["grant"]["state"] == "expired"
        with pytest.raises(tk.ValidationError) as err:
            accept_terms(application["id"], agency.applicant)
        assert "This application is expired" in str(err.value.error_dict["state"])

    def test_an_unaccepted_grant_backs_no_data_product(self, agency):
        approved(agency)
        caller = policy.Caller.for_user(model.User.get(agency.applicant["name"]))
        assert sources._grants(caller, agency.dataset["id"]) == []


class TestPage:
    def test_the_page_shows_the_terms_and_the_button(self, app, agency):
        application = approved(agency)
        terms = application["terms"]
        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert 'id="govshare-acceptance-notice"' in body
        assert zh(app, "Approved. Before you may use the data, read the agreement terms "
                       "below and accept them.") in body
        agreement = section(body, "govshare-agreement")
        text = section(agreement, "govshare-agreement-text")
        for field in ("scope", "extent", "disposal", "derived_data_ownership"):
            assert terms[field] in text
        assert "有条件开放数据使用协议" in text and "到期处置：" in text
        assert "我已阅读并同意" in agreement
        # the version of the text on the page (Chinese), which the form sends back
        [version] = re.findall(r'name="terms_version" value="([0-9a-f]{64})"', agreement)
        assert 'name="_csrf_token"' in agreement
        assert move_url(application, "accept_terms") in agreement
        # the apply page the 403 of a download points to leads here
        apply_page = app.get(f"/dataset/{agency.dataset['name']}/apply",
                             headers=auth(agency.applicant)).body
        assert 'id="govshare-to-accept"' in apply_page
        # the reviewers see that it waits; only the applicant has the button
        theirs = app.get(page_url(application), headers=auth(agency.editor)).body
        assert 'id="govshare-acceptance-notice"' in theirs
        assert "我已阅读并同意" not in theirs

        # terms read on a page that is out of date: shown again, with the error
        res = app.post(move_url(application, "accept_terms"), headers=auth(agency.applicant),
                       data={"terms_version": "0" * 64})
        assert res.status_code == 200
        assert zh(app, "The terms have changed since they were shown to you: read them "
                       "again before you accept them") in res.body

        res = app.post(move_url(application, "accept_terms"), headers=auth(agency.applicant),
                       data={"terms_version": version}, follow_redirects=False)
        assert res.status_code == 302 and res.headers["Location"].endswith(
            page_url(application))
        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert "我已阅读并同意" not in body
        assert 'id="govshare-approved-notice"' in body
        timeline = section(body, "govshare-timeline")
        assert zh(app, "Accepted the agreement terms") in timeline
        # the text accepted is the Chinese one shown
        shown = helpers.call_action("govshare_application_show", id=application["id"])
        accepted = shown["agreement"]["accepted"]
        assert (accepted["language"], accepted["terms_version"]) == ("zh_Hans_CN", version)
        assert accepted["text"].startswith("有条件开放数据使用协议\n")


@pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.NO_ACCEPTANCE)
class TestProfileWithoutAcceptance:
    def test_the_approval_opens_the_files_at_once(self, app, agency, upload):
        application = approved(agency)
        assert application["grant"]["state"] == "active" and application["grant"]["valid"]
        assert "accept_terms" not in application["moves"]
        decided = next(e for e in application["events"] if e["move"] == "approve")
        assert decided["details"] == {"terms_acceptance_required": False}
        res = app.get(download_url(agency, upload), headers=auth(agency.applicant))
        assert res.status_code == 200 and res.get_data() == FILE
        with pytest.raises(tk.ValidationError):
            accept_terms(application["id"], agency.applicant)

        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert "我已阅读并同意" not in body and 'id="govshare-approved-notice"' in body
        # the mail says nothing of accepting
        notice = model.Session.query(Notice).filter(
            Notice.application_id == application["id"], Notice.kind == "approved").one()
        with mail.mail_context():
            values = mail.values_for(notice, model.Session.get(Application, application["id"]))
            subject = mail.subject_text(notice.kind, values)
        assert not values["accept_terms"] and "#" not in values["url"]
        assert subject == zh(app, "Your application for “{dataset}” was approved",
                             dataset=agency.dataset["title"])
