"""Previews and online query (在线查询): a citizen reads an open CSV as a
table and a GeoJSON file as a map; a conditional file shows no preview.

The CSV goes the way every upload goes: ckanext-xloader's job (run here in
burst, as the worker would) fetches it from the portal itself (the live
server, with the site user's token: ``previews/loader.py``), loads it into
the DataStore and reports back through the Action API, which gives the
resource CKAN's table view. The map is ckanext-geoview's, on a plain
background (no base tiles from the internet).
"""
from __future__ import annotations

import io
import json

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import config
from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckan.tests import factories as ckan_factories

from tests import factories

ROWS = [("K1", "火车站—人民广场"), ("K2", "机场—会展中心"), ("K3", "大学城—老城区"),
        ("B17", "西站—东湖公园")]
CSV = ("线路,起止站点\n" + "".join(f"{code},{stops}\n" for code, stops in ROWS)).encode()
GEOJSON = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"名称": "人民广场站"},
     "geometry": {"type": "Point", "coordinates": [107.64, 35.71]}},
    {"type": "Feature", "properties": {"名称": "K1 线"},
     "geometry": {"type": "LineString", "coordinates": [[107.60, 35.70], [107.66, 35.73]]}},
]}, ensure_ascii=False).encode()


def upload(package_id: str, data: bytes, filename: str, user: str, **kwargs) -> dict:
    return call_action("resource_create", context={"user": user}, package_id=package_id,
                       upload=FakeFileStorage(io.BytesIO(data), filename), **kwargs)


def run_jobs() -> None:
    from ckan.lib import jobs

    jobs.Worker(["default"]).work(burst=True)
    model.Session.remove()


@pytest.fixture(scope="module")
def catalog(module_db, live_server):
    from ckan.lib import jobs

    # the worker's earlier tests queued a loader job for every CSV they
    # uploaded (their resources are gone): the burst below runs ours only
    jobs.get_queue().empty()
    sysadmin = ckan_factories.Sysadmin()
    org = factories.Organization()
    bus = factories.Dataset(owner_org=org["id"], name="bus-lines", title="公交线路",
                            resources=[])
    table = upload(bus["id"], CSV, "公交线路.csv", sysadmin["name"], name="线路表",
                   format="CSV")
    stops = upload(bus["id"], GEOJSON, "stations.geojson", sysadmin["name"], name="站点分布",
                   format="GeoJSON")
    credit = factories.Dataset(owner_org=org["id"], name="credit", title="企业信用",
                               open_tier="conditional", resources=[])
    secret = upload(credit["id"], CSV, "信用.csv", sysadmin["name"], name="信用表",
                    format="CSV")
    # the worker's jobs fetch from and report to the live server
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(config, "ckanext.xloader.site_url", f"http://{live_server.address}")
        run_jobs()
    return {"table": table, "stops": stops, "secret": secret, "credit": credit}


def test_the_job_loads_the_csv_into_the_datastore(catalog):
    for name in ("table", "secret"):
        resource = call_action("resource_show", id=catalog[name]["id"])
        assert resource["datastore_active"] is True, name
    rows = call_action("datastore_search", resource_id=catalog["table"]["id"], sort="_id")
    assert [(r["线路"], r["起止站点"]) for r in rows["records"]] == ROWS
    views = call_action("resource_view_list", id=catalog["table"]["id"])
    assert [v["view_type"] for v in views] == ["datatables_view"]
    # the conditional file's rows are in the DataStore, for those who have its data
    with pytest.raises(tk.NotAuthorized):
        call_action("datastore_search", context={"user": "", "ignore_auth": False},
                    resource_id=catalog["secret"]["id"])


def test_a_citizen_filters_the_table_and_sees_the_map(open_visitor, catalog):
    visitor = open_visitor().go(f"/dataset/bus-lines/resource/{catalog['table']['id']}")
    frame = visitor.page.frame_locator("iframe")
    rows = frame.locator("#dtprv tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(ROWS)
    assert frame.locator("#dtprv tbody").inner_text().count("人民广场") == 1
    search = frame.locator("input[aria-controls=dtprv]")   # 搜索 (on Enter)
    search.fill("B17")
    search.press("Enter")
    visitor.page.wait_for_function(
        "() => document.querySelector('iframe').contentDocument"
        ".querySelectorAll('#dtprv tbody tr').length === 1")
    assert "东湖公园" in frame.locator("#dtprv tbody").inner_text()

    visitor.go(f"/dataset/bus-lines/resource/{catalog['stops']['id']}")
    shapes = visitor.page.frame_locator("iframe").locator(
        "#map .leaflet-overlay-pane svg path")
    shapes.first.wait_for()
    assert shapes.count() >= 1
    markers = visitor.page.frame_locator("iframe").locator("#map .leaflet-marker-icon")
    assert markers.count() == 1
    visitor.check()


def test_a_conditional_file_shows_no_preview_to_an_outsider(open_visitor, catalog):
    visitor = open_visitor().go(f"/dataset/credit/resource/{catalog['secret']['id']}")
    page = visitor.page
    assert page.locator("iframe").count() == 0
    assert page.locator("text=仅向申请获批的申请人展示").count() == 1
    apply = page.locator("a.btn-primary", has_text="申请")
    assert apply.first.get_attribute("href").endswith("/dataset/credit/apply")
    visitor.check()
