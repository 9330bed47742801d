"""Sharing between agencies (issue 15 §2; Qingyang 2021 arts. 16-17): the
staff of one organization request data another shares on conditions
(``kind`` ``sharing`` of the one application workflow), and have data shared
unconditionally (共享类型 无条件共享) without a request, whatever its
openness tier allows the public."""
from __future__ import annotations

import datetime as dt

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import workdays
from ckanext.govshare.applications import deadline
from ckanext.govshare.products import sources as product_sources
from ckanext.govshare.tiers import policy
from tests import factories
from tests.applications.conftest import application_data, approval_terms
from tests.applications.test_pages import auth
from tests.tiers.conftest import upload_resource

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

FILE = b"id,name\n1,shared-file-5e8a\n"
CREATE = "/api/3/action/govshare_application_create"


def ctx(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def sharing_request(user: dict, package_id: str, **overrides) -> dict:
    data = application_data(package_id, kind="sharing", **overrides)
    for field in ("applicant_type", "applicant_name", "credit_code"):
        data.pop(field)  # the requesting organization is the applicant
    return data


def restricted(resource: dict) -> bool:
    return resource["url_type"] == policy.RESTRICTED_URL_TYPE


@pytest.fixture
def requester(agency):
    """An editor of another organization (a bureau that needs the data)."""
    user = factories.User(email="analyst@bureau.example")
    org = factories.Organization(title="市统计局", users=[
        {"name": user["name"], "capacity": "editor"}])
    return user, org


def test_a_request_of_another_agency_is_answered_in_the_profile_s_period_and_opens_the_data(
        agency, requester):
    user, org = requester
    resource = upload_resource(agency.dataset["id"], FILE, "shared.csv", agency.admin["name"])
    shown = helpers.call_action("resource_show", context=ctx(user), id=resource["id"])
    assert restricted(shown)  # shared on conditions: not before the request

    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **sharing_request(user, agency.dataset["id"]))
    assert created["kind"] == "sharing"
    assert created["requesting_org"] == org["id"]
    assert created["requesting_organization_title"] == "市统计局"
    # the requesting organization is the applicant, with its credit code
    assert (created["applicant_type"], created["applicant_name"]) == ("organization", "市统计局")
    assert created["credit_code"] == org["unified_social_credit_code"]
    # the sharing period of the profile (qingyang-2021 art. 16: 7 working days)
    assert deadline.answer_working_days("sharing") == 7
    submitted = workdays.local_date(dt.datetime.fromisoformat(created["submitted_at"]))
    assert created["due_date"] == workdays.add_workdays(submitted, 7).date.isoformat()
    assert created["events"][0]["details"]["answer_working_days"] == 7

    # the provider's inbox, filtered by kind
    inbox = helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                                organization=agency.org["id"], kind="sharing")
    assert [a["id"] for a in inbox["results"]] == [created["id"]]
    assert helpers.call_action("govshare_application_list", context=ctx(agency.editor),
                               organization=agency.org["id"], kind="open")["count"] == 0

    # approval: the requester has the data at once (no acceptance in the
    # sharing procedure of the profile), a stranger still does not
    decided = helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                  id=created["id"], decision="approve", terms=approval_terms())
    assert decided["grant"]["state"] == "active"
    granted = helpers.call_action("govshare_grant_list", context=ctx(agency.editor),
                                  organization=agency.org["id"], kind="sharing")
    assert [g["application_id"] for g in granted["results"]] == [created["id"]]
    assert helpers.call_action("govshare_grant_list", context=ctx(agency.editor),
                               organization=agency.org["id"], kind="open")["count"] == 0
    assert not restricted(helpers.call_action("resource_show", context=ctx(user),
                                              id=resource["id"]))
    assert restricted(helpers.call_action("resource_show", context=ctx(agency.stranger),
                                          id=resource["id"]))


def test_the_report_and_the_lists_filter_by_kind(agency, requester):
    user, _org = requester
    helpers.call_action("govshare_application_create", context=ctx(user),
                        **sharing_request(user, agency.dataset["id"]))
    helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                        **application_data(agency.dataset["id"]))
    sysadmin = {"name": agency.sysadmin["name"]}

    def received(**filters):
        return helpers.call_action("govshare_application_report", context=ctx(sysadmin),
                                   **filters)["total"]["received"]

    assert (received(), received(kind="sharing"), received(kind="open")) == (2, 1, 1)
    mine = helpers.call_action("govshare_application_list", context=ctx(user), kind="sharing")
    assert [a["kind"] for a in mine["results"]] == ["sharing"]
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("govshare_application_list", context=ctx(user), kind="public")
    assert "kind" in error.value.error_dict


@pytest.mark.parametrize("share_type, named", [
    ("unconditional", "无条件共享"), ("not_shared", "不予共享")])
def test_data_not_shared_on_conditions_is_refused_with_409_naming_the_sharing_type(
        app, agency, requester, share_type, named):
    user, _org = requester
    dataset = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional",
                                share_type=share_type)
    response = app.post(CREATE, json=sharing_request(user, dataset["id"]),
                        headers=auth(user), status=409)
    errors = response.json["error"]
    assert named in " ".join(errors["package_id"])
    assert helpers.call_action("govshare_application_list", context=ctx(user))["count"] == 0


