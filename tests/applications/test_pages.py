"""The application pages, as the applicant, the reviewers and everyone else
see them: the form, the application with its timeline and move forms, the
dashboard tab and the organization's inbox.

Pages are in Chinese by default. Our strings are looked up in the page's
catalog (:func:`zh`), so the assertions hold before and after a string is
translated; text from the data itself (purposes, reasons) is asserted as is.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from freezegun import freeze_time

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications.model import Application
from tests import profiles
from tests import factories
from tests.applications.conftest import application_data, approval_terms

# Monday 2 March 2026: due 15 working days later, on 23 March; on Monday 20
# April it is 19 working days overdue (Qingming: 4-6 April off).
FILED = "2026-03-02 02:00:00"
LATER = "2026-04-20 02:00:00"


# ------------------------------------------------------------------ helpers
def auth(user: dict) -> dict:
    """An API token header for ``user``: pages accept it like a login. Its
    ``iat`` lies in 2020 so that a frozen clock does not refuse it."""
    from ckan.lib import api_token

    token = model.ApiToken(user_id=user["id"], name="tests")
    token.created_at = dt.datetime(2020, 1, 1)
    model.Session.add(token)
    model.Session.commit()
    return {"Authorization": api_token.encode(
        {"jti": token.id, "iat": api_token.into_seconds(token.created_at)})}


def zh(app, msgid: str, **fields) -> str:
    """``msgid`` as the Chinese pages show it (HTML-escaped like the page)."""
    from flask_babel import force_locale
    from markupsafe import escape

    with app.flask_app.test_request_context("/"), force_locale("zh_Hans_CN"):
        text = tk._(msgid)
    return str(escape(text.format(**fields) if fields else text))


def zh_plural(app, singular: str, plural: str, n) -> str:
    """A plural message as the Chinese pages show it for ``n``."""
    from flask_babel import force_locale
    from markupsafe import escape

    with app.flask_app.test_request_context("/"), force_locale("zh_Hans_CN"):
        text = tk.ungettext(singular, plural, n if isinstance(n, int) else 2)
    return str(escape(text.format(n=n)))


def ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def apply_url(dataset: dict) -> str:
    return url_for("govshare_applications.apply", id=dataset["name"])


def page_url(application: dict) -> str:
    return url_for("govshare_applications.read", id=application["id"])


def move_url(application: dict, move: str) -> str:
    return url_for("govshare_applications.move", id=application["id"], move=move)


def inbox_url(agency) -> str:
    return url_for("govshare_applications.inbox", id=agency.org["name"])


def form_data(agency, **overrides) -> dict:
    """The apply form as a browser posts it (strings, ticked boxes "true")."""
    data = application_data(agency.dataset["id"])
    data.pop("package_id")
    data.update({"requested_term_months": "12", "accept_terms": "true",
                 "accept_security_commitment": "true"})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_by_action(agency, dataset: dict | None = None, **overrides) -> dict:
    return helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                               **application_data((dataset or agency.dataset)["id"],
                                                  **overrides))


def count_applications() -> int:
    return model.Session.query(Application).count()


def text_of(body: str) -> str:
    """The page's visible text, roughly: tags dropped, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def section(body: str, element_id: str) -> str:
    """The markup from the element with ``element_id`` to the end of the page."""
    start = body.find(f'id="{element_id}"')
    assert start >= 0, element_id
    return body[start:]


