"""package_search as the catalog changes: each test on a catalog of its own
(``test_package_search`` builds it), on both engines."""
from __future__ import annotations

import pytest

from tests import factories
from tests.search.test_package_search import (as_sysadmin, build_catalog, names,
                                              search, visible)


@pytest.fixture()
def catalog(clean_db):
    return build_catalog()


@pytest.mark.usefixtures("search_backend", "with_plugins")
class TestChanges:
    def test_resource_names_are_not_stemmed(self, catalog):
        factories.Dataset(name="route-stats", owner_org=catalog["jiaotong"]["id"], resources=[
            {"url": "http://example.com/s.csv", "format": "CSV", "name": "Route statistics"}])
        assert names(search(q="res_name:statistics")) == ["route-stats"]
        assert search(q="res_name:statistic")["count"] == 0
        assert names(search(q="text:statistic")) == ["route-stats"]

    def test_facet_counts_change_when_the_index_changes(self, catalog):
        facets = {"facet.field": '["organization"]'}
        assert search(**facets)["facets"]["organization"]["huanjing"] == 1
        factories.Dataset(owner_org=catalog["huanjing"]["id"])
        assert search(**facets)["facets"]["organization"]["huanjing"] == 2
        as_sysadmin("package_delete", id="kongqi-zhiliang")
        assert search(**facets)["facets"]["organization"]["huanjing"] == 1

    def test_sort_by_modification_time(self, catalog):
        as_sysadmin("package_patch", id="bus-routes", notes="updated")
        assert names(search(sort="metadata_modified desc"))[0] == "bus-routes"
        assert names(search(sort="metadata_modified asc"))[0] == "gongjiao-xianlu"

    def test_permission_labels_of_the_index_drive_visibility(self, catalog):
        # making the dataset public moves it into everyone's results at once
        as_sysadmin("package_patch", id="dibiaoshui", private=False)
        found, _ = visible(None, q="水质")
        assert found == {"dibiaoshui"}
