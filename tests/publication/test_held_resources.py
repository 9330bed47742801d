"""New and replaced files of a published open entry wait for the reviewer
(publication/held_resources.py); until then nobody, inside the organization
or out, gets them from any action, and the approved files stay as they were.
Publishing an open entry asks the personal-data scan first."""
from __future__ import annotations

import io
import os
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckan.tests import helpers

from ckanext.govshare.personal_data import reports
from ckanext.govshare.publication import held_resources
from ckanext.govshare.publication import workflow as wf
from tests.publication.conftest import CHECKLIST, REVIEW_ON, bring_to, ctx, new_entry

pytestmark = REVIEW_ON

CLEAN = "编号,站点\n1,人民路\n2,解放路\n"
REPLACED = "编号,站点\n1,人民路\n2,解放路\n3,新华路\n"
ID_NUMBER = "11010519491231002X"
PERSONAL = f"编号,证件号码\n1,{ID_NUMBER}\n"


def upload(text: str, filename: str = "stations.csv") -> FileStorage:
    return FileStorage(stream=io.BytesIO(text.encode()), filename=filename)


def stored_bytes(resource_id: str) -> str:
    path = uploader.get_resource_uploader({"id": resource_id, "url_type": "upload"}) \
        .get_path(resource_id)
    with open(path, encoding="utf-8") as stream:
        return stream.read()


def resource_ids(user: Any, package_id: str) -> set[str]:
    shown = helpers.call_action("package_show", context=ctx(user), id=package_id)
    return {r["id"] for r in shown["resources"]}


def held_files() -> set[str]:
    directory = held_resources.directory()
    return set(os.listdir(directory)) if os.path.isdir(directory) else set()


def published_with_file(agency: Any, text: str = CLEAN, **fields: Any) -> tuple[dict, dict]:
    entry = new_entry(agency, resources=[], **fields)
    resource = helpers.call_action("resource_create", context=ctx(agency.editor),
                                   package_id=entry["id"], name="站点表", format="CSV",
                                   upload=upload(text))
    bring_to(agency, entry, wf.PUBLISHED)
    return entry, resource


def approve(agency: Any, entry: dict) -> dict:
    return helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                               id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)


def test_a_new_file_waits_and_nobody_gets_it_before_approval(agency):
    entry, first = published_with_file(agency)
    files_before = held_files()
    held = helpers.call_action("resource_create", context=ctx(agency.editor),
                               package_id=entry["id"], name="heldmark 新增站点", format="CSV",
                               upload=upload(REPLACED, "new.csv"))
    assert held[wf_key()] is True
    assert model.Resource.get(held["id"]) is None
    for who in (None, agency.outsider, agency.member, agency.editor, agency.admin):
        assert resource_ids(who, entry["id"]) == {first["id"]}, who
        found = helpers.call_action("package_search", context=ctx(who), q="heldmark",
                                    include_private=True)
        assert found["count"] == 0, who
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("resource_show", context=ctx(agency.admin), id=held["id"])
    state = helpers.call_action("govshare_publication_show", context=ctx(agency.editor),
                                id=entry["id"])
    assert state["state"] == wf.CHANGE_SUBMITTED
    assert [(r["id"], r["change"]) for r in state["pending_resources"]] == [
        (held["id"], held_resources.CREATE)]
    assert len(held_files() - files_before) == 1
    # the editor who added it does not approve it; an admin does
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govshare_publication_decide", context=ctx(agency.editor),
                            id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    approve(agency, entry)
    assert resource_ids(None, entry["id"]) == {first["id"], held["id"]}
    assert stored_bytes(held["id"]) == REPLACED
    assert model.Resource.get(held["id"]).url == "new.csv"
    assert held_files() == files_before  # the held copy is gone
    state = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert (state["state"], state["pending_resources"]) == (wf.PUBLISHED, [])


def wf_key() -> str:
    from ckanext.govshare.publication.logic.action import HELD_FOR_REVIEW
    return HELD_FOR_REVIEW


def test_a_replaced_file_keeps_the_approved_one_until_approval(agency):
    entry, resource = published_with_file(agency)
    helpers.call_action("resource_update", context=ctx(agency.editor), id=resource["id"],
                        name="站点表（更新）", format="CSV", upload=upload(REPLACED))
    assert stored_bytes(resource["id"]) == CLEAN
    shown = helpers.call_action("resource_show", context=ctx(None), id=resource["id"])
    assert shown["name"] == "站点表"  # the whole edit waits with its file
    approve(agency, entry)
    assert stored_bytes(resource["id"]) == REPLACED
    shown = helpers.call_action("resource_show", context=ctx(None), id=resource["id"])
    assert shown["name"] == "站点表（更新）"


def test_a_returned_change_deletes_the_held_file(agency):
    entry, resource = published_with_file(agency)
    files_before = held_files()
    helpers.call_action("resource_update", context=ctx(agency.editor), id=resource["id"],
                        format="CSV", upload=upload(REPLACED))
    assert len(held_files() - files_before) == 1
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.RETURN, reason="新文件缺少字段说明")
    assert held_files() == files_before
    assert stored_bytes(resource["id"]) == CLEAN
    assert helpers.call_action("govshare_publication_show",
                               id=entry["id"])["pending_resources"] == []