# ------------------------------------------------------------------ apply form
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestApplyForm:
    def test_renders_for_a_logged_in_user_in_chinese(self, app, agency):
        body = app.get(apply_url(agency.dataset), headers=auth(agency.applicant)).body
        assert 'lang="zh-Hans-CN"' in body
        assert zh(app, "Apply for data") in body
        form = section(body, "govshare-apply-form")
        assert f'action="{apply_url(agency.dataset)}"' in body
        for name in ("purpose", "use_scenario", "requested_fields", "requested_term_months",
                     "applicant_name", "credit_code", "contact_email", "contact_phone"):
            assert f'name="{name}"' in form, name
        assert form.count('name="resource_ids"') == 2
        assert all(f'value="{r["id"]}"' in form for r in agency.resources)
        assert 'value="person"' in form and 'value="organization"' in form
        assert 'name="accept_terms"' in form and 'name="accept_security_commitment"' in form
        assert zh(app, "Security commitment") in form
        assert zh(app, "not disclose, sell, publish or pass on the original data to any "
                       "third party;") in form
        assert zh(app, "Unified social credit code") in form
        assert zh(app, "Use scenario") in form

    def test_in_english(self, app, agency):
        body = app.get("/en" + apply_url(agency.dataset), headers=auth(agency.applicant)).body
        assert "Apply for data" in body and "Security commitment" in body
        application = apply_by_action(agency, purpose="traffic planning")
        body = app.get("/en" + page_url(application), headers=auth(agency.applicant)).body
        assert "Submitted" in body and "traffic planning" in body

    def test_submit_then_the_application_page(self, app, agency):
        res = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                       data={**form_data(agency), "resource_ids": [agency.resources[0]["id"]]},
                       follow_redirects=False)
        assert res.status_code == 302
        [application] = helpers.call_action("govshare_application_list",
                                            context=ctx(agency.applicant))["results"]
        assert res.headers["Location"].endswith(page_url(application))
        assert application["resource_ids"] == [agency.resources[0]["id"]]

        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert zh(app, "Submitted") in body
        assert 'data-state="submitted"' in body
        assert application["due_date"] in section(body, "govshare-due")
        assert "城市交通规划研究" in body and "公交线网优化模型的训练与验证" in body
        assert "13812345678" in body                     # the applicant sees their own
        assert zh(app, "Applied") in section(body, "govshare-timeline")
        assert zh(app, "Withdraw the application") in body
        assert zh(app, "Approve") not in section(body, "govshare-moves")

    def test_the_flash_names_the_due_date(self, app, agency):
        res = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                       data=form_data(agency), follow_redirects=True)
        [application] = helpers.call_action("govshare_application_list",
                                            context=ctx(agency.applicant))["results"]
        flash = zh(app, "Your application has been submitted. The publishing agency "
                        "answers by {due_date}.", due_date=application["due_date"])
        assert flash in res.body

    def test_errors_are_shown_in_the_form_and_nothing_is_saved(self, app, agency):
        res = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                       data=form_data(agency, purpose="", credit_code="12330100ABCDEFGHIJ",
                                      accept_security_commitment=None))
        assert res.status_code == 200
        body = res.body
        assert "error-explanation" in body                       # CKAN's error summary
        assert zh(app, "Purpose") in section(body, "govshare-apply-form")
        assert re.search(r'form-group error[^"]*">\s*<label class="form-label" '
                         r'for="field-purpose"', body)
        bad_code = zh(app, "Enter the 18-character unified social credit code: digits and "
                           "capital letters except I, O, S, V and Z, with the administrative "
                           "division code (6 digits) in positions 3 to 8")
        assert bad_code in body
        assert zh(app, "Must be accepted to apply") in body
        # what was typed stays in the form
        assert "公交线网优化模型的训练与验证" in body and "12330100ABCDEFGHIJ" in body
        assert count_applications() == 0

    def test_a_bad_check_character_is_named(self, app, agency):
        code = factories.credit_code(4242, prefix="12")
        wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
        body = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                        data=form_data(agency, credit_code=wrong)).body
        assert zh(app, "This unified social credit code is not valid: its check character "
                       "(the last one) does not match the other 17") in body
        assert count_applications() == 0

    def test_a_person_needs_no_credit_code(self, app, agency):
        res = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                       data=form_data(agency, applicant_type="person", applicant_name="张三",
                                      credit_code="whatever"), follow_redirects=False)
        assert res.status_code == 302
        [application] = helpers.call_action("govshare_application_list",
                                            context=ctx(agency.applicant))["results"]
        assert application["applicant_type"] == "person"
        assert not application.get("credit_code")

    def test_anonymous_sees_what_to_do_and_is_sent_to_log_in(self, app, agency):
        body = app.get(apply_url(agency.dataset)).body
        assert zh(app, "Conditionally open: application required") in body
        assert "/user/login" in body and 'name="purpose"' not in body
        res = app.post(apply_url(agency.dataset), data=form_data(agency),
                       follow_redirects=False)
        assert res.status_code == 302 and "/user/login" in res.headers["Location"]
        assert count_applications() == 0

    def test_unconditional_data_is_refused_with_the_actions_message(self, app, agency):
        open_data = factories.Dataset(owner_org=agency.org["id"])
        body = app.get(apply_url(open_data), headers=auth(agency.applicant)).body
        assert zh(app, "This dataset is unconditionally open: no application is needed, "
                       "its data can be downloaded freely.") in body
        assert 'name="purpose"' not in body
        body = app.post(apply_url(open_data), headers=auth(agency.applicant),
                        data=form_data(agency)).body
        assert zh(app, "Only conditionally open data is applied for: this dataset is open "
                       "to everyone") in body
        assert count_applications() == 0

    def test_a_second_pending_application_is_refused(self, app, agency):
        first = apply_by_action(agency)
        body = app.get(apply_url(agency.dataset), headers=auth(agency.applicant)).body
        pending = section(body, "govshare-pending")
        assert page_url(first) in pending and 'name="purpose"' not in body
        body = app.post(apply_url(agency.dataset), headers=auth(agency.applicant),
                        data=form_data(agency)).body
        assert zh(app, "You already have a pending application for this dataset: wait for "
                       "the answer, or withdraw it first") in body
        assert count_applications() == 1

    def test_unknown_dataset_is_404(self, app, agency):
        res = app.get("/dataset/no-such-dataset/apply", headers=auth(agency.applicant))
        assert res.status_code == 404

    def test_the_old_endpoint_builds_the_same_url(self, app, agency):
        with app.flask_app.test_request_context("/"):
            assert tk.h.url_for("govshare.apply", id="x") == \
                tk.h.url_for("govshare_applications.apply", id="x") == "/dataset/x/apply"


