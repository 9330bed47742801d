"""The catalog entry through the dataset form, as an agency's editor fills it in."""
from __future__ import annotations

import re

import pytest

from ckan.lib.helpers import url_for

from tests import factories
from tests.catalog.conftest import form_fields, package_count, translated


DESENSITISE = ("A dataset open unconditionally or on conditions that contains personal data "
               "must be desensitised; otherwise it is not open")


def post_form(app, agency, **overrides):
    return app.post(url_for("dataset.new"), data=form_fields(agency["org"]["id"], **overrides),
                    headers={"Authorization": agency["token"]}, follow_redirects=False)


def field_error(body: str, field: str) -> str:
    """The error shown in the form group of ``field``: the HTML from its label
    to the label of the next field (its own sub-fields' labels included)."""
    labels = [(m.start(), m.group(1)) for m in re.finditer(r'for="field-([^"]+)"', body)]
    start = next(pos for pos, name in labels if name == field)
    end = next((pos for pos, name in labels
                if pos > start and name != field and not name.startswith(field + "-")),
               len(body))
    group = body[start:end]
    marker = 'class="error-block"'
    assert marker in group, f"no error shown at {field}"
    return group[group.index(marker):]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDatasetForm:
    def test_the_form_shows_the_catalog_fields_in_chinese(self, app, agency):
        response = app.get(url_for("dataset.new"), headers={"Authorization": agency["token"]})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        for label in ("资源代码", "资源分类", "主题分类", "信息项", "更新周期", "共享类型",
                      "共享方式", "开放类型", "开放方式", "使用要求", "数据分级", "已脱敏",
                      "含个人信息", "目录审核日期", "无条件开放", "有条件开放", "不予开放"):
            assert label in body, label
        assert 'name="info_items-0-name"' in body

    def test_english_labels(self, app, agency):
        response = app.get("/en" + url_for("dataset.new"),
                           headers={"Authorization": agency["token"]})
        body = response.get_data(as_text=True)
        for label in ("Resource code", "Openness tier", "Open on conditions", "Information items"):
            assert label in body, label

    def test_a_valid_form_creates_the_dataset(self, app, agency):
        before = package_count()
        response = post_form(app, agency)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert package_count() == before + 1
        created = app.get(url_for("api.action", ver=3, logic_function="package_show",
                                  id="public-parking-lots"),
                          headers={"Authorization": agency["token"]}).json["result"]
        assert created["info_items"] == [
            {"name": "停车场编号", "type": "string", "description": ""},
            {"name": "泊位数", "type": "integer", "description": ""}]
        assert created["data_format"] == ["CSV", "GeoJSON"]
        assert created["open_method"] == ["download"]
        assert created["contains_personal_data"] is False

    @pytest.mark.parametrize("overrides, field, message", [
        ({"open_tier": "conditional", "open_tier_basis": "《数据安全法》"}, "open_tier_reason",
         "Missing value: required for a dataset that is open on conditions or not open"),
        ({"open_tier": "closed", "open_tier_reason": "涉及个人隐私"}, "open_tier_basis",
         "Missing value: required for a dataset that is open on conditions or not open"),
        ({"open_tier": "public"}, "open_tier",
         "Unknown openness tier: use unconditional, conditional or closed"),
        ({"contains_personal_data": "True"}, "desensitised", DESENSITISE),
        ({"contains_personal_data": "True", "open_tier": "conditional",
          "open_tier_reason": "含个人信息", "open_tier_basis": "《数据安全法》"},
         "desensitised", DESENSITISE),
        ({"share_type": "conditional", "share_type_basis": "《共享规定》"}, "share_type_reason",
         "Missing value: required for a dataset that is shared on conditions or not shared"),
        ({"share_type": "not_shared", "share_type_reason": "涉密"}, "share_type_basis",
         "Missing value: required for a dataset that is shared on conditions or not shared"),
        ({"temporal_coverage_end": "2023-01-01"}, "temporal_coverage_end",
         "The temporal coverage cannot end before it starts"),
    ])
    def test_bad_input_is_a_field_error_and_nothing_is_saved(self, app, agency, overrides,
                                                             field, message):
        before = package_count()
        response = post_form(app, agency, **overrides)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert translated(app, message) in field_error(body, field)
        assert package_count() == before
        # what the editor typed is still in the form
        assert 'value="GS-JT-0005"' in body

    def test_duplicate_resource_code(self, app, agency):
        factories.Dataset(resource_code="gs-jt-0005")
        before = package_count()
        response = post_form(app, agency)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert translated(app, "This resource code is already used by another dataset") in \
            field_error(body, "resource_code")
        assert package_count() == before

    def test_no_information_items(self, app, agency):
        fields = {f"info_items-{i}-{k}": None for i in (0, 1) for k in ("name", "type",
                                                                         "description")}
        before = package_count()
        response = post_form(app, agency, **fields)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert translated(app, "List at least one information item") in \
            field_error(body, "info_items")
        assert package_count() == before

    def test_an_empty_information_item_row(self, app, agency):
        response = post_form(app, agency, **{"info_items-1-name": "", "info_items-1-type": ""})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert translated(app, "Missing value") in field_error(body, "info_items-1-name")
        assert 'value="停车场编号"' in body


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDatasetPages:
    def test_dataset_page_shows_the_catalog_fields(self, app, agency):
        factories.Dataset(name="bus-routes", owner_org=agency["org"]["id"],
                          resource_code="GS-JT-0001", open_tier="conditional",
                          info_items=[{"name": "线路编号", "type": "string",
                                       "description": "全市唯一"}])
        body = app.get(url_for("dataset.read", id="bus-routes")).get_data(as_text=True)
        for text in ("资源代码", "GS-JT-0001", "开放类型", "有条件开放", "信息项", "线路编号",
                     "全市唯一", "字符型", "基础信息资源", "每年"):
            assert text in body, text

    def test_resource_page_shows_the_license_in_the_sidebar_and_the_table(self, app, agency):
        """As the dataset page does, the resource page's sidebar shows the
        license under the resource list (not a stray row of the Additional
        Information table), and the table keeps its License row."""
        dataset = factories.Dataset(name="bus-routes", owner_org=agency["org"]["id"],
                                    license_id="cc-by",
                                    resources=[{"name": "stops", "format": "CSV",
                                                "url": "http://files.example.com/stops.csv"}])
        body = app.get(f"/dataset/bus-routes/resource/{dataset['resources'][0]['id']}")\
            .get_data(as_text=True)
        sidebar = body[body.index('<aside class="secondary'):body.index("</aside>")]
        assert "<tr" not in sidebar and "<td" not in sidebar
        assert sidebar.index('class="module module-narrow resources"') < \
            sidebar.index('class="module module-narrow module-shallow license"')
        license_module = sidebar[sidebar.index("module-shallow license"):]
        assert "授权" in license_module and "Creative Commons Attribution" in license_module
        table = body[body.index("<table"):body.index("</table>")]
        assert re.search(r'<th scope="row">授权</th>\s*<td>.*?Creative Commons Attribution',
                         table, re.S)

    def test_edit_form_keeps_the_values(self, app, agency):
        factories.Dataset(name="bus-routes", owner_org=agency["org"]["id"],
                          resource_code="GS-JT-0001",
                          info_items=[{"name": "线路编号", "type": "string"}])
        response = app.get(url_for("dataset.edit", id="bus-routes"),
                           headers={"Authorization": agency["token"]})
        body = response.get_data(as_text=True)
        assert 'value="GS-JT-0001"' in body
        assert 'name="info_items-0-name"' in body and 'value="线路编号"' in body

    def test_edit_form_refuses_another_datasets_code(self, app, agency):
        factories.Dataset(resource_code="GS-JT-0001")
        mine = factories.Dataset(name="bus-routes", owner_org=agency["org"]["id"],
                                 resource_code="GS-JT-0002")
        fields = form_fields(agency["org"]["id"], name="bus-routes", title=mine["title"],
                             resource_code="GS-JT-0001")
        for key in ("_ckan_phase", "pkg_name"):
            fields.pop(key)
        fields["save"] = ""
        response = app.post(url_for("dataset.edit", id="bus-routes"), data=fields,
                            headers={"Authorization": agency["token"]}, follow_redirects=False)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert translated(app, "This resource code is already used by another dataset") in \
            field_error(body, "resource_code")
        shown = app.get(url_for("api.action", ver=3, logic_function="package_show",
                                id="bus-routes")).json["result"]
        assert shown["resource_code"] == "GS-JT-0002"
