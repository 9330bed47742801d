"""Applying, deciding and the rules around them, through the Action API."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.tiers import policy
from tests import profiles
from tests import factories
from tests.applications.conftest import (
    accept_terms, application_data, approval_terms, approve_and_accept)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def apply(agency, **overrides) -> dict:
    return helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                               **application_data(agency.dataset["id"], **overrides))


def count_applications() -> int:
    return model.Session.execute(sa.text("SELECT count(*) FROM govshare_application")).scalar()


class TestApplying:
    def test_the_response_carries_the_clock(self, agency):
        app = apply(agency)
        assert app["state"] == "submitted"
        for key in ("submitted_at", "due_date", "due_date_provisional",
                    "working_days_left", "overdue"):
            assert key in app
        assert app["working_days_left"] == 15
        assert app["overdue"] is False
        assert [e["move"] for e in app["events"]] == ["submit"]

    def test_some_resources(self, agency):
        wanted = [agency.resources[1]["id"]]
        app = apply(agency, resource_ids=wanted)
        assert app["resource_ids"] == wanted

    def test_a_resource_of_another_dataset_is_refused(self, agency):
        other = factories.Dataset(resources=[{"url": "http://example.com/x.csv"}])
        with pytest.raises(tk.ValidationError) as err:
            apply(agency, resource_ids=[other["resources"][0]["id"]])
        assert "resource_ids" in err.value.error_dict
        assert count_applications() == 0

    @pytest.mark.parametrize("field,value,message", [
        ("purpose", "", "Missing value"),
        ("use_scenario", "  ", "Missing value"),
        ("requested_term_months", 0, "between 1 and 36"),
        ("requested_term_months", "lots", "whole number"),
        ("applicant_type", "company", "Value must be one of"),
        ("credit_code", "91330100MA27XYZ12", "18-character"),
        ("credit_code", "911101087263653300", "check character"),
        ("contact_email", "not-an-email", "Email"),
        ("contact_phone", "12345", "mobile number"),
        ("accept_terms", False, "Must be accepted"),
        ("accept_security_commitment", "", "Must be accepted"),
    ])
    def test_bad_materials_are_field_errors(self, agency, field, value, message):
        with pytest.raises(tk.ValidationError) as err:
            apply(agency, **{field: value})
        assert message in " ".join(err.value.error_dict[field])
        assert count_applications() == 0

    def test_an_organization_gives_its_credit_code(self, agency):
        with pytest.raises(tk.ValidationError) as err:
            apply(agency, credit_code="")
        assert "credit_code" in err.value.error_dict
        person = apply(agency, applicant_type="person", applicant_name="张三",
                       credit_code="")
        assert person["credit_code"] is None

    def test_landline_and_spaced_mobile(self, agency):
        assert apply(agency, contact_phone="0571-88888888")["contact_phone"] == "0571-88888888"

    @pytest.mark.parametrize("tier,message", [
        ("unconditional", "open to everyone"),
    ])
    def test_open_data_is_not_applied_for(self, agency, tier, message):
        dataset = factories.Dataset(owner_org=agency.org["id"], open_tier=tier)
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                **application_data(dataset["id"]))
        assert message in err.value.error_dict["package_id"][0]

    def test_closed_data_is_not_found_by_outsiders_and_refused_to_members(self, agency):
        closed = factories.Dataset(owner_org=agency.org["id"], open_tier="closed")
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                **application_data(closed["id"]))
        other_org = factories.Organization(users=[
            {"name": agency.applicant["name"], "capacity": "member"}])
        closed_there = factories.Dataset(owner_org=other_org["id"], open_tier="closed")
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                **application_data(closed_there["id"]))
        assert "Closed data" in err.value.error_dict["package_id"][0]

    def test_unknown_dataset_is_404(self, agency):
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                                **application_data("no-such-dataset"))

    def test_anonymous_may_not_apply(self, agency):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_application_create",
                                context={"user": "", "ignore_auth": False},
                                **application_data(agency.dataset["id"]))

    def test_twice_while_pending_is_refused(self, agency):
        first = apply(agency)
        with pytest.raises(tk.ValidationError) as err:
            apply(agency)
        assert "pending application" in err.value.error_dict["package_id"][0]
        helpers.call_action("govshare_application_withdraw", context=ctx(agency.applicant),
                            id=first["id"])
        assert apply(agency)["state"] == "submitted"
        assert count_applications() == 2

    def test_members_already_have_the_data(self, agency):
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_create", context=ctx(agency.member),
                                **application_data(agency.dataset["id"]))
        assert "member of its organization" in err.value.error_dict["package_id"][0]

    def test_api_errors_are_409_and_404(self, agency, app):
        user = factories.UserWithToken()
        headers = {"Authorization": user["token"]}
        body = application_data(agency.dataset["id"], purpose="")
        url = tk.url_for("api.action", ver=3, logic_function="govshare_application_create")
        res = app.post(url, json=body, headers=headers, status=409)
        assert res.json["error"]["__type"] == "Validation Error"
        assert sorted(res.json["error"]) == ["__type", "purpose"]
        res = app.post(tk.url_for("api.action", ver=3, logic_function="govshare_application_show"),
                       json={"id": "nope"}, headers=headers, status=404)
        assert res.json["error"]["__type"] == "Not Found Error"


class TestDeciding:
    def test_rejection_needs_a_reason(self, agency):
        app = apply(agency)
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                id=app["id"], decision="reject")
        assert "reason" in err.value.error_dict
        shown = helpers.call_action("govshare_application_show", id=app["id"])
        assert shown["state"] == "submitted"
        rejected = helpers.call_action(
            "govshare_application_decide", context=ctx(agency.editor), id=app["id"],
            decision="reject", reason="申请用途超出数据开放范围",
            basis="《某市公共数据开放办法》第十二条")
        assert rejected["state"] == "rejected"
        assert rejected["events"][-1]["reason"] == "申请用途超出数据开放范围"
        assert rejected["events"][-1]["basis"].startswith("《某市公共数据开放办法》")

    @pytest.mark.parametrize("terms,field", [
        (None, None),
        ({"scope": "x"}, "extent"),
        (approval_terms(disposal=""), "disposal"),
        (approval_terms(derived_data_ownership=""), "derived_data_ownership"),
        (approval_terms(valid_until="2020-01-01"), "valid_until"),
        (approval_terms(valid_until="someday"), "valid_until"),
        (approval_terms(valid_from="2020-01-01"), "valid_from"),
    ])
    def test_approval_needs_the_terms(self, agency, terms, field):
        app = apply(agency)
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                id=app["id"], decision="approve",
                                **({"terms": terms} if terms is not None else {}))
        errors = err.value.error_dict["terms"]
        if field:
            assert field in errors
        shown = helpers.call_action("govshare_application_show", id=app["id"])
        assert shown["state"] == "submitted" and shown["grant"] is None
        assert helpers.call_action("govshare_grant_list", context=ctx(agency.applicant))[
            "count"] == 0

    def test_the_term_is_bounded(self, agency):
        app = apply(agency)
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                id=app["id"], decision="approve",
                                terms=approval_terms(valid_until="2099-01-01"))
        assert "at most 36 months" in str(err.value.error_dict["terms"])

    def test_approval_records_terms_and_grants_the_data(self, agency):
        first = agency.resources[0]
        app = apply(agency, resource_ids=[first["id"]])
        assert not policy.has_access(agency.applicant["name"], first)
        approved = helpers.call_action("govshare_application_decide",
                                       context=ctx(agency.admin), id=app["id"],
                                       decision="approve", terms=approval_terms())
        assert approved["state"] == "approved"
        assert approved["terms"]["extent"] == "仅用于研究，不得公开原始数据"
        # the decision, then the grant's own event (tests/audit)
        decided, issued = approved["events"][-2:]
        assert decided["terms"]["disposal"].startswith("期满后30日内")
        grant = approved["grant"]
        assert (issued["move"], issued["details"]["grant_id"]) == ("grant_issued", grant["id"])
        # the profile requires the applicant's acceptance first (test_terms)
        assert grant["state"] == "awaiting_acceptance" and not grant["valid"]
        assert not policy.has_access(agency.applicant["name"], first)
        grant = accept_terms(app["id"], agency.applicant)["grant"]
        assert grant["valid"] and grant["resource_ids"] == [first["id"]]
        assert policy.has_access(agency.applicant["name"], first)
        # only the resource applied for, not its sibling, nor the whole dataset
        assert not policy.has_access(agency.applicant["name"], agency.resources[1])
        assert not policy.has_access(agency.applicant["name"], agency.dataset)
        assert not policy.has_access(agency.stranger["name"], first)

    def test_unknown_decision(self, agency):
        app = apply(agency)
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                id=app["id"], decision="maybe")
        assert "decision" in err.value.error_dict

    def test_concurrent_decisions_leave_exactly_one(self, agency, app):
        """Two reviewers answer at the same moment, through the API in two
        threads (two database connections): one wins, the other is told the
        application was already decided."""
        application = apply(agency)
        editor = factories.UserWithToken()
        admin = factories.UserWithToken()
        helpers.call_action("organization_member_create", id=agency.org["id"],
                            username=editor["name"], role="editor")
        helpers.call_action("organization_member_create", id=agency.org["id"],
                            username=admin["name"], role="admin")
        url = tk.url_for("api.action", ver=3, logic_function="govshare_application_decide")
        bodies = [
            (editor, {"id": application["id"], "decision": "approve",
                      "terms": approval_terms()}),
            (admin, {"id": application["id"], "decision": "reject",
                     "reason": "材料不全"}),
        ]
        flask_app = app.flask_app
        barrier = threading.Barrier(2)
        results = []

        def decide(user, body):
            client = flask_app.test_client()
            barrier.wait()
            res = client.post(url, json=body, headers={"Authorization": user["token"]})
            results.append((res.status_code, res.get_json()))

        threads = [threading.Thread(target=decide, args=b) for b in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        statuses = sorted(code for code, _ in results)
        assert statuses == [200, 409], results
        loser = next(body for code, body in results if code == 409)
        # the current state is named (in the portal's language)
        assert re.search(r"\b(approved|rejected)\b", loser["error"]["state"][0])
        model.Session.remove()
        shown = helpers.call_action("govshare_application_show", id=application["id"])
        assert shown["state"] in ("approved", "rejected")
        decisions = [e for e in shown["events"] if e["move"] in ("approve", "reject")]
        assert len(decisions) == 1
        assert (shown["grant"] is not None) == (shown["state"] == "approved")


class TestSupplementAndExtension:
    def test_supplement_stops_and_restarts_the_clock(self, agency, freezer):
        freezer.move_to("2026-11-02 02:00:00")  # Monday 10:00 in China
        app = apply(agency)
        assert app["due_date"] == "2026-11-23"
        freezer.move_to("2026-11-04 02:00:00")
        asked = helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                    id=app["id"], decision="request_supplement",
                                    reason="请补充单位授权书")
        assert asked["state"] == "needs_supplement"
        assert asked["due_date"] is None and asked["overdue"] is False
        freezer.move_to("2026-11-16 03:00:00")  # the next Monday but one
        again = helpers.call_action("govshare_application_supplement",
                                    context=ctx(agency.applicant), id=app["id"],
                                    purpose="补充后的用途：公交线网优化", note="已补充授权书")
        assert again["state"] == "submitted"
        assert again["submitted_at"].startswith("2026-11-16")
        assert again["due_date"] == "2026-12-07"  # 15 working days after 16 November
        assert again["purpose"] == "补充后的用途：公交线网优化"
        assert [e["move"] for e in again["events"]] == [
            "submit", "request_supplement", "supplement"]

    def test_supplement_is_validated(self, agency):
        app = apply(agency)
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=app["id"], decision="request_supplement", reason="缺材料")
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_supplement",
                                context=ctx(agency.applicant), id=app["id"],
                                contact_phone="000")
        assert "contact_phone" in err.value.error_dict
        shown = helpers.call_action("govshare_application_show",
                                    context=ctx(agency.applicant), id=app["id"])
        assert shown["state"] == "needs_supplement"
        assert shown["contact_phone"] == "13812345678"

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)
    def test_extension_once_with_a_reason(self, agency, freezer):
        freezer.move_to("2026-11-02 02:00:00")
        app = apply(agency)
        for bad, field in (({"days": 16, "reason": "x"}, "days"),
                           ({"days": 0, "reason": "x"}, "days"),
                           ({"days": 5}, "reason")):
            with pytest.raises(tk.ValidationError) as err:
                helpers.call_action("govshare_application_extend", context=ctx(agency.editor),
                                    id=app["id"], **bad)
            assert field in err.value.error_dict
        extended = helpers.call_action("govshare_application_extend",
                                       context=ctx(agency.editor), id=app["id"], days=15,
                                       reason="需征求数据所涉第三方意见")
        assert extended["due_date"] == "2026-12-14"  # 2026-11-23 + 15 working days
        assert extended["extension_days"] == 15
        assert extended["events"][-1]["details"]["due_date_was"] == "2026-11-23"
        assert "extend" not in extended["moves"]
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_application_extend", context=ctx(agency.editor),
                                id=app["id"], days=1, reason="再延一次")
        assert "already extended" in err.value.error_dict["days"][0]


class TestGrantsClose:
    def _approved(self, agency, **terms):
        app = apply(agency)
        return approve_and_accept(app["id"], agency.editor, agency.applicant, **terms)

    def test_revocation_closes_the_data_at_once(self, agency, app):
        token = factories.APIToken(user=agency.applicant["name"])["token"]
        approved = self._approved(agency)
        url = tk.url_for("api.action", ver=3, logic_function="resource_show")
        res = app.get(url, query_string={"id": agency.resources[0]["id"]},
                      headers={"Authorization": token})
        assert res.json["result"]["url"] == "http://example.com/a.csv"
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin),
                                id=approved["grant"]["id"])
        assert "reason" in err.value.error_dict
        with pytest.raises(tk.NotAuthorized):  # editors decide, only admins revoke
            helpers.call_action("govshare_grant_revoke", context=ctx(agency.editor),
                                id=approved["grant"]["id"], reason="违约")
        revoked = helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin),
                                      id=approved["grant"]["id"], reason="违反使用约定")
        assert revoked["state"] == "revoked" and not revoked["valid"]
        res = app.get(url, query_string={"id": agency.resources[0]["id"]},
                      headers={"Authorization": token})
        assert res.json["result"]["url"] != "http://example.com/a.csv"
        assert res.json["result"]["url_type"] == policy.RESTRICTED_URL_TYPE
        shown = helpers.call_action("govshare_application_show", id=approved["id"])
        assert shown["state"] == "revoked"
        assert shown["events"][-1]["reason"] == "违反使用约定"

    def test_the_term_end_closes_the_data_before_any_tick(self, agency, freezer):
        freezer.move_to("2026-11-02 02:00:00")
        self._approved(agency, valid_until="2026-11-30")
        freezer.move_to("2026-11-30 15:59:00")  # 23:59 on the last day, China time
        assert policy.has_access(agency.applicant["name"], agency.resources[0])
        freezer.move_to("2026-11-30 16:00:01")  # 1 December 00:00:01 in China
        assert not policy.has_access(agency.applicant["name"], agency.resources[0])


class TestAuditTrail:
    def test_events_cannot_be_changed_or_deleted(self, agency):
        apply(agency)
        for statement in ("UPDATE govshare_application_event SET reason = 'x'",
                          "DELETE FROM govshare_application_event"):
            with pytest.raises(sa.exc.DBAPIError) as err:
                with model.meta.engine.begin() as conn:
                    conn.execute(sa.text(statement))
            # the portal's role may only insert and read (tests/audit)
            assert err.value.orig.pgcode == "42501"  # insufficient_privilege
        assert model.Session.execute(sa.text(
            "SELECT count(*) FROM govshare_application_event")).scalar() == 1


class TestPrivacy:
    PERSONAL = ("contact_email", "contact_phone", "credit_code")

    def test_who_sees_an_application(self, agency):
        app = apply(agency)
        for who in ("applicant", "editor", "admin", "sysadmin"):
            shown = helpers.call_action("govshare_application_show",
                                        context=ctx(getattr(agency, who)), id=app["id"])
            assert shown["contact_phone"] == "13812345678", who
            assert shown["credit_code"] == app["credit_code"], who
        for who in ("stranger", "member"):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_application_show",
                                    context=ctx(getattr(agency, who)), id=app["id"])

    def test_lists_are_scoped(self, agency):
        app = apply(agency)
        mine = helpers.call_action("govshare_application_list", context=ctx(agency.applicant))
        assert [a["id"] for a in mine["results"]] == [app["id"]]
        assert helpers.call_action("govshare_application_list",
                                   context=ctx(agency.stranger))["count"] == 0
        inbox = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                    organization=agency.org["name"])
        assert inbox["results"][0]["contact_phone"] == "13812345678"
        for who in ("stranger", "member", "applicant"):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action("govshare_application_list",
                                    context=ctx(getattr(agency, who)),
                                    organization=agency.org["name"])

    def test_nothing_personal_on_public_surfaces(self, agency, app):
        applied = apply(agency)
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=applied["id"], decision="approve", terms=approval_terms())
        pages = [
            tk.url_for("dataset.read", id=agency.dataset["name"]),
            tk.url_for("api.action", ver=3, logic_function="package_show",
                       id=agency.dataset["id"]),
            tk.url_for("api.action", ver=3, logic_function="package_search"),
            tk.url_for("dataset.activity", id=agency.dataset["name"]),
            tk.url_for("organization.read", id=agency.org["name"]),
        ]
        for url in pages:
            for user in (None, agency.stranger, agency.member):
                env = {"REMOTE_USER": user["name"]} if user else {}
                body = app.get(url, extra_environ=env).body
                for value in ("13812345678", applied["credit_code"],
                              "applicant@research.example"):
                    assert value not in body, (url, value)


class TestLists:
    def test_filters(self, agency, freezer):
        freezer.move_to("2026-10-12 02:00:00")
        late = apply(agency)  # due 2026-11-02
        other = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional")
        freezer.move_to("2026-11-20 02:00:00")
        fresh = helpers.call_action("govshare_application_create",
                                    context=ctx(agency.applicant),
                                    **application_data(other["id"]))
        inbox = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                    organization=agency.org["id"])
        assert [a["id"] for a in inbox["results"]] == [late["id"], fresh["id"]]
        overdue = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                      organization=agency.org["id"], overdue=True)
        assert [a["id"] for a in overdue["results"]] == [late["id"]]
        assert overdue["results"][0]["overdue"] is True
        assert overdue["results"][0]["working_days_left"] < 0
        by_state = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                       organization=agency.org["id"], state="approved")
        assert by_state["count"] == 0
        with pytest.raises(tk.ValidationError):
            helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                state="pending")


class TestNobodyDecidesTheirOwnCase:
    """An applicant who is, or later becomes, an editor, an admin or a
    sysadmin never decides, extends or revokes their own application: 403
    with a clear message, and the attempt is in the trail."""

    @staticmethod
    def _becomes(agency, role: str) -> None:
        if role == "sysadmin":
            user = model.User.get(agency.applicant["name"])
            user.sysadmin = True
            model.repo.commit()
        else:
            helpers.call_action("organization_member_create", id=agency.org["id"],
                                username=agency.applicant["name"], role=role)

    @staticmethod
    def _refused_attempts(app_id: str) -> list[dict]:
        events = helpers.call_action("govshare_application_show", id=app_id)["events"]
        return [e for e in events if e["move"] == "own_case_refused"]

    @pytest.mark.parametrize("role", ["editor", "admin", "sysadmin"])
    @pytest.mark.parametrize("decision,extra", [
        ("approve", {"terms": approval_terms()}), ("reject", {"reason": "不符合条件"}),
        ("request_supplement", {"reason": "补充材料"})])
    def test_deciding(self, agency, role, decision, extra):
        app = apply(agency)
        self._becomes(agency, role)
        with pytest.raises(tk.NotAuthorized, match="your own application"):
            helpers.call_action("govshare_application_decide", context=ctx(agency.applicant),
                                id=app["id"], decision=decision, **extra)
        after = helpers.call_action("govshare_application_show", context=ctx(agency.applicant),
                                    id=app["id"])
        assert after["state"] == "submitted"
        assert after["moves"] == ["withdraw"]  # the pages offer nothing else
        [attempt] = self._refused_attempts(app["id"])
        assert attempt["actor"] == agency.applicant["name"]
        assert attempt["details"] == {"move": decision}
        assert attempt["from_state"] == attempt["to_state"] == "submitted"
        # another reviewer of the organization still answers it
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=app["id"], decision=decision, **extra)

    @pytest.mark.parametrize("role", ["editor", "sysadmin"])
    def test_extending(self, agency, role):
        app = apply(agency)
        self._becomes(agency, role)
        with pytest.raises(tk.NotAuthorized, match="your own application"):
            helpers.call_action("govshare_application_extend", context=ctx(agency.applicant),
                                id=app["id"], days=5, reason="需要征求意见")
        assert helpers.call_action("govshare_application_show",
                                   id=app["id"])["extension_days"] == 0
        assert len(self._refused_attempts(app["id"])) == 1

    @pytest.mark.parametrize("role", ["admin", "sysadmin"])
    def test_revoking_their_own_grant(self, agency, role):
        app = apply(agency)
        approved = helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                       id=app["id"], decision="approve", terms=approval_terms())
        self._becomes(agency, role)
        with pytest.raises(tk.NotAuthorized, match="your own application"):
            helpers.call_action("govshare_grant_revoke", context=ctx(agency.applicant),
                                id=approved["grant"]["id"], reason="自行撤销")
        assert helpers.call_action("govshare_application_show",
                                   id=app["id"])["state"] == "approved"
        assert len(self._refused_attempts(app["id"])) == 1

    def test_the_api_answers_403(self, app, agency):
        application = apply(agency)
        self._becomes(agency, "editor")
        token = factories.APIToken(user=agency.applicant["name"])["token"]
        url = tk.url_for("api.action", ver=3, logic_function="govshare_application_decide")
        res = app.post(url, json={"id": application["id"], "decision": "reject",
                                  "reason": "x"},
                       headers={"Authorization": token}, status=403)
        with app.flask_app.test_request_context("/"):  # the portal's language
            expected = tk._("This is your own application: nobody decides, extends or revokes "
                            "their own case. Another reviewer of the organization answers it.")
        assert expected in res.json["error"]["message"]
