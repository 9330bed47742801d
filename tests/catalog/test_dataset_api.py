"""The catalog entry (政务数据目录) through the Action API, as a client calls it."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests import factories
from tests.catalog.conftest import full_dataset, package_count, translated

MISSING_REASON = "Missing value: required for a dataset that is open on conditions or not open"
UNKNOWN_TIER = "Unknown openness tier: use unconditional, conditional or closed"
DUPLICATE_CODE = "This resource code is already used by another dataset"
NOT_DESENSITISED = ("A dataset open unconditionally or on conditions that contains personal "
                    "data must be desensitised; otherwise it is not open")


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestCreateAndRead:
    def test_full_dataset_round_trip(self, api, agency):
        sent = full_dataset(agency["org"]["id"])
        created = api("package_create", sent, agency["token"]).json["result"]
        shown = api("package_show", {"id": created["id"]}, agency["token"]).json["result"]
        for key, value in sent.items():
            if key in ("tags", "owner_org"):
                continue
            # (an information item's empty description is kept, a missing one stays out)
            assert shown[key] == value, key
        assert shown["organization"]["id"] == agency["org"]["id"]
        assert [t["name"] for t in shown["tags"]] == ["公交"]
        # schema fields are top-level, never left among the free-form extras
        assert not [e for e in shown.get("extras", []) if e["key"] in sent]

    def test_booleans_and_lists_are_typed_in_the_api(self, api, agency):
        sent = full_dataset(agency["org"]["id"], contains_personal_data="false",
                            desensitised="no", open_tier="unconditional",
                            open_tier_reason=None, open_tier_basis=None,
                            data_grade="L1", data_format="CSV")
        shown = api("package_create", sent, agency["token"]).json["result"]
        assert shown["contains_personal_data"] is False
        assert shown["desensitised"] is False
        assert shown["data_format"] == ["CSV"]
        assert "open_tier_reason" not in shown

    def test_unconditional_dataset_needs_no_reason(self, agency):
        ds = factories.Dataset(owner_org=agency["org"]["id"])
        assert ds["open_tier"] == "unconditional"
        assert "open_tier_reason" not in ds

    def test_the_factory_fills_the_restricted_tiers(self):
        ds = factories.Dataset(open_tier="closed")
        assert ds["open_tier_reason"] and ds["open_tier_basis"]

    def test_schema_is_published_with_bilingual_labels(self, api):
        schema = api("scheming_dataset_schema_show", {"type": "dataset"}).json["result"]
        fields = {f["field_name"]: f for f in schema["dataset_fields"]}
        assert fields["open_tier"]["label"] == {"en": "Openness tier", "zh_Hans_CN": "开放类型"}
        assert [c["value"] for c in fields["open_tier"]["choices"]] == [
            "unconditional", "conditional", "closed"]
        assert fields["resource_code"]["required"] is True
        assert [s["field_name"] for s in fields["info_items"]["repeating_subfields"]] == [
            "name", "type", "description"]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestBadInputThroughTheApi:
    """Every rule: HTTP 409, the error on the right field, nothing saved."""

    def refused(self, api, agency, data):
        before = package_count()
        response = api("package_create", data, agency["token"], status=409)
        assert package_count() == before
        error = response.json["error"]
        assert error["__type"] == "Validation Error"
        return error

    @pytest.mark.parametrize("tier", ["conditional", "closed"])
    @pytest.mark.parametrize("field", ["open_tier_reason", "open_tier_basis"])
    def test_restricted_tier_without_reason_or_basis(self, app, api, agency, tier, field):
        data = full_dataset(agency["org"]["id"], open_tier=tier, **{field: None})
        error = self.refused(api, agency, data)
        assert error[field] == [translated(app, MISSING_REASON)]
        assert set(error) == {field, "__type"}

    @pytest.mark.parametrize("field", ["open_tier_reason", "open_tier_basis"])
    def test_blank_reason_counts_as_missing(self, app, api, agency, field):
        data = full_dataset(agency["org"]["id"], open_tier="closed", **{field: "   "})
        assert self.refused(api, agency, data)[field] == [translated(app, MISSING_REASON)]

    @pytest.mark.parametrize("tier", ["open", "Conditional", "不予开放"])
    def test_unknown_tier(self, app, api, agency, tier):
        error = self.refused(api, agency, full_dataset(agency["org"]["id"], open_tier=tier))
        assert error["open_tier"] == [translated(app, UNKNOWN_TIER)]

    def test_missing_tier(self, app, api, agency):
        error = self.refused(api, agency, full_dataset(agency["org"]["id"], open_tier=None))
        assert error["open_tier"] == [translated(app, "Missing value")]

    def test_duplicate_resource_code(self, app, api, agency):
        api("package_create", full_dataset(agency["org"]["id"]), agency["token"])
        data = full_dataset(agency["org"]["id"], name="another", resource_code="gs-jt-0001")
        error = self.refused(api, agency, data)
        assert error["resource_code"] == [translated(app, DUPLICATE_CODE)]

    @pytest.mark.parametrize("tier", ["unconditional", "conditional"])
    def test_opened_personal_data_must_be_desensitised(self, app, api, agency, tier):
        data = full_dataset(agency["org"]["id"], open_tier=tier, data_grade="L1",
                            contains_personal_data=True, desensitised=False)
        error = self.refused(api, agency, data)
        assert error["desensitised"] == [translated(app, NOT_DESENSITISED)]
        data["desensitised"] = None
        assert self.refused(api, agency, data)["desensitised"] == [
            translated(app, NOT_DESENSITISED)]

    def test_desensitised_is_only_required_for_opened_personal_data(self, api, agency):
        for overrides in ({"open_tier": "closed"},
                          {"open_tier": "conditional", "contains_personal_data": False}):
            data = full_dataset(agency["org"]["id"], name=f"ds-{overrides['open_tier']}",
                                resource_code=f"GS-{overrides['open_tier']}",
                                desensitised=False, **overrides)
            assert api("package_create", data, agency["token"]).json["success"]

    def test_no_information_items(self, app, api, agency):
        for items in ([], None):
            error = self.refused(api, agency, full_dataset(agency["org"]["id"],
                                                           info_items=items))
            assert error["info_items"] == [translated(app, "List at least one information item")]

    def test_information_item_without_name_or_type(self, app, api, agency):
        data = full_dataset(agency["org"]["id"], info_items=[
            {"name": "线路编号", "type": "string"}, {"name": "", "type": "weird"}])
        error = self.refused(api, agency, data)
        assert error["info_items"][0] == {}
        assert set(error["info_items"][1]) == {"name", "type"}

    @pytest.mark.parametrize("field, value", [
        ("resource_category", "misc"), ("subject_category", "astrology"),
        ("update_frequency", "hourly"), ("share_type", "sometimes"), ("data_grade", "L9"),
        ("data_format", ["CSV", "DOCX"]), ("open_method", ["fax"]),
        ("contains_personal_data", "maybe"), ("release_date", "2024-13-45"),
        ("maintainer_email", "not-an-email"), ("resource_code", "GS JT 1"),
    ])
    def test_choices_and_formats_are_checked(self, api, agency, field, value):
        error = self.refused(api, agency, full_dataset(agency["org"]["id"], **{field: value}))
        assert set(error) == {field, "__type"}

    @pytest.mark.parametrize("field", [
        "title", "notes", "resource_code", "resource_category", "subject_category",
        "owner_org", "maintainer", "maintainer_email", "data_format", "update_frequency",
        "share_type", "release_date", "data_grade", "contains_personal_data"])
    def test_required_fields(self, api, agency, field):
        error = self.refused(api, agency, full_dataset(agency["org"]["id"], **{field: None}))
        assert field in error

    def test_temporal_coverage_cannot_end_before_it_starts(self, app, api, agency):
        data = full_dataset(agency["org"]["id"], temporal_coverage_start="2024-06-30",
                            temporal_coverage_end="2024-01-01")
        error = self.refused(api, agency, data)
        assert error["temporal_coverage_end"] == [
            translated(app, "The temporal coverage cannot end before it starts")]

    def test_every_error_at_once(self, api, agency):
        api("package_create", full_dataset(agency["org"]["id"]), agency["token"])
        data = full_dataset(agency["org"]["id"], name="all-wrong", open_tier="closed",
                            open_tier_reason=None, open_tier_basis="", info_items=[])
        error = self.refused(api, agency, data)
        assert set(error) == {"open_tier_reason", "open_tier_basis", "resource_code",
                              "info_items", "__type"}


def as_sysadmin(action: str, **data):
    sysadmin = factories.Sysadmin()
    return helpers.call_action(action, {"user": sysadmin["name"]}, **data)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestResourceCodeUniqueness:
    def test_create_is_refused_whatever_the_case(self):
        factories.Dataset(resource_code="GS-JT-0001")
        with pytest.raises(tk.ValidationError) as e:
            factories.Dataset(resource_code=" gs-jt-0001 ")
        assert "resource_code" in e.value.error_dict

    def test_codes_are_stored_trimmed(self):
        assert factories.Dataset(resource_code="  GS-JT-0002 ")["resource_code"] == "GS-JT-0002"

    def test_updating_a_dataset_keeps_its_own_code(self):
        ds = factories.Dataset(resource_code="GS-JT-0001")
        updated = as_sysadmin("package_patch", id=ds["name"], title="新标题")
        assert updated["resource_code"] == "GS-JT-0001"
        # by name as well as by id, and changing only the case of the code
        as_sysadmin("package_update", **{**updated, "id": ds["name"],
                                                 "resource_code": "gs-jt-0001"})

    def test_update_to_another_datasets_code_is_refused(self):
        factories.Dataset(resource_code="GS-JT-0001")
        other = factories.Dataset(resource_code="GS-JT-0002")
        with pytest.raises(tk.ValidationError) as e:
            as_sysadmin("package_patch", id=other["id"], resource_code="GS-JT-0001")
        assert "resource_code" in e.value.error_dict
        shown = helpers.call_action("package_show", id=other["id"])
        assert shown["resource_code"] == "GS-JT-0002"

    def test_adding_a_resource_does_not_trip_over_the_datasets_own_code(self):
        ds = factories.Dataset(resource_code="GS-JT-0001")
        factories.Resource(package_id=ds["id"], url="http://example.com/x.csv")
        assert helpers.call_action("package_show", id=ds["id"])["num_resources"] == 1

    def test_private_datasets_count(self):
        org = factories.Organization()
        factories.Dataset(owner_org=org["id"], private=True, resource_code="GS-JT-0001")
        with pytest.raises(tk.ValidationError):
            factories.Dataset(owner_org=org["id"], resource_code="GS-JT-0001")

    def test_a_deleted_datasets_code_can_be_reused(self):
        old = factories.Dataset(resource_code="GS-JT-0001")
        as_sysadmin("package_delete", id=old["id"])
        new = factories.Dataset(resource_code="GS-JT-0001")
        assert new["resource_code"] == "GS-JT-0001"
