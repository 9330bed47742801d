"""The product form's source picker: catalog entries suggested by words of
their title, Chinese or English, only those the viewer may see and never
data products; the form's field asks the suggestions and shows a chosen
entry by its title."""
from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests import factories

URL = "/api/util/govshare/product_source/autocomplete"
AGENCY = "市交通运输局"


@pytest.fixture(scope="module")
def catalog(module_db) -> dict[str, Any]:
    member = ckan_factories.User()
    stranger = ckan_factories.User()
    org = factories.Organization(title=AGENCY,
                                 users=[{"name": member["name"], "capacity": "editor"}])
    bus = factories.Dataset(owner_org=org["id"], name="city-bus-routes",
                            title="公交线路 City Bus Routes")
    factories.Dataset(owner_org=org["id"], name="air-quality",
                      title="空气质量监测 Air Quality Monitoring", open_tier="conditional")
    closed = factories.Dataset(owner_org=org["id"], name="bus-staff-list",
                               title="公交内部名单 Bus Staff", open_tier="closed")
    product = helpers.call_action(
        "package_create", context={"user": stranger["name"]}, type="data_product",
        name="bus-arrival-app", title="公交到站 Bus Arrival", notes="应用",
        product_kind="app", producer_type="person", producer_name="张三",
        sources=[{"dataset": bus["name"], "obtained_date": "2025-01-02"}])
    return {"member": member, "stranger": stranger, "bus": bus, "closed": closed,
            "product": product,
            "tokens": {role: ckan_factories.APIToken(user=user["name"])["token"]
                       for role, user in (("member", member), ("stranger", stranger))}}


def suggest(app, catalog, text: str, role: str = "", lang: str = "") -> list[dict[str, Any]]:
    headers = {"Authorization": catalog["tokens"][role]} if role else {}
    res = app.get(f"{lang}{URL}", query_string={"incomplete": text}, headers=headers)
    assert res.status_code == 200
    return res.json["ResultSet"]["Result"]


@pytest.mark.parametrize("text, names", [
    ("公交", ["city-bus-routes"]),              # two Chinese characters of a title
    ("空气 质量", ["air-quality"]),
    ("bus routes", ["city-bus-routes"]),
    ("Routes City", ["city-bus-routes"]),       # the words in any order
    ("quality", ["air-quality"]),
    ("city-bus-routes", ["city-bus-routes"]),   # the URL name
    ("地铁", []),
])
def test_entries_are_suggested_by_words_of_their_title(app, catalog, text, names):
    assert [entry["name"] for entry in suggest(app, catalog, text)] == names


def test_a_suggestion_names_the_entry_and_its_agency(app, catalog):
    [entry] = suggest(app, catalog, "公交")
    assert entry == {"name": "city-bus-routes", "title": "公交线路 City Bus Routes",
                     "organization": AGENCY, "label": f"公交线路 City Bus Routes（{AGENCY}）"}
    [entry] = suggest(app, catalog, "公交", lang="/en")
    assert entry["label"] == f"公交线路 City Bus Routes ({AGENCY})"


def test_closed_entries_only_for_their_agency_and_never_products(app, catalog):
    assert [e["name"] for e in suggest(app, catalog, "公交", role="stranger")] == \
        ["city-bus-routes"]
    assert sorted(e["name"] for e in suggest(app, catalog, "公交", role="member")) == \
        ["bus-staff-list", "city-bus-routes"]
    assert "bus-arrival-app" not in [e["name"] for e in suggest(app, catalog, "Bus Arrival")]


def test_nothing_typed_nothing_suggested_and_a_bad_limit_is_a_409(app, catalog):
    assert suggest(app, catalog, "  ") == []
    res = app.get(URL, query_string={"incomplete": "公交", "limit": "many"})
    assert res.status_code == 409
    assert res.json["error"]["limit"]
    with pytest.raises(helpers.logic.ValidationError) as error:
        helpers.call_action("govshare_product_source_autocomplete", q=" ")
    assert "q" in error.value.error_dict


def field(app, catalog, url: str) -> Any:
    res = app.get(url, headers={"Authorization": catalog["tokens"]["stranger"]})
    assert res.status_code == 200
    return BeautifulSoup(res.get_data(as_text=True), "html.parser").select_one(
        "#field-sources-0-dataset")


def test_the_form_asks_the_picker_and_shows_a_chosen_entry_by_its_title(app, catalog):
    new = field(app, catalog, "/data_product/new")
    assert new["data-module"] == "autocomplete govshare-source-picker"
    assert new["data-module-source"] == f"{URL}?incomplete=?"
    assert (new["data-module-key"], new["data-module-label"]) == ("name", "label")
    assert new["placeholder"] == "输入数据目录名称中的词语"
    edit = field(app, catalog, f"/data_product/edit/{catalog['product']['name']}")
    assert edit["value"] == catalog["bus"]["id"]        # what is stored and sent back
    assert edit["data-module-text"] == f"公交线路 City Bus Routes（{AGENCY}）"