# ------------------------------------------------------------------ the application
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestApplicationPage:
    def test_only_the_applicant_and_reviewers_open_it(self, app, agency):
        application = apply_by_action(agency)
        url = page_url(application)
        assert app.get(url, headers=auth(agency.stranger)).status_code == 403
        assert app.get(url, headers=auth(agency.member)).status_code == 403
        for user in (agency.applicant, agency.editor, agency.admin, agency.sysadmin):
            assert app.get(url, headers=auth(user)).status_code == 200
        assert app.get("/application/no-such-id", headers=auth(agency.editor)).status_code \
            == 404
        res = app.get(url, follow_redirects=False)
        assert res.status_code == 302 and "/user/login" in res.headers["Location"]

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
    def test_a_reviewer_sees_the_contact_details_and_the_decision_forms(self, app, agency):
        application = apply_by_action(agency)
        body = app.get(page_url(application), headers=auth(agency.editor)).body
        assert "13812345678" in section(body, "govshare-contact-phone")
        assert "applicant@research.example" in body
        assert application_data("x")["credit_code"] in body
        moves = section(body, "govshare-moves")
        for move in ("approve", "reject", "request_supplement", "extend"):
            assert f'action="{move_url(application, move)}"' in moves, move
        for move in ("withdraw", "supplement", "revoke"):
            assert move_url(application, move) not in moves, move
        for field in ("scope", "extent", "valid_from", "valid_until", "disposal",
                      "derived_data_ownership", "terms_resource_ids"):
            assert f'name="{field}"' in moves, field
        assert zh(app, "Ownership of derived data") in moves
        assert zh(app, "Extent") in moves
        assert zh(app, "Disposal when the term ends") in moves

    def test_approve_through_the_pages(self, app, agency):
        application = apply_by_action(agency)
        terms = approval_terms()
        res = app.post(move_url(application, "approve"), headers=auth(agency.editor),
                       data={**terms, "terms_resource_ids": [agency.resources[1]["id"]]},
                       follow_redirects=False)
        assert res.status_code == 302 and res.headers["Location"].endswith(
            page_url(application))

        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert 'data-state="approved"' in body and zh(app, "Approved") in body
        grant = section(body, "govshare-grant")
        assert terms["valid_until"] in grant and zh(app, "Valid") in grant
        agreement = section(body, "govshare-agreement")
        for value in ("scope", "extent", "disposal", "derived_data_ownership"):
            assert terms[value] in agreement
        assert "B" in agreement
        timeline = section(body, "govshare-timeline")
        assert zh(app, "Applied") in timeline and zh(app, "Approved") in timeline
        assert agency.editor["name"] in timeline or agency.editor["fullname"] in timeline

        dashboard = app.get(url_for("govshare_applications.dashboard"),
                            headers=auth(agency.applicant)).body
        grants = section(dashboard, "govshare-my-grants")
        assert terms["valid_until"] in grants and agency.dataset["title"] in grants

    def test_an_approval_without_terms_is_shown_again_with_errors(self, app, agency):
        application = apply_by_action(agency)
        res = app.post(move_url(application, "approve"), headers=auth(agency.editor),
                       data={**approval_terms(), "extent": "",
                             "valid_until": "2020-01-01"})
        assert res.status_code == 200
        body = res.body
        assert "error-explanation" in body
        assert zh(app, "The term must end on or after its first day") in body or \
            zh(app, "Missing value") in body
        assert "open" in re.search(r'<details[^>]*id="govshare-move-approve"[^>]*>', body)[0]
        after = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                    id=application["id"])
        assert after["state"] == "submitted" and after["grant"] is None

    def test_a_rejection_needs_a_reason(self, app, agency):
        application = apply_by_action(agency)
        body = app.post(move_url(application, "reject"), headers=auth(agency.editor),
                        data={"reason": "", "basis": "《办法》第十条"}).body
        assert zh(app, "Missing value: give a reason") in body
        assert "《办法》第十条" in body                 # kept in the form
        res = app.post(move_url(application, "reject"), headers=auth(agency.editor),
                       data={"reason": "用途与数据无关", "basis": "《办法》第十条"},
                       follow_redirects=True)
        body = res.body
        assert zh(app, "Rejected") in body and "用途与数据无关" in body
        assert "《办法》第十条" in section(body, "govshare-timeline")

    def test_supplement_round_trip(self, app, agency):
        application = apply_by_action(agency)
        app.post(move_url(application, "request_supplement"), headers=auth(agency.editor),
                 data={"reason": "缺少单位介绍信"})
        body = app.get(page_url(application), headers=auth(agency.applicant)).body
        assert zh(app, "Supplement needed") in body and "缺少单位介绍信" in body
        form = section(body, "govshare-move-supplement")
        assert "城市交通规划研究" in form                 # the materials, to be edited
        assert 'action="{}"'.format(move_url(application, "supplement")) in form

        data = {**form_data(agency, purpose="城市交通规划研究（附单位介绍信）"),
                "note": "已补充单位介绍信"}
        for key in ("accept_terms", "accept_security_commitment"):
            data.pop(key)
        res = app.post(move_url(application, "supplement"), headers=auth(agency.applicant),
                       data=data, follow_redirects=True)
        body = res.body
        assert 'data-state="submitted"' in body
        assert "城市交通规划研究（附单位介绍信）" in body
        timeline = text_of(section(body, "govshare-timeline"))
        assert "已补充单位介绍信" in timeline and "缺少单位介绍信" in timeline

    def test_the_applicant_withdraws(self, app, agency):
        application = apply_by_action(agency)
        res = app.post(move_url(application, "withdraw"), headers=auth(agency.applicant),
                       data={"reason": "不再需要"}, follow_redirects=True)
        assert zh(app, "Your application has been withdrawn.") in res.body
        assert 'data-state="withdrawn"' in res.body
        assert 'id="govshare-moves"' not in res.body

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
    def test_the_reviewer_extends_once(self, app, agency):
        application = apply_by_action(agency)
        res = app.post(move_url(application, "extend"), headers=auth(agency.editor),
                       data={"days": "20", "reason": "需征求其他部门意见"})
        assert zh(app, "Must be between {low} and {high}", low=1, high=15) in res.body
        res = app.post(move_url(application, "extend"), headers=auth(agency.editor),
                       data={"days": "10", "reason": "需征求其他部门意见"},
                       follow_redirects=True)
        after = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                    id=application["id"])
        assert after["due_date"] > application["due_date"]
        assert after["due_date"] in section(res.body, "govshare-due")
        assert move_url(application, "extend") not in res.body    # once only
        assert "需征求其他部门意见" in section(res.body, "govshare-timeline")

    def test_moves_of_others_are_forbidden(self, app, agency):
        application = apply_by_action(agency)
        res = app.post(move_url(application, "approve"), headers=auth(agency.applicant),
                       data=approval_terms())
        assert res.status_code == 403
        res = app.post(move_url(application, "withdraw"), headers=auth(agency.editor),
                       data={})
        assert res.status_code == 403
        assert app.post(move_url(application, "teleport"),
                        headers=auth(agency.editor)).status_code == 404
        assert helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                   id=application["id"])["state"] == "submitted"

    def test_an_org_admin_revokes_the_grant(self, app, agency):
        application = apply_by_action(agency)
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=application["id"], decision="approve", terms=approval_terms())
        editor_page = app.get(page_url(application), headers=auth(agency.editor)).body
        assert move_url(application, "revoke") not in editor_page   # admins only
        res = app.post(move_url(application, "revoke"), headers=auth(agency.admin),
                       data={"reason": "违反使用约定"}, follow_redirects=True)
        assert 'data-state="revoked"' in res.body and "违反使用约定" in res.body