def test_who_may_request_and_for_which_organization(app, agency, requester):
    user, _org = requester
    data = sharing_request(user, agency.dataset["id"])

    def refused(person: dict, **overrides) -> dict:
        return app.post(CREATE, json={**data, **overrides}, headers=auth(person),
                        status=409).json["error"]

    # no organization: the public applies (kind open), it does not request
    assert "organization" in refused(agency.applicant)
    # for an organization one does not work for, or for the provider itself
    assert "organization" in refused(user, organization=factories.Organization()["name"])
    assert "organization" in refused(user, organization=agency.org["name"])
    # the provider's own staff have the data already
    assert "package_id" in refused(agency.member)
    # an unknown kind
    assert "kind" in refused(user, kind="verify")
    assert helpers.call_action("govshare_application_list",
                               context=ctx({"name": agency.sysadmin["name"]}))["count"] == 0


def test_data_shared_unconditionally_is_had_by_agency_staff_without_a_request(
        app, agency, requester):
    user, org = requester
    dataset = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional",
                                share_type="unconditional")
    resource = upload_resource(dataset["id"], FILE, "shared.csv", agency.admin["name"])
    # agency staff (another organization's editor): the link and the bytes
    shown = helpers.call_action("resource_show", context=ctx(user), id=resource["id"])
    assert not restricted(shown)
    download = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/shared.csv"
    assert app.get(download, headers=auth(user), status=200).data == FILE
    # the public: the application page, no bytes
    assert restricted(helpers.call_action("resource_show", context=ctx(agency.stranger),
                                          id=resource["id"]))
    app.get(download, headers=auth(agency.stranger), status=403)
    # a data product of the agency may cite it; one of the public may not yet
    today = workdays.local_today()
    assert product_sources.check(policy.Caller.for_user(user["name"]), dataset["id"],
                                 today.isoformat()).package.id == dataset["id"]
    with pytest.raises(product_sources.SourceError):
        product_sources.check(policy.Caller.for_user(agency.stranger["name"]), dataset["id"],
                              today.isoformat())
    # staff no longer: the membership ended, the data closes
    helpers.call_action("organization_member_delete", context=ctx(agency.sysadmin),
                        id=org["id"], username=user["name"])
    assert restricted(helpers.call_action("resource_show", context=ctx(user),
                                          id=resource["id"]))


def test_closed_data_shared_unconditionally_is_seen_and_had_by_agency_staff_only(
        app, agency, requester):
    user, _org = requester
    dataset = factories.Dataset(owner_org=agency.org["id"], open_tier="closed",
                                share_type="unconditional", title="不予开放但无条件共享")
    resource = upload_resource(dataset["id"], FILE, "shared.csv", agency.admin["name"])
    download = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/shared.csv"

    def found(person: dict) -> bool:
        return dataset["id"] in [d["id"] for d in helpers.call_action(
            "package_search", context=ctx(person), rows=1000,
            include_private=True)["results"]]

    # agency staff: the entry in search and on its page, and the file
    assert found(user)
    assert not restricted(helpers.call_action("package_show", context=ctx(user),
                                              id=dataset["id"])["resources"][0])
    assert app.get(download, headers=auth(user), status=200).data == FILE
    # the public: nothing, as for any closed entry
    assert not found(agency.stranger)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("package_show", context=ctx(agency.stranger), id=dataset["id"])
    assert app.get(download, headers=auth(agency.stranger)).status_code in (403, 404)
    # not shared any more: the other agencies no longer see it
    helpers.call_action("package_patch", context=ctx(agency.admin), id=dataset["id"],
                        share_type="not_shared", share_type_reason="涉及内部管理",
                        share_type_basis="《共享规定》第三条")
    assert not found(user)


