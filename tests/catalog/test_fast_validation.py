"""CKAN's schema validation with :mod:`ckanext.govshare.catalog.fast_validation`
answers exactly what CKAN's own functions answer: the same data in the same
key order, the same errors, the same exceptions."""
from __future__ import annotations

import contextlib
import copy
import hashlib
import inspect
import json
from typing import Any, Callable, Iterator

import pytest

import ckan.lib.plugins as lib_plugins
import ckan.logic.schema as core_schema
import ckan.model as model
from ckan.lib.navl import dictization_functions as df
from ckan.lib.navl.dictization_functions import MissingNullEncoder
from ckan.tests.helpers import call_action

from ckanext.govshare.catalog import fast_validation

from tests import factories
from tests.catalog.conftest import full_dataset

#: sha256 (first 16 hex digits) of CKAN 2.11's source of each replaced
#: function: when CKAN changes one, compare it with this module's version
#: and record the new digest
CKAN_SOURCES = {
    "flattened_order_key": "cf53ad74f1268773",
    "get_all_key_combinations": "e421c62443be898c",
    "make_full_schema": "ac7cd3a4d86ce3a1",
    "augment_data": "474e338c95be8855",
    "_validate": "d54d4de07db8005c",
}


@contextlib.contextmanager
def ckan_own() -> Iterator[None]:
    """CKAN's own validation functions, for the length of the block."""
    fast_validation.uninstall()
    try:
        yield
    finally:
        fast_validation.install()


def outcome(run: Callable[[], tuple[Any, Any]]) -> str:
    """The result and errors as JSON in their key order, or the exception."""
    try:
        data, errors = run()
    except Exception as error:  # noqa: BLE001 - the exception is the outcome
        return f"{type(error).__name__}: {error}"
    return json.dumps([data, errors], cls=MissingNullEncoder, ensure_ascii=False,
                      default=repr)


def assert_same(run: Callable[[], tuple[Any, Any]]) -> str:
    with ckan_own():
        expected = outcome(run)
    assert outcome(run) == expected
    return expected


def test_installed_in_place_of_ckans():
    for name in CKAN_SOURCES:
        assert getattr(df, name) is getattr(fast_validation, name)
    with ckan_own():
        assert df._validate is fast_validation.original("_validate")
        assert df._validate is not fast_validation._validate
    assert df._validate is fast_validation._validate


@pytest.mark.parametrize("name", sorted(CKAN_SOURCES))
def test_ckans_functions_are_those_these_were_made_from(name):
    source = inspect.getsource(fast_validation.original(name))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == CKAN_SOURCES[name], (
        f"CKAN's {name} changed: check catalog/fast_validation.py against it")


def _context(user: dict[str, Any]) -> dict[str, Any]:
    return {"model": model, "session": model.Session, "user": user["name"]}


def _plugin_validate(data: dict[str, Any], action: str, user: dict[str, Any]
                     ) -> Callable[[], tuple[Any, Any]]:
    plugin = lib_plugins.lookup_package_plugin(data.get("type", "dataset"))
    schema_of = {"package_show": plugin.show_package_schema,
                 "package_create": plugin.create_package_schema,
                 "package_update": plugin.update_package_schema}[action]

    def run() -> tuple[Any, Any]:
        return lib_plugins.plugin_validate(plugin, _context(user), copy.deepcopy(data),
                                           schema_of(), action)
    return run


def test_a_stored_dataset_as_the_search_index_validates_it(clean_db):
    admin = factories.Sysadmin()
    org = factories.Organization()
    dataset = call_action("package_create", {"user": admin["name"]}, **full_dataset(
        org["id"], resources=[
            {"url": "http://example.com/a.csv", "name": "线路", "format": "CSV"},
            {"url": "http://example.com/b.json", "name": "站点", "format": "JSON",
             "description": "每日更新"}]))
    stored = call_action("package_show", {"validate": False, "use_cache": False},
                         id=dataset["id"])
    assert stored["resources"] and stored["extras"]
    result = json.loads(assert_same(_plugin_validate(stored, "package_show", admin)))
    assert result[0]["resource_code"] == "GS-JT-0001"  # taken out of the extras


@pytest.mark.parametrize("changes", [
    {},
    {"maintainer_email": "not an address", "release_date": "2024-13-40",
     "open_tier": "nonsense"},
    {"owner_org": None, "name": "Bad Name!"},
    {"unknown_top_level": "junk", "tags": [{"name": "公交", "colour": "red"}]},
    {"resources": [{"url": "http://example.com/x.csv", "junk_key": 1}, {}]},
    {"resources": "not a list"},
    {"resources": [], "tags": []},
    {"info_items": [{"name": "a"}, {"type": "integer"}], "extras": [{"key": "k", "value": "v"}]},
])
def test_the_dataset_form_and_api_with_good_and_bad_input(clean_db, changes):
    admin = factories.Sysadmin()
    org = factories.Organization()
    data = {**full_dataset(org["id"]), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    assert_same(_plugin_validate(data, "package_create", admin))
    assert_same(_plugin_validate({**data, "id": "no-such-id"}, "package_update", admin))


@pytest.mark.parametrize("schema, data", [
    (core_schema.default_user_schema, {"name": "x", "email": "bad", "password": "short",
                                       "fullname": "张三", "junk": [1, 2]}),
    (core_schema.default_group_schema, {"name": "g", "title": "组", "users": [{"name": "u"}],
                                        "extras": [{"key": "a", "value": "b"}, {}],
                                        "packages": [{"name": "p"}, {"id": "q"}]}),
    (core_schema.default_package_search_schema, {"q": "公交", "rows": "x", "fq_list": "a",
                                                 "facet.field": ["tags"], "junk": 1}),
    (core_schema.default_resource_schema, {"url": "http://example.com", "extra_field": "x"}),
])
def test_ckans_own_schemas(clean_db, schema, data):
    user = factories.Sysadmin()
    assert_same(lambda: df.validate(copy.deepcopy(data), schema(), _context(user)))


def test_nested_lists_with_gaps_and_sub_schema_misuse():
    schema = {"name": [lambda v: v],
              "__before": [lambda k, d, e, c: None],
              "__after": [lambda k, d, e, c: None],
              "__junk": [lambda k, d, e, c: None],
              "items": {"value": [lambda v: v], "__extras": [lambda k, d, e, c: None],
                        "parts": {"size": [lambda v: v]}}}
    for data in (
        {"name": "a", "items": [{"value": 1, "parts": [{"size": 2, "odd": 3}]},
                                {"other": 4}]},
        {"name": "a", "items": [{"parts": "oops"}]},
        {"name": "a", "items": [{"parts": [{"size": 2}]}]},  # no key of its own at items.0
        {"name": "a", "items": [{"parts": [{"size": 2}], "value": 1}]},  # children first
        {"name": "a", "items": "oops"},
        {"items": [], "more": {"x": 1}},
    ):
        assert_same(lambda: df.validate(copy.deepcopy(data), schema, {}))
