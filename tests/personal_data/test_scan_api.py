"""The scan as a job when an upload is created or replaced, who sees its
report (API and resource page), the confirm rule, and the question the
publication review asks (``review.may_be_opened``)."""
from __future__ import annotations

import types

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.govshare.personal_data import review

from tests import factories

ID_NUMBER = "11010519491231002X"
CSV_WITH_PERSONAL_DATA = f"编号,证件号码,电话\n1,{ID_NUMBER},13812345678\n2,,无\n"
CSV_CLEAN = "编号,站点\n1,人民路\n2,解放路\n"


def run_jobs() -> None:
    from ckan.lib import jobs
    jobs.Worker(["govshare"]).work(burst=True)
    model.Session.remove()


def as_user(user: dict | None) -> dict:
    return {"user": user["name"] if user else "", "ignore_auth": False}


@pytest.fixture()
def agency():
    users = {role: ckan_factories.User() for role in
             ("admin", "other_admin", "editor", "member", "outsider")}
    org = factories.Organization(users=[
        {"name": users["admin"]["name"], "capacity": "admin"},
        {"name": users["other_admin"]["name"], "capacity": "admin"},
        {"name": users["editor"]["name"], "capacity": "editor"},
        {"name": users["member"]["name"], "capacity": "member"}])
    dataset = factories.Dataset(owner_org=org["id"], open_tier="conditional",
                                contains_personal_data=True, resources=[])
    return types.SimpleNamespace(org=org, dataset=dataset, sysadmin=ckan_factories.Sysadmin(),
                                 **users)


def upload(create_with_upload, agency, content: str, by: str = "editor", **kwargs):
    return create_with_upload(content, "data.csv", package_id=agency.dataset["id"],
                              name="data", format="CSV",
                              context={"user": getattr(agency, by)["name"]}, **kwargs)


def show(agency, role: str, **data):
    data = data or {"id": agency.dataset["id"]}
    return helpers.call_action("govshare_pii_scan_show",
                               context=as_user(getattr(agency, role)), **data)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestScanJob:
    def test_an_upload_is_scanned_in_the_background(self, create_with_upload, agency):
        resource = upload(create_with_upload, agency, CSV_WITH_PERSONAL_DATA)
        before = show(agency, "editor")
        assert before["resources"][0]["report"] is None
        assert before["resources"][0]["blocks_opening"] == review.NOT_SCANNED
        assert not before["may_be_opened"]
        run_jobs()
        shown = show(agency, "editor")
        report = shown["resources"][0]["report"]
        assert report["state"] == "complete" and report["hits"] == 2
        assert report["columns"] == {
            "证件号码": {"id_number": {"count": 1, "samples": ["110***********002X"]}},
            "电话": {"mobile": {"count": 1, "samples": ["138****5678"]}}}
        assert ID_NUMBER not in str(shown) and "13812345678" not in str(shown)
        assert shown["resources"][0]["blocks_opening"] == review.UNCONFIRMED_HITS
        assert not review.may_be_opened(agency.dataset["id"])
        assert show(agency, "editor", resource_id=resource["id"])["resources"][0][
            "resource_id"] == resource["id"]

    def test_a_clean_file_lets_the_entry_be_opened(self, create_with_upload, agency):
        upload(create_with_upload, agency, CSV_CLEAN)
        run_jobs()
        shown = show(agency, "member")
        assert shown["resources"][0]["report"]["hits"] == 0
        assert shown["may_be_opened"] and review.may_be_opened(agency.dataset["id"])

    def test_a_replaced_upload_is_scanned_again(self, create_with_upload, agency):
        resource = upload(create_with_upload, agency, CSV_CLEAN)
        run_jobs()
        create_with_upload(CSV_WITH_PERSONAL_DATA, "data.csv", action="resource_update",
                           id=resource["id"], package_id=agency.dataset["id"], format="CSV",
                           context={"user": agency.editor["name"]})
        run_jobs()
        assert show(agency, "admin")["resources"][0]["report"]["hits"] == 2

    def test_links_and_other_formats_are_not_scanned(self, agency):
        helpers.call_action("resource_create", context={"user": agency.editor["name"]},
                            package_id=agency.dataset["id"], url="http://example.com/a.csv",
                            format="CSV")
        run_jobs()
        shown = show(agency, "editor")
        assert shown["resources"][0]["report"] is None
        assert shown["resources"][0]["blocks_opening"] is None and shown["may_be_opened"]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "with_test_worker")