def test_closed_data_shared_on_conditions_is_requested_by_agency_staff_and_then_had(
        app, agency, requester):
    """A closed entry shared on conditions (不予开放, 有条件共享): agency staff
    see it, its resources lead to the sharing request until one is
    approved; the public sees nothing; a grant from the public's
    application does not open it."""
    user, org = requester
    # a third agency's editor who had applied as a member of the public
    # while the entry was conditionally open
    earlier = factories.User(email="earlier@third.example")
    factories.Organization(users=[{"name": earlier["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=agency.org["id"], open_tier="conditional",
                                title="不予开放但有条件共享")
    resource = upload_resource(dataset["id"], FILE, "shared.csv", agency.admin["name"])
    applied = helpers.call_action("govshare_application_create", context=ctx(earlier),
                                  **application_data(dataset["id"]))
    helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                        id=applied["id"], decision="approve", terms=approval_terms())
    helpers.call_action("package_patch", context=ctx(agency.admin), id=dataset["id"],
                        open_tier="closed", open_tier_reason="涉及内部管理",
                        open_tier_basis="《开放规定》第十条")
    download = f"/dataset/{dataset['id']}/resource/{resource['id']}/download/shared.csv"
    request_page = tk.h.url_for("govshare_applications.agency_request", id=dataset["name"],
                                kind="sharing")

    def found(person: dict) -> bool:
        return dataset["id"] in [d["id"] for d in helpers.call_action(
            "package_search", context=ctx(person), q="不予开放但有条件共享",
            include_private=True)["results"]]

    # the public: nothing, as for any closed entry
    assert not found(agency.stranger)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("package_show", context=ctx(agency.stranger), id=dataset["id"])
    # agency staff: the entry, its resources pointing at the sharing request
    for person in (user, earlier):
        assert found(person)
        shown = helpers.call_action("resource_show", context=ctx(person), id=resource["id"])
        assert restricted(shown) and shown["url"].endswith(
            f"/dataset/{dataset['name']}/agency-request?kind=sharing")
        assert app.get(download, headers=auth(person)).status_code == 403
    refused = app.get(download, headers={**auth(user), "Accept": "application/json"},
                      status=403).json["error"]
    assert "共享申请" in refused["message"] or "sharing request" in refused["message"]
    assert refused["apply_url"].endswith("agency-request?kind=sharing")
    page = app.get(tk.h.url_for("dataset.read", id=dataset["name"]), headers=auth(user),
                   status=200).get_data(as_text=True)
    assert 'href="' + tk.h.url_for("govshare_applications.agency_request",
                                   id=dataset["name"], kind="sharing", _external=True) in page
    # the request page stands in for the data: 403 to who does not have it
    assert app.get(request_page, headers=auth(user)).status_code == 403
    # nobody applies for it as the public does (closed), the staff request it
    assert "package_id" in app.post(CREATE, json=application_data(dataset["id"]),
                                    headers=auth(earlier), status=409).json["error"]
    created = helpers.call_action("govshare_application_create", context=ctx(user),
                                  **sharing_request(user, dataset["id"]))
    helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                        id=created["id"], decision="approve", terms=approval_terms())
    assert not restricted(helpers.call_action("resource_show", context=ctx(user),
                                              id=resource["id"]))
    assert app.get(download, headers=auth(user), status=200).data == FILE
    assert app.get(request_page, headers=auth(user)).status_code == 200
    # the earlier grant of the public's application still opens nothing
    assert restricted(helpers.call_action("resource_show", context=ctx(earlier),
                                          id=resource["id"]))
    assert app.get(download, headers=auth(earlier)).status_code == 403
    assert not policy.has_access(earlier["name"], resource)
    # and the public still sees nothing
    assert not found(agency.stranger)


def test_agency_staff_make_the_request_on_the_dataset_s_page(app, agency, requester):
    """The dataset page offers another agency's staff a sharing request (not
    the public, not the provider's own staff); its form sends it."""
    user, org = requester
    read = tk.h.url_for("dataset.read", id=agency.dataset["name"])
    page = app.get(read, headers=auth(user)).get_data(as_text=True)
    assert 'id="govshare-agency-requests"' in page and 'data-kind="sharing"' in page
    assert 'data-kind="verification"' not in page  # they do not have the data
    for other in (agency.stranger, agency.editor):
        assert 'id="govshare-agency-requests"' not in app.get(
            read, headers=auth(other)).get_data(as_text=True)

    form = tk.h.url_for("govshare_applications.agency_request", id=agency.dataset["name"],
                        kind="sharing")
    assert 'id="govshare-agency-request-form"' in app.get(form, headers=auth(user)).get_data(
        as_text=True)
    fields = {"organization": org["name"], "purpose": "人口统计年报编制",
              "use_scenario": "统计局内部汇总", "requested_term_months": "6",
              "contact_email": "analyst@bureau.example", "contact_phone": "0571-88888888",
              "accept_terms": "true"}
    # the security commitment not ticked: the form again, the error at the box
    refused = app.post(form, data=fields, headers=auth(user))
    assert refused.status_code == 400
    assert "accept_security_commitment" in refused.get_data(as_text=True)
    sent = app.post(form, data={**fields, "accept_security_commitment": "true"},
                    headers=auth(user), follow_redirects=False)
    assert sent.status_code == 302
    mine = helpers.call_action("govshare_application_list", context=ctx(user), kind="sharing")
    assert [(a["kind"], a["requested_term_months"]) for a in mine["results"]] == [("sharing", 6)]


def test_the_inbox_filters_by_procedure(app, agency, requester):
    user, _org = requester
    helpers.call_action("govshare_application_create", context=ctx(user),
                        **sharing_request(user, agency.dataset["id"]))
    helpers.call_action("govshare_application_create", context=ctx(agency.applicant),
                        **application_data(agency.dataset["id"]))
    inbox = tk.h.url_for("govshare_applications.inbox", id=agency.org["name"])

    def rows(**args) -> int:
        body = app.get(inbox, query_string=args, headers=auth(agency.editor)).get_data(
            as_text=True)
        return body.count('data-state="submitted"')

    # one application of each procedure: each filter shows half of the list
    assert rows(kind="sharing") == rows(kind="open") > 0
    assert rows() == 2 * rows(kind="sharing")