def test_through_package_update_a_new_link_waits_and_a_rename_goes_through(agency):
    entry = new_entry(agency, resources=[{"url": "https://data.example.gov.cn/a.csv",
                                          "name": "接口A", "format": "CSV"}])
    bring_to(agency, entry, wf.PUBLISHED)
    shown = helpers.call_action("package_show", context=ctx(agency.editor), id=entry["id"])
    link = shown["resources"][0]
    helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"],
                        resources=[{**link, "name": "接口A（更名）"},
                                   {"url": "https://data.example.gov.cn/b.csv",
                                    "name": "接口B", "format": "CSV"}])
    public = helpers.call_action("package_show", context=ctx(None), id=entry["id"])
    assert [r["name"] for r in public["resources"]] == ["接口A（更名）"]
    helpers.call_action("package_patch", context=ctx(agency.editor), id=entry["id"],
                        resources=[{**public["resources"][0],
                                    "url": "https://data.example.gov.cn/a-v2.csv"}])
    public = helpers.call_action("package_show", context=ctx(None), id=entry["id"])
    assert public["resources"][0]["url"] == "https://data.example.gov.cn/a.csv"
    approve(agency, entry)
    public = helpers.call_action("package_show", context=ctx(None), id=entry["id"])
    assert [(r["name"], r["url"]) for r in public["resources"]] == [
        ("接口A（更名）", "https://data.example.gov.cn/a-v2.csv"),
        ("接口B", "https://data.example.gov.cn/b.csv")]


def test_a_closed_entry_takes_new_files_at_once(agency):
    entry, _resource = published_with_file(
        agency, open_tier="closed", open_tier_reason="涉及国家秘密",
        open_tier_basis="《中华人民共和国保守国家秘密法》第十三条")
    created = helpers.call_action("resource_create", context=ctx(agency.editor),
                                  package_id=entry["id"], name="附表", format="CSV",
                                  upload=upload(REPLACED))
    assert model.Resource.get(created["id"]) is not None
    assert helpers.call_action("govshare_publication_show",
                               id=entry["id"])["state"] == wf.PUBLISHED


def test_an_invalid_new_resource_is_refused_and_nothing_is_held(agency):
    entry, _resource = published_with_file(agency)
    files_before = held_files()
    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("resource_create", context=ctx(agency.editor),
                            package_id=entry["id"], name="坏链接", format="CSV",
                            url="javascript:alert(1)")
    assert "url" in refused.value.error_dict
    state = helpers.call_action("govshare_publication_show", id=entry["id"])
    assert (state["state"], state["pending_resources"]) == (wf.PUBLISHED, [])
    assert held_files() == files_before


class TestPersonalDataBeforeOpening:
    def test_an_open_entry_with_personal_data_is_not_published(self, agency):
        entry = new_entry(agency, resources=[])
        resource = helpers.call_action("resource_create", context=ctx(agency.editor),
                                       package_id=entry["id"], name="人员名单", format="CSV",
                                       upload=upload(PERSONAL))
        helpers.call_action("govshare_publication_submit", context=ctx(agency.editor),
                            id=entry["id"])
        with pytest.raises(tk.ValidationError) as refused:
            approve(agency, entry)
        [line] = refused.value.error_dict["personal_data_checked"]
        assert "人员名单" in line
        assert helpers.call_action("govshare_publication_show",
                                   id=entry["id"])["state"] == wf.SUBMITTED
        # scanned during the review (the job had not run): the report is there
        assert reports.read(resource["id"])["hits"] == 1
        # another admin confirms the hits are not personal data: it opens
        helpers.call_action("govshare_pii_scan_confirm", context=ctx(agency.second_admin),
                            resource_id=resource["id"], reason="测试用虚构号码")
        assert approve(agency, entry)["state"] == wf.PUBLISHED

    def test_a_closed_entry_is_published_whatever_its_files(self, agency):
        entry = new_entry(agency, resources=[], open_tier="closed",
                          open_tier_reason="含未脱敏个人信息",
                          open_tier_basis="《个人信息保护法》第二十八条")
        helpers.call_action("resource_create", context=ctx(agency.editor),
                            package_id=entry["id"], name="人员名单", format="CSV",
                            upload=upload(PERSONAL))
        assert bring_to(agency, entry, wf.PUBLISHED)["state"] == wf.PUBLISHED

    def test_a_held_file_with_personal_data_is_returned_not_published(self, agency):
        entry, _resource = published_with_file(agency)
        helpers.call_action("resource_create", context=ctx(agency.editor),
                            package_id=entry["id"], name="新增名单", format="CSV",
                            upload=upload(PERSONAL, "list.csv"))
        with pytest.raises(tk.ValidationError) as refused:
            approve(agency, entry)
        assert "新增名单" in refused.value.error_dict["personal_data_checked"][0]
        assert len(resource_ids(agency.admin, entry["id"])) == 1

    def test_registration_numbers_are_not_mobile_numbers(self, agency):
        entry = new_entry(agency, resources=[])
        helpers.call_action("resource_create", context=ctx(agency.editor),
                            package_id=entry["id"], name="特种设备", format="CSV",
                            upload=upload("使用登记证编号,设备类别\n起17330100017(23),起重机械\n"))
        assert bring_to(agency, entry, wf.PUBLISHED)["state"] == wf.PUBLISHED
