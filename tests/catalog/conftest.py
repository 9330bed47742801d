"""Fixtures for the catalog schema tests: an agency with an editor, the API as
a client calls it, and the dataset form as the editor submits it."""
from __future__ import annotations

from typing import Any

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.helpers import url_for

from tests import factories


@pytest.fixture()
def agency():
    """An organization with an editor who has an API token."""
    editor = factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    token = factories.APIToken(user=editor["name"])["token"]
    return {"org": org, "editor": editor, "token": token}


def full_dataset(org_id: str, **overrides: Any) -> dict[str, Any]:
    """A catalog entry with every field of the schema filled in, as JSON."""
    data = {
        "name": "city-bus-routes",
        "title": "城市公交线路",
        "notes": "全市城市公交线路基础信息。",
        "owner_org": org_id,
        "resource_code": "GS-JT-0001",
        "resource_category": "thematic",
        "subject_category": "transport",
        "tags": [{"name": "公交"}],
        "maintainer": "周晓岚",
        "maintainer_email": "data-jiaotong@govshare.example",
        "contact_phone": "0571-12345678",
        "author": "公共交通处",
        "author_email": "gjc@govshare.example",
        "data_format": ["CSV", "JSON"],
        "info_items": [
            {"name": "线路编号", "type": "string", "description": "全市唯一"},
            {"name": "站点数", "type": "integer", "description": ""},
            {"name": "首班时间", "type": "string"},
        ],
        "update_frequency": "monthly",
        "spatial_coverage": "全市",
        "temporal_coverage_start": "2024-01-01",
        "temporal_coverage_end": "2024-06-30",
        "language": "zh-CN",
        "source_system": "公交运营监管平台",
        "share_type": "conditional",
        "share_type_reason": "仅向履行交通运输管理职责的部门共享",
        "share_type_basis": "《政务数据共享管理规定》第八条",
        "share_method": ["api", "file"],
        "open_tier": "conditional",
        "open_tier_reason": "含经营者信息",
        "open_tier_basis": "《数据安全法》",
        "open_conditions": "签署数据利用协议",
        "open_method": ["download", "api"],
        "usage_requirements": "注明数据来源和获取日期",
        "license_id": "cc-by",
        "release_date": "2024-07-20",
        "data_grade": "L2",
        "contains_personal_data": True,
        "desensitised": True,
        "last_reviewed": "2026-06-30",
        "url": "http://example.com/bus",
        "version": "1.0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture()
def api(app):
    """``api(action, data, token)``: POST to the Action API, return the response."""

    def call(action: str, data: dict[str, Any], token: str | None = None, status: int = 200):
        headers = {"Authorization": token} if token else {}
        return app.post(url_for("api.action", ver=3, logic_function=action), json=data,
                        headers=headers, status=status)

    return call


def package_count() -> int:
    """Every dataset row, drafts and deleted ones included."""
    model.Session.remove()
    return model.Session.query(model.Package).count()


def form_fields(org_id: str, **overrides: Any) -> dict[str, Any]:
    """The new-dataset form (first stage) as the browser posts it."""
    data: dict[str, Any] = {
        "_ckan_phase": "dataset_new_1",
        "pkg_name": "",
        "save": "continue",
        "title": "公共停车场信息",
        "name": "public-parking-lots",
        "notes": "全市公共停车场信息。",
        "resource_code": "GS-JT-0005",
        "resource_category": "thematic",
        "subject_category": "transport",
        "tag_string": "停车,交通出行",
        "owner_org": org_id,
        "maintainer": "周晓岚",
        "maintainer_email": "data-jiaotong@govshare.example",
        "contact_phone": "",
        "author": "",
        "author_email": "",
        "data_format": ["CSV", "GeoJSON"],
        "info_items-0-name": "停车场编号",
        "info_items-0-type": "string",
        "info_items-0-description": "",
        "info_items-1-name": "泊位数",
        "info_items-1-type": "integer",
        "info_items-1-description": "",
        "update_frequency": "quarterly",
        "spatial_coverage": "全市",
        "temporal_coverage_start": "2024-01-01",
        "temporal_coverage_end": "",
        "language": "zh-CN",
        "source_system": "",
        "share_type": "unconditional",
        "open_tier": "unconditional",
        "open_tier_reason": "",
        "open_tier_basis": "",
        "open_conditions": "",
        "open_method": "download",
        "usage_requirements": "",
        "license_id": "cc-by",
        "release_date": "2024-07-20",
        "data_grade": "L1",
        "contains_personal_data": "False",
        "desensitised": "False",
        "last_reviewed": "",
        "url": "",
        "version": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def translated(app, message: str) -> str:
    """``message`` in the site's default language (how the API and forms answer)."""
    with app.flask_app.test_request_context():
        return tk._(message)
