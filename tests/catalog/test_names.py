"""A URL name made from a Chinese title when the editor leaves it empty
(catalog/names.py): CKAN's slug drops Chinese characters, so a title in
Chinese only used to fail with "网址: 缺失值"."""
from __future__ import annotations

import pytest

from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare.catalog import names
from tests.catalog.conftest import form_fields, full_dataset


@pytest.mark.parametrize("title, name", [
    ("重庆市公交到站查询", "chongqingshi-gongjiao-dao-zhan-chaxun"),
    ("空气质量 Air Quality 2024", "kongqizhiliang-air-quality-2024"),
    ("2024年（日报）", "2024-nian-ribao"),
])
def test_the_name_is_the_title_in_pinyin(title, name):
    assert names.slug(title) == name


def test_a_taken_name_gets_a_number():
    taken = {"gongjiao", "gongjiao-2"}
    assert names.unique_name("gongjiao", taken.__contains__) == "gongjiao-3"
    long = "a" * names.MAX_LENGTH
    assert len(names.unique_name(long, {long}.__contains__)) <= names.MAX_LENGTH


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestEmptyName:
    def test_the_api_makes_it_and_numbers_a_second_one(self, api, agency):
        data = full_dataset(agency["org"]["id"], name=None, title="城市公交线路")
        first = api("package_create", data, agency["token"]).json["result"]
        second = api("package_create", {**data, "resource_code": "GS-JT-0002"},
                     agency["token"]).json["result"]
        assert (first["name"], second["name"]) == ("chengshi-gongjiaoxianlu",
                                                   "chengshi-gongjiaoxianlu-2")

    def test_a_given_name_is_kept_and_updates_keep_theirs(self, api, agency):
        data = full_dataset(agency["org"]["id"], name="city-bus")
        created = api("package_create", data, agency["token"]).json["result"]
        assert created["name"] == "city-bus"
        patched = helpers.call_action("package_patch", context={"user": agency["editor"]["name"]},
                                      id=created["id"], title="新标题")
        assert patched["name"] == "city-bus"

    def test_the_form_with_a_chinese_title_only(self, app, agency):
        response = app.post(url_for("dataset.new"),
                            data=form_fields(agency["org"]["id"], name="", title="公共停车场"),
                            headers={"Authorization": agency["token"]},
                            follow_redirects=False)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert "/dataset/gonggong-tingchechang/resource/new" in response.headers["Location"]
