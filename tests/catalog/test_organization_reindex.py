"""A change of an organization's name, title or short names re-indexes its
datasets: their search documents carry them (catalog/hooks.py)."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.lib.search.index as search_index
from ckan.tests import helpers

from tests import factories


@pytest.fixture()
def indexed(monkeypatch) -> list[str]:
    """The ids of the datasets indexed from now on, in order."""
    calls: list[str] = []
    original = search_index.PackageSearchIndex.index_package

    def spy(self, pkg_dict, defer_commit=False):
        calls.append(pkg_dict["id"])
        return original(self, pkg_dict, defer_commit)

    monkeypatch.setattr(search_index.PackageSearchIndex, "index_package", spy)
    return calls


def search(**kwargs: Any) -> dict[str, Any]:
    return helpers.call_action("package_search", **kwargs)


def found(**kwargs: Any) -> set[str]:
    return {r["name"] for r in search(**kwargs)["results"]}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestReindexOnNameChange:
    @pytest.fixture()
    def agency(self):
        admin = factories.Sysadmin()
        org = factories.Organization(name="weijian", title="市卫生健康委员会", alias="卫健委")
        other = factories.Organization(name="jiaoyu", title="市教育局", alias="教育局")
        datasets = {
            "active": factories.Dataset(name="hospitals", title="医疗机构名录",
                                        owner_org=org["id"]),
            "private": factories.Dataset(name="vaccination", title="预防接种门诊",
                                         owner_org=org["id"], private=True),
            "draft": factories.Dataset(name="epidemics", title="法定传染病统计",
                                       owner_org=org["id"], state="draft"),
            "deleted": factories.Dataset(name="old-list", title="旧名录", owner_org=org["id"]),
            "other": factories.Dataset(name="schools", title="中小学校名录",
                                       owner_org=other["id"]),
        }
        helpers.call_action("package_delete", {"user": admin["name"]},
                            id=datasets["deleted"]["id"])
        return {"org": org, "datasets": datasets, "admin": admin}

    def patch(self, agency: dict[str, Any], **changes: Any) -> dict[str, Any]:
        return helpers.call_action("organization_patch", {"user": agency["admin"]["name"]},
                                   id=agency["org"]["id"], **changes)

    def ids(self, agency, *keys: str) -> list[str]:
        return sorted(agency["datasets"][k]["id"] for k in keys)

    def test_a_new_short_name_reindexes_every_indexed_dataset(self, agency, indexed):
        self.patch(agency, alias="卫健委、卫计委")
        # any state CKAN indexes (drafts and private ones too), not deleted
        # ones, not another organization's
        assert sorted(indexed) == self.ids(agency, "active", "private", "draft")

    @pytest.mark.parametrize("changes", [{"title": "市卫生健康委"}, {"name": "wsjkw"},
                                         {"alias": ""}])
    def test_a_new_title_name_or_no_short_names_reindex(self, agency, indexed, changes):
        self.patch(agency, **changes)
        assert sorted(indexed) == self.ids(agency, "active", "private", "draft")

    @pytest.mark.parametrize("changes", [{"address": "城东区园林路 60 号"},
                                         {"alias": "卫健委"}, {"alias": " 卫健委，"},
                                         {"description": "新的职责简介"}])
    def test_other_edits_reindex_nothing(self, agency, indexed, changes):
        self.patch(agency, **changes)
        assert indexed == []

    def test_a_dataset_update_is_indexed_as_before(self, agency, indexed):
        # package_update calls IPackageController.edit, the same method name
        helpers.call_action("package_patch", {"user": agency["admin"]["name"]},
                            id=agency["datasets"]["active"]["id"], notes="更新的说明")
        assert indexed == [agency["datasets"]["active"]["id"]]

    def test_search_results_show_the_new_title(self, agency):
        self.patch(agency, title="市卫生健康委")
        titles = {r["organization"]["title"] for r in search(q="医疗机构名录")["results"]}
        assert titles == {"市卫生健康委"}

    def test_a_new_short_name_finds_the_datasets(self, agency):
        # 卫计委: the commission's name before 2018
        assert found(fq="organization_alias:卫计委") == set()
        self.patch(agency, alias="卫健委、卫计委")
        assert found(fq="organization_alias:卫计委") == {"hospitals"}
        assert found(q="卫计委") == {"hospitals"}
        assert found(q="卫健委") == {"hospitals"}