class TestWhoSeesAndConfirms:
    @pytest.fixture()
    def scanned(self, create_with_upload, agency):
        resource = upload(create_with_upload, agency, CSV_WITH_PERSONAL_DATA, by="admin")
        run_jobs()
        return types.SimpleNamespace(agency=agency, resource=resource)

    @pytest.mark.parametrize("role, sees", [
        ("admin", True), ("editor", True), ("member", True), ("sysadmin", True),
        ("outsider", False), (None, False)])
    def test_the_report_is_for_the_organization(self, scanned, role, sees):
        user = getattr(scanned.agency, role) if role else None
        call = lambda: helpers.call_action(  # noqa: E731
            "govshare_pii_scan_show", context=as_user(user), id=scanned.agency.dataset["id"])
        if sees:
            assert call()["resources"][0]["report"]["hits"] == 2
        else:
            with pytest.raises(tk.NotAuthorized):
                call()

    def test_core_task_status_does_not_show_it(self, scanned):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("task_status_show", context=as_user(None),
                                entity_id=scanned.resource["id"],
                                task_type="govshare_pii_scan", key="report")

    @pytest.mark.parametrize("role", ["admin", "editor", "member", "outsider", None])
    def test_who_may_not_confirm(self, scanned, role):
        """The uploader (an admin here), editors, members, outsiders."""
        user = getattr(scanned.agency, role) if role else None
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_pii_scan_confirm", context=as_user(user),
                                resource_id=scanned.resource["id"], reason="测试编号")

    def test_another_admin_confirms_and_it_is_recorded(self, app, scanned):
        agency = scanned.agency
        with pytest.raises(tk.ValidationError) as error:
            helpers.call_action("govshare_pii_scan_confirm", context=as_user(agency.other_admin),
                                resource_id=scanned.resource["id"], reason="  ")
        assert "reason" in error.value.error_dict
        confirmation = helpers.call_action(
            "govshare_pii_scan_confirm", context=as_user(agency.other_admin),
            resource_id=scanned.resource["id"], reason="证件号码列为虚构的测试样例")
        assert confirmation["by"] == agency.other_admin["id"] and confirmation["at"]
        shown = show(agency, "editor")
        assert shown["resources"][0]["confirmation"]["reason"] == "证件号码列为虚构的测试样例"
        assert shown["may_be_opened"] and review.may_be_opened(agency.dataset["id"])

    def test_a_confirmation_holds_for_its_file_only(self, create_with_upload, scanned):
        agency = scanned.agency
        helpers.call_action("govshare_pii_scan_confirm", context=as_user(agency.other_admin),
                            resource_id=scanned.resource["id"], reason="测试数据")
        create_with_upload(CSV_WITH_PERSONAL_DATA + "3,,13900001111\n", "data.csv",
                           action="resource_update", id=scanned.resource["id"],
                           package_id=agency.dataset["id"], format="CSV",
                           context={"user": agency.editor["name"]})
        run_jobs()
        shown = show(agency, "admin")
        assert shown["resources"][0]["confirmation"] is None
        assert not shown["may_be_opened"]

    def test_the_resource_page_shows_it_to_members_only(self, app, scanned):
        agency = scanned.agency
        page = url_for("resource.read", id=agency.dataset["name"],
                       resource_id=scanned.resource["id"])

        def body(user):
            headers = {}
            if user:
                headers["Authorization"] = ckan_factories.APIToken(user=user["name"])["token"]
            return app.get(page, headers=headers).get_data(as_text=True)

        member_page = body(agency.member)
        assert 'id="govshare-pii-scan"' in member_page
        assert "110***********002X" in member_page and ID_NUMBER not in member_page
        assert "证件号码" in member_page and "居民身份证号码" in member_page
        for user in (agency.outsider, None):
            text = body(user)
            assert 'id="govshare-pii-scan"' not in text and "110***" not in text
