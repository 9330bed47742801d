"""Catalog maintenance through the Action API: change records, the yearly
review, what needs review, and who may do what.

Times given to freeze_time are UTC (as CKAN stores them); 02:00 UTC is
10:00 in Beijing, the same calendar day.
"""
from __future__ import annotations

import pytest
from freezegun import freeze_time

import ckan.lib.search as search
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests import profiles
from tests import factories
from tests.catalog_review.conftest import as_user, catalogued

from ckanext.govshare import options
from ckanext.govshare.catalog_review.model import CatalogChange


def call(action: str, user: dict | None, **data):
    return helpers.call_action(action, context=as_user(user), **data)


def review_list(agency, **data):
    return call("govshare_catalog_review_list", agency.editor, id=agency.org["name"], **data)


def flagged(agency, **data) -> dict[str, dict]:
    return {entry["name"]: entry for entry in review_list(agency, **data)["results"]}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestChangeCreate:
    def test_editor_records_a_change(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with freeze_time("2026-09-18 02:00:00"):
            change = call("govshare_catalog_change_create", agency.editor,
                          package_id=dataset["name"], kind="legal_basis",
                          description="《某市公共数据管理办法》修订，2026年9月18日起施行")
        assert change["package_id"] == dataset["id"]
        assert change["kind"] == "legal_basis"
        assert change["recorded_by"] == agency.editor["id"]
        assert change["recorded_on"] == "2026-09-18"
        # 15 working days across Mid-Autumn and National Day 2026
        assert change["due"] == "2026-10-15" and change["provisional"] is False
        assert change["open"] is True and change["answered_at"] is None
        row = model.Session.query(CatalogChange).one()
        assert row.id == change["id"] and row.description.startswith("《某市")

    def test_recorded_in_december_is_due_provisionally_in_2027(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with freeze_time("2026-12-15 02:00:00"):
            change = call("govshare_catalog_change_create", agency.admin,
                          package_id=dataset["id"], kind="system", description="新系统上线")
        # New Year's Day 2027 from the State Council's rules; make-up days unknown
        assert change["due"] == "2027-01-06" and change["provisional"] is True

    def test_the_deadline_counts_from_the_occurrence(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with freeze_time("2026-10-09 02:00:00"):
            change = call("govshare_catalog_change_create", agency.editor,
                          package_id=dataset["id"], kind="legal_basis",
                          description="依据修订", occurred_on="2026-09-18")
        assert change["occurred_on"] == "2026-09-18"
        assert change["recorded_on"] == "2026-10-09"
        # 15 working days from 18 September, not from the day it was recorded
        assert change["due"] == "2026-10-15"
        assert model.Session.query(CatalogChange).one().occurred_on.isoformat() == \
            "2026-09-18"

    def test_other_is_a_kind_and_today_is_the_default(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with freeze_time("2026-09-30 17:00:00"):   # 1 October, 01:00 in Beijing
            change = call("govshare_catalog_change_create", agency.editor,
                          package_id=dataset["id"], kind="other", description="机构合并")
        assert change["kind"] == "other" and change["kind_label"] == "Other"
        assert change["occurred_on"] == change["recorded_on"] == "2026-10-01"
        # National Day holiday to 7 October, make-up working Saturday 10 October
        assert change["due"] == "2026-10-27"

    def test_an_old_occurrence_is_overdue_at_once(self, agency):
        with freeze_time("2026-09-01 02:00:00"):
            dataset = factories.Dataset(owner_org=agency.org["id"], name="late",
                                        last_reviewed="2026-09-01")
        with freeze_time("2026-11-02 02:00:00"):
            call("govshare_catalog_change_create", agency.editor, package_id="late",
                 kind="system", description="系统迁移", occurred_on="2026-09-07")
            [reason] = flagged(agency)["late"]["reasons"]
        assert reason["overdue"] and reason["due"] == "2026-09-28"
        assert reason["message"] == \
            "Information system change of 2026-09-07, unanswered for 36 working days"
        assert dataset["id"]

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.OTHER_NUMBERS)
    def test_the_number_of_days_is_configurable(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with freeze_time("2026-09-30 02:00:00"):
            change = call("govshare_catalog_change_create", agency.editor,
                          package_id=dataset["id"], kind="duties", description="职责调整")
        assert change["due"] == "2026-10-10"   # the make-up Saturday

    @pytest.mark.parametrize("data, field", [
        ({"kind": "weather", "description": "x"}, "kind"),
        ({"kind": "", "description": "x"}, "kind"),
        ({"description": "x"}, "kind"),
        ({"kind": "duties", "description": "   "}, "description"),
        ({"kind": "duties"}, "description"),
        ({"kind": "duties", "description": "长" * 2001}, "description"),
        ({"kind": "duties", "description": "x", "occurred_on": "2026-13-01"}, "occurred_on"),
        ({"kind": "duties", "description": "x", "occurred_on": "18/09/2026"}, "occurred_on"),
        ({"kind": "duties", "description": "x", "occurred_on": 20260918}, "occurred_on"),
        ({"kind": "duties", "description": "x", "occurred_on": "1999-12-31"}, "occurred_on"),
        # tomorrow in China (the tests run before 2030)
        ({"kind": "duties", "description": "x", "occurred_on": "2030-01-01"}, "occurred_on"),
    ])
    def test_invalid_input_is_refused_and_nothing_is_written(self, agency, data, field):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_change_create", agency.editor,
                 package_id=dataset["id"], **data)
        assert field in error.value.error_dict
        assert model.Session.query(CatalogChange).count() == 0

    @pytest.mark.parametrize("entry_types", ["catalog-entry", ""], ids=["other-type", "none"])
    def test_only_catalog_entries(self, agency, entry_types, monkeypatch):
        # set empty, no dataset is a catalog entry (every reader of the option agrees)
        monkeypatch.setitem(tk.config, options.CATALOG_REVIEW_DATASET_TYPES,
                            entry_types.split())
        dataset = factories.Dataset(owner_org=agency.org["id"])   # of type "dataset"
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_change_create", agency.editor, package_id=dataset["id"],
                 kind="duties", description="x")
        assert "Not a catalog entry" in error.value.error_dict["package_id"][0]
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_review_mark", agency.editor, id=dataset["id"])
        assert "id" in error.value.error_dict
        assert review_list(agency)["checked"] == 0
        counted = call("govshare_catalog_update_counts", agency.sysadmin)["organizations"]
        assert not any(row["organization_id"] == agency.org["id"] for row in counted)

    def test_unknown_dataset(self, agency):
        with pytest.raises(tk.ObjectNotFound):
            call("govshare_catalog_change_create", agency.editor,
                 package_id="no-such-dataset", kind="duties", description="x")
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_change_create", agency.sysadmin,
                 package_id="no-such-dataset", kind="duties", description="x")
        assert "package_id" in error.value.error_dict

    @pytest.mark.parametrize("who, allowed", [
        ("admin", True), ("editor", True), ("sysadmin", True),
        ("member", False), ("outsider", False), ("anonymous", False),
    ])
    def test_who_may_record(self, agency, who, allowed):
        dataset = factories.Dataset(owner_org=agency.org["id"])
        user = None if who == "anonymous" else getattr(agency, who)
        data = {"package_id": dataset["id"], "kind": "duties", "description": "职责调整"}
        if allowed:
            call("govshare_catalog_change_create", user, **data)
        else:
            with pytest.raises(tk.NotAuthorized):
                call("govshare_catalog_change_create", user, **data)

    def test_an_admin_of_another_organization_may_not(self, agency):
        factories.Organization(users=[{"name": agency.outsider["name"], "capacity": "admin"}])
        mine = factories.Dataset(owner_org=agency.org["id"])
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_change_create", agency.outsider, package_id=mine["id"],
                 kind="duties", description="x")


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestChangeList:
    @pytest.fixture()
    def changes(self, agency):
        first = factories.Dataset(owner_org=agency.org["id"])
        second = factories.Dataset(owner_org=agency.org["id"], private=True)
        elsewhere = factories.Dataset()
        with freeze_time("2026-09-01 02:00:00") as frozen:
            for dataset, kind in ((first, "legal_basis"), (first, "duties"),
                                  (second, "system")):
                call("govshare_catalog_change_create", agency.editor,
                     package_id=dataset["id"], kind=kind, description=kind)
                frozen.tick(60)
            call("govshare_catalog_change_create", agency.sysadmin,
                 package_id=elsewhere["id"], kind="duties", description="elsewhere")
            call("govshare_catalog_review_mark", agency.editor, id=second["id"])
        return first, second

    @freeze_time("2026-10-01 02:00:00")
    def test_by_dataset_newest_first(self, agency, changes):
        first, _ = changes
        records = call("govshare_catalog_change_list", agency.member, package_id=first["name"])
        assert [r["kind"] for r in records] == ["duties", "legal_basis"]
        assert all(r["open"] for r in records)
        # 1 Sep + 15 working days: 2–4, 7–11, 14–18 Sep, the make-up Sunday 20th,
        # Monday 21st. On 1 October (a holiday) it has waited 21 working days
        # (the weekdays of 2–30 September but the Mid-Autumn Friday, plus the 20th)
        assert records[0]["due"] == "2026-09-21"
        assert records[0]["overdue"] is True and records[0]["working_days"] == 21
        assert records[0]["kind_label"] == "Agency duties"

    def test_by_organization_and_status(self, agency, changes):
        org = agency.org["name"]
        every = call("govshare_catalog_change_list", agency.member, organization_id=org)
        assert sorted(r["description"] for r in every) == ["duties", "legal_basis", "system"]
        open_ = call("govshare_catalog_change_list", agency.member, organization_id=org,
                     status="open")
        assert sorted(r["kind"] for r in open_) == ["duties", "legal_basis"]
        answered = call("govshare_catalog_change_list", agency.member, organization_id=org,
                        status="answered")
        assert [r["kind"] for r in answered] == ["system"]
        assert answered[0]["answered_by"] == agency.editor["id"]
        assert answered[0]["overdue"] is False and "working_days" not in answered[0]
        page = call("govshare_catalog_change_list", agency.member, organization_id=org,
                    limit=1, offset=1)
        assert len(page) == 1 and page[0]["id"] == every[1]["id"]

    def test_who_may_read(self, agency, changes):
        first, _ = changes
        for user in (agency.member, agency.editor, agency.admin, agency.sysadmin):
            assert call("govshare_catalog_change_list", user, package_id=first["id"])
        for user in (agency.outsider, None):
            with pytest.raises(tk.NotAuthorized):
                call("govshare_catalog_change_list", user, package_id=first["id"])
            with pytest.raises(tk.NotAuthorized):
                call("govshare_catalog_change_list", user, organization_id=agency.org["id"])

    def test_needs_a_dataset_or_an_organization(self, agency):
        with pytest.raises(tk.ValidationError) as error:
            call("govshare_catalog_change_list", agency.sysadmin)
        assert set(error.value.error_dict) == {"package_id", "organization_id"}
        with pytest.raises(tk.ValidationError):
            call("govshare_catalog_change_list", agency.sysadmin, package_id="x",
                 status="forgotten")


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestYearlyReview:
    def test_reviewed_within_the_year_is_fine_until_the_anniversary(self, agency):
        catalogued(factories.Dataset(owner_org=agency.org["id"], name="reviewed",
                                     last_reviewed="2025-03-01"), "2024-06-01 02:00:00")
        with freeze_time("2026-03-01 02:00:00"):
            assert flagged(agency) == {}
        with freeze_time("2026-03-02 02:00:00"):
            entry = flagged(agency)["reviewed"]
        assert entry["needs_review"] is True
        assert entry["last_reviewed"] == "2025-03-01"
        assert entry["due"] == "2026-03-01"
        [reason] = entry["reasons"]
        assert reason["reason"] == "annual" and reason["overdue"]
        assert reason["message"] == "Not reviewed for over a year (last reviewed on 2025-03-01)"

    def test_never_reviewed_counts_from_when_it_was_catalogued(self, agency):
        catalogued(factories.Dataset(owner_org=agency.org["id"], name="never"),
                   "2025-01-10 02:00:00")
        with freeze_time("2026-01-10 02:00:00"):
            assert flagged(agency) == {}
        with freeze_time("2026-01-11 02:00:00"):
            entry = flagged(agency)["never"]
        assert entry["last_reviewed"] is None
        assert entry["reasons"][0]["message"] == (
            "Never reviewed since it was catalogued on 2025-01-10, over a year ago")

    def test_catalogued_late_in_the_evening_counts_in_beijing_time(self, agency):
        # 20:00 UTC on 9 January is 04:00 on 10 January in Beijing
        catalogued(factories.Dataset(owner_org=agency.org["id"], name="evening"),
                   "2025-01-09 20:00:00")
        with freeze_time("2026-01-10 10:00:00"):
            assert flagged(agency) == {}

    def test_only_this_organization_and_live_catalog_entries(self, agency):
        for dataset in (
                factories.Dataset(owner_org=agency.org["id"], name="public-old"),
                factories.Dataset(owner_org=agency.org["id"], name="private-old",
                                  private=True),
                factories.Dataset(owner_org=agency.org["id"], name="deleted-old"),
                factories.Dataset(name="other-org-old")):
            catalogued(dataset, "2024-01-01 02:00:00")
        helpers.call_action("package_delete", context={"user": agency.sysadmin["name"]},
                            id="deleted-old")
        with freeze_time("2026-01-01 02:00:00"):
            result = review_list(agency)
        assert result["organization"]["name"] == agency.org["name"]
        assert result["today"] == "2026-01-01"
        assert result["checked"] == 2 and result["count"] == 2
        assert {e["name"] for e in result["results"]} == {"public-old", "private-old"}
        assert {e["name"]: e["private"] for e in result["results"]}["private-old"] is True

    def test_mark_reviewed(self, agency):
        dataset = catalogued(factories.Dataset(owner_org=agency.org["id"], name="old"),
                             "2024-01-01 02:00:00")
        with freeze_time("2026-01-05 17:30:00"):   # 6 January in Beijing
            assert "old" in flagged(agency)
            result = call("govshare_catalog_review_mark", agency.editor, id="old")
            assert result == {"package_id": dataset["id"], "last_reviewed": "2026-01-06",
                              "answered": 0}
            assert flagged(agency) == {}
        shown = helpers.call_action("package_show", id="old")
        assert shown["last_reviewed"] == "2026-01-06"


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestUnansweredChanges:
    @pytest.fixture()
    def dataset(self, agency):
        with freeze_time("2026-09-01 02:00:00"):
            return factories.Dataset(owner_org=agency.org["id"], name="entry",
                                     last_reviewed="2026-09-01")

    def record(self, agency, dataset, when: str, kind: str = "legal_basis"):
        with freeze_time(when):
            return call("govshare_catalog_change_create", agency.editor,
                        package_id=dataset["id"], kind=kind, description="依据修订")

    def test_flagged_after_fifteen_working_days(self, agency, dataset):
        self.record(agency, dataset, "2026-09-18 02:00:00")
        with freeze_time("2026-10-15 02:00:00"):   # the due date: still in time
            assert flagged(agency) == {}
            pending = flagged(agency, include_pending=True)["entry"]
            assert pending["needs_review"] is False and pending["due"] == "2026-10-15"
            assert pending["reasons"][0]["message"] == \
                "Legal basis change of 2026-09-18, update due by 2026-10-15"
            assert review_list(agency, include_pending=True)["count"] == 0
        with freeze_time("2026-10-16 02:00:00"):
            entry = flagged(agency)["entry"]
        assert entry["needs_review"] is True and entry["due"] == "2026-10-15"
        [reason] = entry["reasons"]
        assert reason["reason"] == "change" and reason["overdue"]
        assert reason["change"]["working_days"] == 16
        assert reason["message"] == \
            "Legal basis change of 2026-09-18, unanswered for 16 working days"

    def test_several_reasons_and_the_earliest_due_date(self, agency):
        dataset = catalogued(factories.Dataset(owner_org=agency.org["id"], name="both"),
                             "2024-01-01 02:00:00")
        self.record(agency, dataset, "2026-09-01 02:00:00", kind="duties")
        with freeze_time("2026-10-16 02:00:00"):
            entry = flagged(agency)["both"]
        assert [r["reason"] for r in entry["reasons"]] == ["annual", "change"]
        assert entry["due"] == "2025-01-01"

    def test_longest_overdue_first(self, agency):
        with freeze_time("2026-09-01 02:00:00"):
            a = factories.Dataset(owner_org=agency.org["id"], name="a-later",
                                  last_reviewed="2026-09-01")
            b = factories.Dataset(owner_org=agency.org["id"], name="b-earlier",
                                  last_reviewed="2026-09-01")
        self.record(agency, a, "2026-09-10 02:00:00")
        self.record(agency, b, "2026-09-02 02:00:00")
        with freeze_time("2026-11-02 02:00:00"):
            names = [e["name"] for e in review_list(agency)["results"]]
        assert names == ["b-earlier", "a-later"]

    def test_provisional_across_the_unknown_year(self, agency, dataset):
        self.record(agency, dataset, "2026-12-15 02:00:00")
        with freeze_time("2027-01-07 02:00:00"):
            entry = flagged(agency)["entry"]
        assert entry["due"] == "2027-01-06" and entry["provisional"] is True
        assert "provisional" in entry["reasons"][0]["message"]

    def test_marking_reviewed_answers_the_changes(self, agency, dataset):
        self.record(agency, dataset, "2026-09-18 02:00:00")
        self.record(agency, dataset, "2026-09-21 02:00:00", kind="system")
        with freeze_time("2026-10-20 02:00:00"):
            assert "entry" in flagged(agency)
            result = call("govshare_catalog_review_mark", agency.admin, id="entry")
            assert result["answered"] == 2 and result["last_reviewed"] == "2026-10-20"
            assert flagged(agency, include_pending=True) == {}
        records = call("govshare_catalog_change_list", agency.member, package_id="entry")
        assert all(not r["open"] and r["answered_by"] == agency.admin["id"] for r in records)

    def test_sysadmin_marks_too(self, agency, dataset):
        self.record(agency, dataset, "2026-09-18 02:00:00")
        with freeze_time("2026-10-20 02:00:00"):
            assert call("govshare_catalog_review_mark", agency.sysadmin,
                        id="entry")["answered"] == 1

    @pytest.mark.parametrize("who", ["member", "outsider", "anonymous"])
    def test_who_may_not_mark_or_list(self, agency, dataset, who):
        user = None if who == "anonymous" else getattr(agency, who)
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_review_mark", user, id="entry")
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_review_list", user, id=agency.org["id"])

    def test_unknown_organization(self, agency):
        with pytest.raises(tk.ObjectNotFound):
            call("govshare_catalog_review_list", agency.editor, id="no-such-org")

    def test_a_failed_mark_changes_nothing(self, agency, dataset):
        self.record(agency, dataset, "2026-09-18 02:00:00")
        # the entry no longer validates (a required field emptied behind CKAN's back)
        model.Session.query(model.Package).filter_by(id=dataset["id"]).update(
            {"maintainer": None})
        model.repo.commit()
        search.rebuild(dataset["id"])   # package_show reads the index's copy
        with freeze_time("2026-10-20 02:00:00"):
            with pytest.raises(tk.ValidationError) as error:
                call("govshare_catalog_review_mark", agency.editor, id="entry")
        assert "maintainer" in error.value.error_dict
        model.Session.remove()
        assert model.Session.query(CatalogChange).one().answered_at is None
        assert helpers.call_action("package_show", id="entry")["last_reviewed"] == "2026-09-01"


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestUpdatesAnswerChanges:
    """An editor's update of the dataset answers its open changes; a resource
    change, or an update by the system, does not."""

    @pytest.fixture()
    def dataset(self, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"], name="entry")
        call("govshare_catalog_change_create", agency.editor, package_id=dataset["id"],
             kind="legal_basis", description="依据修订")
        return dataset

    def is_open(self) -> bool:
        model.Session.remove()
        return model.Session.query(CatalogChange).one().answered_at is None

    @pytest.mark.parametrize("who", ["editor", "admin", "sysadmin"])
    def test_metadata_update_answers(self, agency, dataset, who):
        user = getattr(agency, who)
        call("package_patch", user, id="entry", notes="根据新办法更新了说明")
        assert not self.is_open()
        record = call("govshare_catalog_change_list", agency.member, package_id="entry")[0]
        assert record["answered_by"] == user["id"]

    def test_full_update_through_package_update_answers(self, agency, dataset):
        shown = helpers.call_action("package_show", id="entry")
        shown["open_tier_basis"] = "《新办法》第三条"
        call("package_update", agency.editor, **shown)
        assert not self.is_open()

    def test_resource_changes_do_not_answer(self, agency, dataset):
        resource = call("resource_create", agency.editor, package_id="entry",
                        url="http://example.com/data.csv", name="数据")
        call("resource_patch", agency.editor, id=resource["id"], name="新数据")
        call("resource_delete", agency.editor, id=resource["id"])
        assert self.is_open()

    def test_updates_by_the_system_do_not_answer(self, agency, dataset):
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        helpers.call_action("package_patch", context={"user": site_user["name"]},
                            id="entry", notes="harvested")
        assert self.is_open()

    @pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", True)
    def test_a_collaborator_does_not_answer(self, agency, dataset):
        helpers.call_action("package_collaborator_create", id="entry",
                            user_id=agency.outsider["id"], capacity="editor")
        call("package_patch", agency.outsider, id="entry", notes="协作者修改")
        assert self.is_open()

    def test_a_refused_update_answers_nothing(self, agency, dataset):
        with pytest.raises(tk.ValidationError):
            call("package_patch", agency.editor, id="entry", maintainer="")
        assert self.is_open()


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_migration_gives_recorded_changes_their_recorded_day(agency):
    """Rows recorded before changes had an occurrence date take the day (in
    China) they were recorded; ``other`` is accepted from then on."""
    import sqlalchemy as sa
    from ckan.cli.db import _run_migrations

    from ckanext.govshare.database import roles

    dataset = factories.Dataset(owner_org=agency.org["id"])
    with freeze_time("2026-09-30 17:00:00"):   # 1 October, 01:00 in Beijing
        call("govshare_catalog_change_create", agency.editor, package_id=dataset["id"],
             kind="duties", description="职责调整", occurred_on="2026-09-01")
    owner = roles.owner_url(model.meta.engine.url.render_as_string(False))
    model.Session.remove()
    try:
        with roles.migrating_as(owner):
            _run_migrations("govshare", "e7b2d9c4a6f1", forward=False)
            _run_migrations("govshare")
    finally:
        roles.secure(owner, model.meta.engine.url.render_as_string(False))
    [row] = model.Session.execute(sa.text(
        "SELECT occurred_on, kind FROM govshare_catalog_change")).all()
    assert row.occurred_on.isoformat() == "2026-10-01" and row.kind == "duties"
    other = call("govshare_catalog_change_create", agency.editor, package_id=dataset["id"],
                 kind="other", description="其他变更")
    assert other["kind"] == "other"