# ------------------------------------------------------------------ lists
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestInbox:
    def _two_applications(self, agency):
        with freeze_time(FILED):
            late = apply_by_action(agency)
        other = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional",
                                  title="出租车运营数据")
        with freeze_time("2026-04-16 02:00:00"):
            fresh = helpers.call_action(
                "govshare_application_create", context=ctx(agency.stranger),
                **application_data(other["id"], applicant_name="某大学"))
        return late, fresh

    @freeze_time(LATER)
    def test_a_reviewer_sees_the_inbox_by_due_date_overdue_in_red(self, app, agency):
        late, fresh = self._two_applications(agency)
        body = app.get(inbox_url(agency), headers=auth(agency.editor)).body
        assert zh(app, "Applications received") in body
        rows = re.findall(r"<tr class=\"([^\"]*)\" data-state=\"submitted\""
                          r"[^>]*>(.*?)</tr>", body, re.S)
        assert len(rows) == 2
        (first_class, first), (second_class, second) = rows
        assert page_url(late) in first and "table-danger" in first_class  # due first, red
        assert "2026-03-23" in first and "text-danger" in first
        assert zh_plural(app, "Overdue by {n} working day", "Overdue by {n} working days",
                         19) in first
        assert page_url(fresh) in second and "table-danger" not in second_class
        assert re.search(r"\d+", text_of(second))
        assert "某大学" in second

    @freeze_time(LATER)
    def test_filters(self, app, agency):
        late, fresh = self._two_applications(agency)
        body = app.get(inbox_url(agency) + "?overdue=true", headers=auth(agency.admin)).body
        assert page_url(late) in body and page_url(fresh) not in body
        body = app.get(inbox_url(agency) + "?overdue=false", headers=auth(agency.admin)).body
        assert page_url(late) not in body and page_url(fresh) in body
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=late["id"], decision="reject", reason="不符合条件")
        body = app.get(inbox_url(agency) + "?state=rejected", headers=auth(agency.admin)).body
        assert page_url(late) in body and page_url(fresh) not in body
        body = app.get(inbox_url(agency) + "?state=nonsense", headers=auth(agency.admin)).body
        assert page_url(late) in body and page_url(fresh) in body

    @freeze_time(LATER)
    def test_the_decision_form_is_one_click_away(self, app, agency):
        late, _ = self._two_applications(agency)
        body = app.get(page_url(late), headers=auth(agency.editor)).body
        assert 'id="govshare-overdue-notice"' in body
        assert f'action="{move_url(late, "approve")}"' in body

    def test_paging(self, app, agency, monkeypatch):
        from ckanext.govshare.applications import views
        monkeypatch.setattr(views, "PER_PAGE", 2)
        users = [factories.User() for _ in range(3)]
        for user in users:
            helpers.call_action("govshare_application_create", context=ctx(user),
                                **application_data(agency.dataset["id"]))
        first = app.get(inbox_url(agency), headers=auth(agency.editor)).body
        second = app.get(inbox_url(agency) + "?page=2", headers=auth(agency.editor)).body
        assert len(re.findall(r'<tr [^>]*data-state=', first)) == 2
        assert len(re.findall(r'<tr [^>]*data-state=', second)) == 1
        assert "page=2" in first

    def test_only_reviewers_open_the_inbox(self, app, agency):
        apply_by_action(agency)
        assert app.get(inbox_url(agency), headers=auth(agency.member)).status_code == 403
        assert app.get(inbox_url(agency), headers=auth(agency.stranger)).status_code == 403
        assert app.get(inbox_url(agency), headers=auth(agency.sysadmin)).status_code == 200
        res = app.get(inbox_url(agency), follow_redirects=False)
        assert res.status_code == 302 and "/user/login" in res.headers["Location"]
        assert app.get("/organization/no-such-org/applications",
                       headers=auth(agency.editor)).status_code == 404

    def test_the_organization_page_links_reviewers_to_it(self, app, agency):
        org_url = url_for("organization.read", id=agency.org["name"])
        assert inbox_url(agency) in app.get(org_url, headers=auth(agency.editor)).body
        assert inbox_url(agency) not in app.get(org_url, headers=auth(agency.member)).body
        assert inbox_url(agency) not in app.get(org_url).body


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDashboard:
    def test_my_applications_and_grants(self, app, agency):
        submitted = apply_by_action(agency)
        other = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional",
                                  title="出租车运营数据")
        approved = apply_by_action(agency, other)
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=approved["id"], decision="approve", terms=approval_terms())

        body = app.get(url_for("govshare_applications.dashboard"),
                       headers=auth(agency.applicant)).body
        mine = section(body, "govshare-my-applications")
        assert page_url(submitted) in mine and page_url(approved) in mine
        assert submitted["due_date"] in mine
        assert zh(app, "Submitted") in mine and zh(app, "Approved") in mine
        assert re.search(zh_plural(app, "{n} working day left", "{n} working days left",
                                   r"\d+"), mine)
        grants = section(body, "govshare-my-grants")
        assert "出租车运营数据" in grants and approval_terms()["valid_until"] in grants

        others = app.get(url_for("govshare_applications.dashboard"),
                         headers=auth(agency.stranger)).body
        assert page_url(submitted) not in others

    def test_the_dashboard_has_a_tab(self, app, agency):
        body = app.get(url_for("dashboard.datasets"), headers=auth(agency.applicant)).body
        assert url_for("govshare_applications.dashboard") in body
        assert zh(app, "My applications") in body

    def test_anonymous_is_sent_to_log_in(self, app):
        res = app.get(url_for("govshare_applications.dashboard"), follow_redirects=False)
        assert res.status_code == 302 and "/user/login" in res.headers["Location"]
