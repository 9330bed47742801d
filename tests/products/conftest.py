"""Fixtures of the data product tests: the tier tests' world (one agency's
unconditional, conditional and closed datasets, each with an uploaded file,
and the callers the tiers tell apart) plus helpers to register products."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare import workdays
from ckanext.govshare.applications.model import Grant
from tests.applications.conftest import application_data, approve_and_accept
from tests.tiers.conftest import World, build_world

PRODUCT_TYPE = "data_product"


@pytest.fixture()
def world(with_plugins, clean_db) -> World:
    return build_world(with_views=False)


def today() -> str:
    return workdays.local_today().isoformat()


def days_ago(n: int) -> str:
    return (workdays.local_today() - dt.timedelta(days=n)).isoformat()


def product_data(sources: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "type": PRODUCT_TYPE,
        "name": "bus-app",
        "title": "公交到站查询 productmark",
        "notes": "用公交线路数据做的到站查询应用",
        "product_kind": "app",
        "producer_type": "person",
        "producer_name": "张三",
        "url": "https://apps.example.com/bus",
        "sources": sources,
    }
    data.update(overrides)
    return data


def register(world: World, role: str, sources: Any, **overrides: Any) -> dict[str, Any]:
    """package_create of a product as ``role`` (auth and validation as for
    an API call)."""
    return helpers.call_action("package_create", context=world.context(role),
                               **product_data(sources, **overrides))


def product_count() -> int:
    return model.Session.query(model.Package).filter(
        model.Package.type == PRODUCT_TYPE).count()


def grant(world: World, role: str, tier: str = "conditional") -> Grant:
    """An approved application of ``role``'s for the dataset: its grant."""
    created = helpers.call_action(
        "govshare_application_create", context=world.context(role),
        **application_data(world.datasets[tier]["id"]))
    approve_and_accept(created["id"], world.users["sysadmin"], world.users[role])
    return model.Session.query(Grant).filter(Grant.application_id == created["id"]).one()


def download(app, world: World, role: str, tier: str) -> None:
    upload = world.uploads[tier]
    res = app.get(f"/dataset/tier-{tier}/resource/{upload['id']}/download",
                  headers=world.headers(role))
    assert res.status_code == 200
