"""What the metadata declares is enforced (issue 12, section 2): the sharing
type's reason and basis, desensitised personal data in anything opened, the
tiers a data grade allows, and a machine-readable resource in an active
unconditionally open entry. Through the API and the forms; a refusal is a
409 with the rule's field error, and nothing is saved."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare.catalog.logic import validators

from tests.catalog.conftest import full_dataset, package_count, translated
from tests.catalog.test_dataset_form import field_error, post_form

SHARE_REASON = ("Missing value: required for a dataset that is shared on conditions "
                "or not shared")


def refused(api, agency, data, action="package_create"):
    before = package_count()
    error = api(action, data, agency["token"], status=409).json["error"]
    assert package_count() == before
    assert error["__type"] == "Validation Error"
    return error


def resource_count(dataset_id: str) -> int:
    return len(helpers.call_action("package_show", id=dataset_id)["resources"])


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestSharingType:
    @pytest.mark.parametrize("share_type", ["conditional", "not_shared"])
    @pytest.mark.parametrize("field", ["share_type_reason", "share_type_basis"])
    def test_reason_and_basis_unless_unconditional(self, app, api, agency, share_type, field):
        data = full_dataset(agency["org"]["id"], share_type=share_type, **{field: "  "})
        error = refused(api, agency, data)
        assert error == {field: [translated(app, SHARE_REASON)], "__type": "Validation Error"}

    def test_unconditional_sharing_needs_neither(self, api, agency):
        data = full_dataset(agency["org"]["id"], share_type="unconditional",
                            share_type_reason=None, share_type_basis=None)
        created = api("package_create", data, agency["token"]).json["result"]
        assert "share_type_reason" not in created

    def test_stored_and_shown(self, api, agency):
        created = api("package_create", full_dataset(agency["org"]["id"]),
                      agency["token"]).json["result"]
        assert created["share_type_reason"] == "仅向履行交通运输管理职责的部门共享"
        assert created["share_type_basis"] == "《政务数据共享管理规定》第八条"


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestGradeLimitsTier:
    @pytest.mark.parametrize("grade, tier", [
        ("L2", "unconditional"), ("L3", "unconditional"),
        ("L4", "unconditional"), ("L4", "conditional")])
    def test_refused(self, app, api, agency, grade, tier):
        data = full_dataset(agency["org"]["id"], data_grade=grade, open_tier=tier)
        error = refused(api, agency, data)
        assert set(error) == {"data_grade", "__type"}
        # the message names the allowed tiers and the basis of the presets
        message = error["data_grade"][0]
        assert "《中华人民共和国数据安全法》第二十一条" in message
        assert ("不予开放" in message) and ("无条件开放" not in message)

    @pytest.mark.parametrize("grade, tier", [
        ("L1", "unconditional"), ("L1", "closed"), ("L2", "conditional"),
        ("L3", "closed"), ("L4", "closed")])
    def test_allowed(self, api, agency, grade, tier):
        data = full_dataset(agency["org"]["id"], data_grade=grade, open_tier=tier)
        assert api("package_create", data, agency["token"]).json["result"]["data_grade"] == grade

    def test_one_definition(self):
        """The validator reads the presets' table, which says what the issue asks."""
        with helpers._get_test_app().flask_app.test_request_context():
            assert validators.tiers_allowed_by_grade("L4") == ("closed",)
            assert "unconditional" not in validators.tiers_allowed_by_grade("L3")
            assert validators.tiers_allowed_by_grade("L1") == validators.OPEN_TIERS

    def test_form(self, app, agency):
        before = package_count()
        body = post_form(app, agency, data_grade="L4").get_data(as_text=True)
        assert "《中华人民共和国数据安全法》第二十一条" in field_error(body, "data_grade")
        assert package_count() == before


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestMachineReadable:
    def unconditional(self, agency, **overrides):
        return full_dataset(agency["org"]["id"], open_tier="unconditional", data_grade="L1",
                            contains_personal_data=False, desensitised=False,
                            open_tier_reason=None, open_tier_basis=None, **overrides)

    def test_only_pdf_and_doc_is_refused(self, app, api, agency):
        data = self.unconditional(agency, resources=[
            {"url": "http://example.com/a.pdf", "format": "PDF"},
            {"url": "http://example.com/b.doc", "format": "DOC"}])
        error = refused(api, agency, data)
        assert set(error) == {"resources", "__type"}
        # at each resource's format
        assert [set(e) for e in error["resources"]] == [{"format"}, {"format"}]
        assert "CSV" in error["resources"][0]["format"][0]
        assert "GeoJSON" in error["resources"][1]["format"][0]

    @pytest.mark.parametrize("fmt", ["csv", "JSON", "XLSX", "GeoJSON", "XML", "API"])
    def test_one_machine_readable_resource_is_enough(self, api, agency, fmt):
        data = self.unconditional(agency, resources=[
            {"url": "http://example.com/a.pdf", "format": "PDF"},
            {"url": "http://example.com/data", "format": fmt}])
        assert api("package_create", data, agency["token"]).json["success"]

    def test_a_draft_takes_a_pdf_and_an_entry_without_resources_is_saved(self, app, api,
                                                                          agency):
        # the form's first step saves a draft; its second step adds a PDF to it
        assert post_form(app, agency).status_code == 302
        draft = helpers.call_action("package_show", id="public-parking-lots")
        assert draft["state"] == "draft"
        response = app.post(url_for("dataset_resource.new", id=draft["id"]), data={
            "url": "http://example.com/a.pdf", "format": "PDF", "name": "A",
            "save": "again", "id": ""},
            headers={"Authorization": agency["token"]}, follow_redirects=False)
        assert response.status_code == 302
        assert resource_count(draft["id"]) == 1
        empty = self.unconditional(agency, name="not-attached", resource_code="GS-NA-1")
        assert api("package_create", empty, agency["token"]).json["result"]["state"] == "active"

    def test_conditional_and_closed_entries_may_offer_pdf_only(self, api, agency):
        data = full_dataset(agency["org"]["id"], resources=[
            {"url": "http://example.com/a.pdf", "format": "PDF"}])
        assert api("package_create", data, agency["token"]).json["success"]

    def test_resource_create_update_and_delete_keep_the_rule(self, app, api, agency):
        ds = api("package_create", self.unconditional(agency),
                 agency["token"]).json["result"]
        pdf = {"package_id": ds["id"], "url": "http://example.com/a.pdf", "format": "PDF"}
        error = refused(api, agency, pdf, "resource_create")
        assert set(error) == {"format", "__type"}
        assert resource_count(ds["id"]) == 0
        csv = api("resource_create", {**pdf, "url": "http://example.com/a.csv", "format": "CSV"},
                  agency["token"]).json["result"]
        api("resource_create", pdf, agency["token"])
        # the machine-readable one cannot become PDF nor go away while it is the only one
        refused(api, agency, {"id": csv["id"], "format": "PDF"}, "resource_patch")
        refused(api, agency, {"id": csv["id"]}, "resource_delete")
        assert resource_count(ds["id"]) == 2

    def test_finishing_the_form_with_only_a_pdf_is_refused(self, app, agency):
        """Finishing the two-step form makes the entry active: refused with
        the rule at the format field of the form (catalog/resource_form.py;
        CKAN's view does not catch it), and the entry stays a draft with its
        PDF, said to be saved."""
        assert post_form(app, agency).status_code == 302
        draft = helpers.call_action("package_show", id="public-parking-lots")
        response = app.post(url_for("dataset_resource.new", id=draft["id"]), data={
            "url": "http://example.com/a.pdf", "format": "PDF", "name": "A",
            "save": "go-metadata", "id": ""},
            headers={"Authorization": agency["token"]}, follow_redirects=False)
        assert response.status_code == 200
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        field = page.select_one("#field-format").find_parent(class_="form-group")
        assert "可机器读取格式" in field.get_text()  # the rule, at the format field
        summary = page.select_one(".error-explanation").get_text()
        assert "可机器读取格式" in summary and "已保存" in summary
        shown = helpers.call_action("package_show", id=draft["id"])
        assert shown["state"] == "draft" and len(shown["resources"]) == 1

    def test_resource_form_shows_the_rule_at_the_format(self, app, agency):
        ds = helpers.call_action("package_create", {"user": agency["editor"]["name"]},
                                 **self.unconditional(agency))
        response = app.post(url_for("dataset_resource.new", id=ds["id"]), data={
            "url": "http://example.com/a.pdf", "format": "PDF", "name": "A",
            "save": "again", "id": ""},
            headers={"Authorization": agency["token"]}, follow_redirects=False)
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert translated(app, "A dataset open unconditionally needs at least one resource "
                               "in a machine-readable format ({formats}), not only PDF or "
                               "word-processor files").split("{formats}")[0] in body
        assert resource_count(ds["id"]) == 0
