"""An organization's short names (简称, ``alias``): how they are typed, stored
and read back, shown on the form and on the about page."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for

from ckanext.govshare.catalog.logic.validators import aliases, govshare_organization_alias
from tests import factories
from tests.catalog.test_organization import organization_data

TOO_LONG = "市卫生健康委员会卫生健康综合监督执法支队队部"  # 22 characters
assert len(TOO_LONG) == 22
LENGTH_EN = "Each short name is 2 to 20 characters long: {names}"
LENGTH_ZH = "每个简称应为 2 至 20 个字符：{names}"
NOT_TEXT_EN = "Enter the short names as text, separated by commas"
NOT_TEXT_ZH = "请以文本填写简称，多个简称用顿号或逗号分隔"


# --------------------------------------------------------------------------- reading back
@pytest.mark.parametrize("stored, names", [
    (None, []),
    ("", []),
    ("  ", []),
    ("卫健委", ["卫健委"]),
    ("卫健委、市卫健委", ["卫健委", "市卫健委"]),
    ("卫健委,市卫健委，卫生健康委", ["卫健委", "市卫健委", "卫生健康委"]),
    ("卫健委; 市卫健委；卫健委", ["卫健委", "市卫健委"]),
    ("卫健委\n市卫健委\t 卫生健康委　", ["卫健委", "市卫健委", "卫生健康委"]),  # 　: U+3000
    ("、、卫健委、、", ["卫健委"]),
    ("SAMR、samr、市监局", ["SAMR", "市监局"]),
])
def test_aliases_reads_any_separator(stored, names):
    assert aliases(stored) == names


# --------------------------------------------------------------------------- the validator
@pytest.mark.parametrize("typed, stored", [
    ("卫健委，市卫健委", "卫健委、市卫健委"),
    (" 卫健委 ; 市卫健委；卫健委、 ", "卫健委、市卫健委"),
    ("卫健委\n市卫健委", "卫健委、市卫健委"),
    ("市场监管局, 市监局,", "市场监管局、市监局"),
    (["卫健委", " 市卫健委 ", "卫健委"], "卫健委、市卫健委"),
    ("AQI、aqi", "AQI"),
    ("", ""),
    ("，、；", ""),
    ("一" * 20, "一" * 20),
])
def test_validator_normalises(typed, stored):
    assert govshare_organization_alias(typed, {}) == stored


@pytest.mark.parametrize("typed, wrong", [
    ("卫、卫健委", "卫"),
    (f"卫健委、{TOO_LONG}", TOO_LONG),
    (f"卫、{TOO_LONG}", f"卫、{TOO_LONG}"),
])
def test_validator_refuses_a_short_name_too_short_or_too_long(app, typed, wrong):
    with app.flask_app.test_request_context("/"):
        with pytest.raises(tk.Invalid) as error:
            govshare_organization_alias(typed, {})
    assert error.value.error == LENGTH_ZH.format(names=wrong)


@pytest.mark.parametrize("typed", [5, {"a": "卫健委"}, ["卫健委", 3]])
def test_validator_refuses_what_is_not_text(app, typed):
    with app.flask_app.test_request_context("/"):
        with pytest.raises(tk.Invalid) as error:
            govshare_organization_alias(typed, {})
    assert error.value.error == NOT_TEXT_ZH


# --------------------------------------------------------------------------- the API
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestAliasApi:
    @pytest.fixture()
    def token(self):
        return factories.SysadminWithToken()["token"]

    def test_stored_normalised_and_read_back(self, api, token):
        api("organization_create", organization_data(alias="交通局，交通运输局；交通局"), token)
        shown = api("organization_show", {"id": "jiaotong"}).json["result"]
        assert shown["alias"] == "交通局、交通运输局"
        assert aliases(shown["alias"]) == ["交通局", "交通运输局"]

    def test_optional(self, api, token):
        api("organization_create", organization_data(), token)
        shown = api("organization_show", {"id": "jiaotong"}).json["result"]
        assert aliases(shown.get("alias")) == []

    def test_a_bad_short_name_is_a_409_in_chinese(self, api, token):
        response = api("organization_create", organization_data(alias=f"交通局、{TOO_LONG}"),
                       token, status=409)
        error = response.json["error"]
        assert error["__type"] == "Validation Error"
        assert error["alias"] == [LENGTH_ZH.format(names=TOO_LONG)]

    def test_cleared(self, api, token):
        org = factories.Organization(alias="交通局")
        api("organization_patch", {"id": org["id"], "alias": ""}, token)
        shown = api("organization_show", {"id": org["id"]}).json["result"]
        assert aliases(shown.get("alias")) == []


# --------------------------------------------------------------------------- the pages
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestAliasPages:
    def post(self, app, token, prefix="", **overrides):
        data = {**organization_data(**overrides), "image_url": "", "save": ""}
        return app.post(prefix + url_for("organization.new"), data=data,
                        headers={"Authorization": token}, follow_redirects=False)

    def test_the_form_has_the_field_with_its_help(self, app):
        token = factories.SysadminWithToken()["token"]
        body = app.get(url_for("organization.new"),
                       headers={"Authorization": token}).get_data(as_text=True)
        assert 'name="alias"' in body
        assert ">简称<" in body
        assert "本部门常用简称，多个简称用顿号或逗号分隔" in body
        assert "公众搜索简称即可找到本部门的数据" in body
        assert "例如：卫健委、市卫健委" in body

    def test_the_edit_form_shows_the_stored_short_names(self, app):
        token = factories.SysadminWithToken()["token"]
        org = factories.Organization(alias="卫健委，市卫健委")
        body = app.get(url_for("organization.edit", id=org["name"]),
                       headers={"Authorization": token}).get_data(as_text=True)
        assert 'value="卫健委、市卫健委"' in body

    @pytest.mark.parametrize("prefix, message", [("", LENGTH_ZH), ("/en", LENGTH_EN)])
    def test_a_bad_short_name_is_a_field_error(self, app, prefix, message):
        token = factories.SysadminWithToken()["token"]
        response = self.post(app, token, prefix=prefix, alias="卫、卫健委")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        start = body.index('for="field-alias"')
        group = body[start:body.index('for="field-description"')]
        assert message.format(names="卫") in group

    def test_the_form_saves_them_normalised(self, app):
        token = factories.SysadminWithToken()["token"]
        assert self.post(app, token, alias="交通局 交通运输局").status_code == 302
        org = tk.get_action("organization_show")({"ignore_auth": True}, {"id": "jiaotong"})
        assert org["alias"] == "交通局、交通运输局"

    @pytest.mark.parametrize("prefix, label", [("", "简称"), ("/en", "Short names")])
    def test_the_about_page_shows_them(self, app, prefix, label):
        org = factories.Organization(alias="卫健委、市卫健委")
        body = app.get(prefix + url_for("organization.about", id=org["name"])).get_data(
            as_text=True)
        start = body.index(f"{label}:")
        assert "卫健委、市卫健委" in body[start:start + 200]
