"""Closed means closed on every surface CKAN has: the lists come from the system.

``test_surface_matrix.py`` says, surface by surface, what each caller sees of
each tier. This module makes sure there is no surface it forgot. At test time
it enumerates

* every action registered in CKAN with this portal's plugins loaded
  (``ckan.logic`` action registry),
* every GET route of the Flask app (``url_map``),
* every template helper,

and probes each one as the three callers that must not see a closed dataset's
metadata nor a conditional dataset's data (anonymous, a logged-in stranger, a
member of another organization), with the ids, names and queries that would
bring them out, while the closed dataset is open to an interested party
(利害关系人) who asked for it by a data request (its id and its grant's are
among what the callers send). Nothing the caller did not send may come back: the closed
dataset's title, notes, name, id, tag, resource format, resource names and ids,
its files, DataStore rows, preview and activities, nor the conditional
dataset's link URL, file and rows, nor those of a closed dataset shared on
conditions with agencies (whose entry the member of another organization sees,
agency staff, but not its data before a sharing request is approved),
nor anything of an unconditional entry that is not yet published
(submitted for review, review on: :mod:`ckanext.govshare.publication`). The
few surfaces that cannot be probed this way are listed once, in ``NOT_PROBED``,
with the reason; a test fails when one of them disappears, so the list stays
true. Anything newly registered is probed without anyone
adding it here.

The probes go through the actions and the app as the callers would, with
every argument a caller could pass that names the dataset, its resources, its
organization, its group, its tag or its activities. Actions that change
things run first (as these callers they must all be refused, or touch only
the caller's own things), so that a change one of them let through shows on
the reads after it.
"""
from __future__ import annotations

import inspect
import itertools
import json
import re
from typing import Any, Iterator
from urllib.parse import quote

import pytest

import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import config
from ckan.lib import helpers as core_helpers
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.tiers import policy

from .conftest import (World, build_world, file_bytes, link_url, make_dataset, row_marker,
                       upload_resource)

#: The callers that see neither closed metadata nor conditional data.
OUTSIDERS = ("anonymous", "stranger", "other_org_member")

#: What a caller may find with a search: the closed dataset's own words.
NEEDLE = "zqx"
CLOSED_TAG = "zqxclosedtag"
CLOSED_FORMAT = "ZQXFMT"
CLOSED_NOTES = "zqx-closed-notes-5e7b"
UNPUBLISHED_TITLE = "待审核的目录 zqx-unpublished-3d8a"
UNPUBLISHED_LINK = "http://files.example.org/unpublished/zqx-unpublished-link.csv"
HELD_NAME = "待审核的新资源 zqx-held-5c1e"
HELD_LINK = "http://files.example.org/held/zqx-held-link.csv"
#: the data of the closed dataset shared on conditions (共享申请 required)
SHARED_LINK = "http://files.example.org/shared/zqx-shared-link-2b7f.csv"
SHARED_FILE = b"id,name\n1,shared-on-conditions-file-6a1d\n"
SHARED_ROW = "shared-on-conditions-row-8e4c"

#: The plugins of test.ini, the previews and every DCAT endpoint, so that
#: their actions and routes are enumerated too.
pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", " ".join(tk.aslist(config.get("ckan.plugins"))
                                                     + ["image_view", "dcat_json_interface"])),
    pytest.mark.ckan_config(options.PUBLICATION_REVIEW, True),
]

#: Surfaces not probed, each with the reason. Everything else registered is
#: (template helpers: those a template calls without handing them data).
NOT_PROBED: dict[str, str] = {
    "route:api.action": "the Action API: every action is probed directly, through "
                        "the function this route calls",
    "route:static": "the portal's own static files, no catalog data",
    "route:webassets.index": "compiled JavaScript and CSS bundles, no catalog data",
}


# --------------------------------------------------------------------- the world
class Probe(dict):
    """The world plus what a caller would send to name its pieces."""


@pytest.fixture(scope="module")
def world(module_db) -> Probe:
    base = build_world(with_views=True)
    admin = {"user": base.user("sysadmin"), "ignore_auth": False}
    closed = base.datasets[policy.CLOSED]
    # a name of its own (``tier-closed`` is also the closed badge's CSS class,
    # which agency staff read on the page of the entry shared with them)
    helpers.call_action("package_patch", context=admin, id=closed["id"], notes=CLOSED_NOTES,
                        name="zqx-closed-entry-4d2c",
                        tags=[{"name": "tiermark"}, {"name": CLOSED_TAG}])
    odd = helpers.call_action("resource_create", context=admin, package_id=closed["id"],
                              url="http://files.example.org/zqx-closed-odd.bin",
                              name="zqx closed odd resource", format=CLOSED_FORMAT)
    group = ckan_factories.Group(user={"name": base.user("sysadmin")})
    for dataset in base.datasets.values():
        helpers.call_action("member_create", context=admin, id=group["id"],
                            object=dataset["id"], object_type="package", capacity="public")
    closed = helpers.call_action("package_show", context=admin, id=closed["id"])
    activities = helpers.call_action("package_activity_list", context=admin, id=closed["id"])
    with pytest.MonkeyPatch.context() as patch:  # the marks apply to tests, not to this
        patch.setitem(config, options.PUBLICATION_REVIEW, True)
        unpublished = make_dataset(
            policy.UNCONDITIONAL, name="tier-unpublished-zqx", title=UNPUBLISHED_TITLE,
            owner_org=base.owner_org["id"], tags=[{"name": "tiermark"}],
            resources=[{"url": UNPUBLISHED_LINK, "name": "unpublished link",
                        "format": "CSV"}])
        helpers.call_action("member_create", context=admin, id=group["id"],
                            object=unpublished["id"], object_type="package",
                            capacity="public")
        helpers.call_action("govshare_publication_submit", context=admin,
                            id=unpublished["id"])
        # a new resource of a published open entry, held for review
        held = helpers.call_action(
            "resource_create", context=admin, package_id=base.datasets[policy.UNCONDITIONAL]["id"],
            url=HELD_LINK, name=HELD_NAME, format="CSV")
        assert held["govshare_held_for_review"] is True
    shared = make_dataset(policy.CLOSED, name="agency-shared-entry-zqx",
                          owner_org=base.owner_org["id"], tags=[{"name": "tiermark"}],
                          share_type=policy.SHARED_ON_CONDITIONS,
                          resources=[{"url": SHARED_LINK, "name": "shared link",
                                      "format": "CSV"}])
    shared_upload = upload_resource(shared["id"], SHARED_FILE, "shared-数据.csv",
                                    base.user("sysadmin"), name="shared upload", format="CSV")
    helpers.call_action(
        "datastore_create", context=admin, resource_id=shared_upload["id"], force=True,
        fields=[{"id": "id", "type": "int"}, {"id": "name", "type": "text"}],
        records=[{"id": 1, "name": SHARED_ROW}])
    helpers.call_action("member_create", context=admin, id=group["id"], object=shared["id"],
                        object_type="package", capacity="public")
    shared = helpers.call_action("package_show", context=admin, id=shared["id"])
    [party_grant] = helpers.call_action("govshare_grant_list", context=admin,
                                        package_id=closed["id"])["results"]
    return Probe(base=base, closed=closed, odd=odd, group=group, activities=activities,
                 unpublished=unpublished, held=held, shared=shared, shared_upload=shared_upload,
                 party_grant=party_grant["id"])


def closed_markers(world: Probe) -> dict[str, str]:
    """What no outsider may read: the closed dataset's metadata and data."""
    base: World = world["base"]
    closed = world["closed"]
    markers = {
        "closed title": closed["title"],
        "closed name": closed["name"],
        "closed id": closed["id"],
        "closed notes": CLOSED_NOTES,
        "closed tag": CLOSED_TAG,
        "closed format": CLOSED_FORMAT,
        "closed link": link_url(policy.CLOSED),
        "closed file": file_bytes(policy.CLOSED)[:30].decode(),
        "closed odd resource": world["odd"]["id"],
        "closed view": base.views[policy.CLOSED]["id"],
        "closed rows": row_marker(policy.CLOSED),
    }
    for kind in ("links", "uploads"):
        resource = getattr(base, kind)[policy.CLOSED]
        markers[f"closed {kind} id"] = resource["id"]
        markers[f"closed {kind} name"] = resource["name"]
    for activity in world["activities"]:
        markers[f"closed activity {activity['activity_type']}"] = activity["id"]
    unpublished = world["unpublished"]
    markers.update({
        "unpublished title": UNPUBLISHED_TITLE,
        "unpublished name": unpublished["name"],
        "unpublished id": unpublished["id"],
        "unpublished link": UNPUBLISHED_LINK,
        "unpublished resource id": unpublished["resources"][0]["id"],
        "held resource name": HELD_NAME,
        "held resource link": HELD_LINK,
        "held resource id": world["held"]["id"],
    })
    return markers


def data_markers(world: Probe) -> dict[str, str]:
    """What no outsider may read of a conditional dataset: its data."""
    base: World = world["base"]
    upload = base.uploads[policy.CONDITIONAL]
    return {
        "conditional link": link_url(policy.CONDITIONAL),
        "conditional upload": f"/resource/{upload['id']}/download",
        "conditional file": file_bytes(policy.CONDITIONAL)[:30].decode(),
        "conditional rows": row_marker(policy.CONDITIONAL),
        "shared-on-conditions link": SHARED_LINK,
        "shared-on-conditions upload": f"/resource/{world['shared_upload']['id']}/download",
        "shared-on-conditions file": SHARED_FILE.decode().split("\n")[1],
        "shared-on-conditions rows": SHARED_ROW,
    }


def found(world: Probe, text: str, sent: str) -> list[str]:
    """The markers in ``text`` that the caller did not send themselves, each
    with where it was found. Case does not matter: CKAN lowercases formats."""
    if "markers" not in world:  # the same for every probe: made once
        world["markers"] = sorted((label, marker.lower()) for label, marker in
                                  {**closed_markers(world), **data_markers(world)}.items())
    text, sent = text.lower(), sent.lower()
    hits = []
    for label, marker in world["markers"]:
        at = text.find(marker)
        if at >= 0 and marker not in sent and quote(marker).lower() not in sent:
            hits.append(f"{label} in …{text[max(0, at - 60):at + len(marker) + 20]}…")
    return hits


# --------------------------------------------------------------------- actions
def targets(world: Probe) -> dict[str, dict[str, Any]]:
    """Data dicts naming each piece of the closed and conditional datasets, with
    every key an action takes for it."""
    base: World = world["base"]
    closed, conditional = world["closed"], base.datasets[policy.CONDITIONAL]
    link, upload = base.links[policy.CLOSED], base.uploads[policy.CLOSED]
    search = {"q": NEEDLE, "query": NEEDLE, "incomplete": NEEDLE, "fq": "tags:tiermark",
              "include_private": True, "include_drafts": True, "include_datasets": True,
              "all_fields": True, "limit": 100, "rows": 100}

    def dataset(value: str) -> dict[str, Any]:
        return {"id": value, "package_id": value, "name_or_id": value, "object": value,
                "object_type": "package", "include_datasets": True, "include_data": True,
                "dataset_id": value}

    return {
        "closed dataset by id": dataset(closed["id"]),
        "closed dataset by name": dataset(closed["name"]),
        "conditional dataset": dataset(conditional["id"]),
        "shared-on-conditions dataset": dataset(world["shared"]["id"]),
        "shared-on-conditions upload": {"id": world["shared_upload"]["id"],
                                        "resource_id": world["shared_upload"]["id"]},
        "unpublished dataset": dataset(world["unpublished"]["id"]),
        "unpublished resource": {"id": world["unpublished"]["resources"][0]["id"],
                                 "resource_id": world["unpublished"]["resources"][0]["id"]},
        "held resource": {"id": world["held"]["id"], "resource_id": world["held"]["id"]},
        "closed link": {"id": link["id"], "resource_id": link["id"]},
        "closed upload": {"id": upload["id"], "resource_id": upload["id"]},
        "conditional upload": {"id": base.uploads[policy.CONDITIONAL]["id"],
                               "resource_id": base.uploads[policy.CONDITIONAL]["id"]},
        "closed view": {"id": base.views[policy.CLOSED]["id"],
                        "resource_id": upload["id"]},
        # the DataStore's list of every table, named by resource id
        "datastore tables": {"resource_id": "_table_metadata", "id": "_table_metadata",
                             "limit": 1000},
        "closed activity": {"id": world["activities"][0]["id"], "include_data": True,
                            "object_type": "package"},
        # the data request answered by opening the closed dataset to its
        # requester, and that grant
        "party's data request": {"id": base.party_request["id"],
                                 "request_id": base.party_request["id"]},
        "party's grant": {"id": world["party_grant"], "reason": "撤销",
                          "grant_id": world["party_grant"]},
        "organization": {"id": base.owner_org["id"], "owner_org": base.owner_org["id"],
                         "object_type": "package", **search},
        "group": {"id": world["group"]["id"], "object_type": "package", **search},
        "tag": {"id": "tiermark", "tag": "tiermark", "vocabulary_id": None, **search},
        "closed tag": {"id": CLOSED_TAG, "tag": CLOSED_TAG, **search},
        "search": search,
        "sysadmin": {"id": base.user("sysadmin"), "user_id": base.user("sysadmin"),
                     **search},
        "nothing": {},
    }


def registered_actions() -> dict[str, Any]:
    logic.get_action("package_show")  # fills the registry
    return dict(logic._actions)


def action_order(actions: dict[str, Any]) -> list[str]:
    """Actions that change things first, then the reads."""
    return sorted(actions, key=lambda name: (
        bool(getattr(actions[name], "side_effect_free", False)), name))


class ReadTracking(dict):
    """A data dict that records which keys an action read. Every way of
    reading the whole dict (iteration, ``keys``/``items``/``values``, a copy,
    ``len``, comparison, ``repr``, ``dict(d)``/``{**d}``/``**d``, which go
    through ``keys``) marks all of it read (``ALL``)."""

    ALL = object()
    EMPTY = object()

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.reads: set[Any] = set()

    def _read(self, key: Any) -> None:
        reads = getattr(self, "reads", None)  # a copy made by pickling has none
        if reads is not None:
            reads.add(key)

    def __getitem__(self, key):
        self._read(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._read(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._read(key)
        return super().get(key, default)

    def pop(self, key, *default):
        self._read(key)
        return super().pop(key, *default)

    def setdefault(self, key, default=None):
        self._read(key)
        return super().setdefault(key, default)

    def __delitem__(self, key):
        self._read(key)
        super().__delitem__(key)

    def __iter__(self):
        self._read(ReadTracking.ALL)
        return super().__iter__()

    def __len__(self):
        self._read(ReadTracking.ALL)
        return super().__len__()

    def __bool__(self):  # ``data_dict or {}`` (CKAN's authz): only whether it is empty
        self._read(ReadTracking.EMPTY)
        return super().__len__() > 0

    def __eq__(self, other):
        self._read(ReadTracking.ALL)
        return super().__eq__(other)

    def __ne__(self, other):
        self._read(ReadTracking.ALL)
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self):
        self._read(ReadTracking.ALL)
        return super().__repr__()

    def __or__(self, other):
        self._read(ReadTracking.ALL)
        return super().__or__(other)

    def __ror__(self, other):
        self._read(ReadTracking.ALL)
        return super().__ror__(other)

    def __reduce_ex__(self, protocol):
        self._read(ReadTracking.ALL)
        return super().__reduce_ex__(protocol)

    def keys(self):
        self._read(ReadTracking.ALL)
        return super().keys()

    def items(self):
        self._read(ReadTracking.ALL)
        return super().items()

    def values(self):
        self._read(ReadTracking.ALL)
        return super().values()

    def copy(self):
        self._read(ReadTracking.ALL)
        return super().copy()

    def popitem(self):
        self._read(ReadTracking.ALL)
        return super().popitem()

    def update(self, *args, **kwargs):
        self._read(ReadTracking.ALL)  # may overwrite keys read later
        super().update(*args, **kwargs)


_MISSING = object()


def same_reads(reads: set[Any], data: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether ``other`` gives an action everything it read of ``data``
    (present or absent, equal values): then the action, deterministic, does
    the same with it."""
    if ReadTracking.ALL in reads:
        return data == other
    if ReadTracking.EMPTY in reads and bool(data) != bool(other):
        return False
    return all(data.get(key, _MISSING) == other.get(key, _MISSING) for key in reads
               if key is not ReadTracking.EMPTY)


def probe_action(app: Any, name: str, role: str,
                 world: Probe) -> Iterator[tuple[str, str, str]]:
    """(target, what was sent, what came back) for each target.

    A read-only action is not called again with a target that agrees on
    every key the action read of a target it was called with: it would do
    and answer the same (its answer is checked against what this target
    sent). Actions that change things are called with every target."""
    base: World = world["base"]
    reads_only = getattr(logic.get_action(name), "side_effect_free", False)
    answered: list[tuple[set[Any], dict[str, Any], str]] = []
    for target, data in targets(world).items():
        sent = json.dumps(data, ensure_ascii=False)
        same = next((text for reads, earlier, text in answered
                     if same_reads(reads, earlier, data)), None) if reads_only else None
        if same is not None:
            yield target, sent, same
            continue
        context = {"user": base.user(role), "ignore_auth": False}
        tracked = ReadTracking(data)
        try:
            with app.flask_app.test_request_context():
                result = logic.get_action(name)(context, tracked)
            text = json.dumps(result, default=str, ensure_ascii=False)
        except (logic.ValidationError, logic.NotFound, logic.NotAuthorized) as error:
            text = f"{error} {getattr(error, 'error_dict', '')}"
        except Exception as error:  # noqa: BLE001 - a 500 is section 3's business;
            text = repr(error)      # here only what it says matters
        finally:
            model.Session.rollback()
        answered.append((set(tracked.reads), data, text))
        yield target, sent, text


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_action_shows_closed_datasets_or_conditional_data(world, app, role):
    actions = registered_actions()
    leaks = []
    for name in action_order(actions):
        if f"action:{name}" in NOT_PROBED:
            continue
        for target, sent, text in probe_action(app, name, role, world):
            if hits := found(world, text, sent):
                leaks.append(f"{name} [{target}]: {', '.join(hits)}")
    assert not leaks, f"{role} reads what they may not:\n" + "\n".join(leaks)


# --------------------------------------------------------------------- routes
def get_rules(app: Any) -> list[Any]:
    return sorted((rule for rule in app.flask_app.url_map.iter_rules()
                   if "GET" in (rule.methods or ())), key=lambda rule: rule.rule)


def route_values(world: Probe, rule: Any) -> dict[str, list[str]]:
    """Values to put in a route's variables, by variable name; an ``id``
    by what the route's first path segment names (a dataset type, an
    organization, a group, a user), every kind for any other route."""
    base: World = world["base"]
    closed = world["closed"]
    conditional = base.datasets[policy.CONDITIONAL]
    activity = world["activities"][0]["id"]
    ids = {
        "dataset": [closed["name"], closed["id"], conditional["name"], activity,
                    world["unpublished"]["name"], world["shared"]["name"]],
        "organization": [base.owner_org["name"]],
        "group": [world["group"]["name"]],
        "user": [base.user("sysadmin")],
        "datarequest": [base.party_request["id"]],
    }
    segment = rule.rule.strip("/").split("/", 1)[0]
    kind = {"organization": "organization", "group": "group", "user": "user",
            "datarequest": "datarequest"}.get(
        segment, "dataset" if segment in dataset_types() else None)
    return {
        "id": ids[kind] if kind else [value for values in ids.values() for value in values]
        + [CLOSED_TAG],
        "resource_id": [base.uploads[policy.CLOSED]["id"], base.links[policy.CLOSED]["id"],
                        base.uploads[policy.CONDITIONAL]["id"],
                        base.links[policy.CONDITIONAL]["id"], world["shared_upload"]["id"]],
        "view_id": [base.views[policy.CLOSED]["id"], base.views[policy.CONDITIONAL]["id"]],
        "package_type": ["dataset"],
        "group_type": ["group", "organization"],
        "ver": ["3"],
        "tag_id": [CLOSED_TAG],
        "filename": [base.uploads[policy.CLOSED]["url"].rsplit("/", 1)[-1]],
        "activity_id": [activity],
        "_format": ["ttl"],
    }


def dataset_types() -> set[str]:
    """The dataset types with pages (``dataset``, ``data_product``, ...)."""
    from ckan.lib import plugins as lib_plugins  # read after the plugins load
    return set(lib_plugins._package_plugins) | {"dataset", "dataset_series"}


def route_urls(rule: Any, world: Probe) -> list[str]:
    """URLs for a rule: each variable filled with each of its values, zipped (the
    first value of every variable together, then the second, ...), with a
    query that would find the closed dataset."""
    values = route_values(world, rule)
    names = sorted(rule.arguments - set(rule.defaults or ()))
    choices = [values.get(name, [world["closed"]["name"]]) for name in names]
    urls = []
    for combo in itertools.zip_longest(*choices):
        filled = {name: value if value is not None else choice[0]
                  for name, value, choice in zip(names, combo, choices)}
        path = rule.rule
        for name, value in filled.items():
            path = re.sub(r"<(?:[^:<>]+:)?%s>" % re.escape(name), quote(str(value)), path)
        urls.append(f"{path}?q={NEEDLE}&incomplete={NEEDLE}")
    return urls or [f"{rule.rule}?q={NEEDLE}&incomplete={NEEDLE}"]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_page_shows_closed_datasets_or_conditional_data(world, app, role, monkeypatch):
    base: World = world["base"]
    # the home page's boxes show the featured organization and group
    monkeypatch.setitem(config, "ckan.featured_orgs", [base.owner_org["name"]])
    monkeypatch.setitem(config, "ckan.featured_groups", [world["group"]["name"]])
    leaks, errors = [], []
    # rules of several endpoints share a path (resource.read and
    # dataset_resource.read …): the app answers a URL with the first that
    # matches, so a URL is asked once and its answer counts for each of them
    answers: dict[str, tuple[int, str]] = {}
    for rule in get_rules(app):
        if f"route:{rule.endpoint}" in NOT_PROBED:
            continue
        for url in route_urls(rule, world):
            if url not in answers:
                res = app.get(url, headers=base.headers(role), follow_redirects=False)
                answers[url] = (res.status_code,
                                res.get_data(as_text=True) + json.dumps(dict(res.headers)))
            status, text = answers[url]
            if hits := found(world, text, url):
                leaks.append(f"{rule.endpoint} {url} ({status}): {', '.join(hits)}")
            if status >= 500:
                errors.append(f"{rule.endpoint} {url} ({status})")
    assert not leaks, f"{role} reads what they may not:\n" + "\n".join(leaks)
    assert not errors, f"{role} gets server errors:\n" + "\n".join(errors)


# --------------------------------------------------------------------- helpers
def callable_helpers() -> dict[str, Any]:
    """Template helpers that a template can call without giving them the
    data they show (every parameter has a default)."""
    out = {}
    for name, fn in dict(core_helpers.helper_functions).items():
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            continue
        if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in params):
            out[name] = fn
    return out


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_helper_shows_closed_datasets_or_conditional_data(world, app, role, monkeypatch):
    base: World = world["base"]
    monkeypatch.setitem(config, "ckan.featured_orgs", [base.owner_org["name"]])
    monkeypatch.setitem(config, "ckan.featured_groups", [world["group"]["name"]])
    leaks = []
    user = model.User.get(base.user(role)) if base.user(role) else None
    for name, fn in sorted(callable_helpers().items()):
        with app.flask_app.test_request_context(headers=base.headers(role)):
            app.flask_app.preprocess_request()
            try:
                result = fn()
                text = json.dumps(result, default=str, ensure_ascii=False)
            except Exception as error:  # noqa: BLE001 - what it says is what matters
                text = repr(error)
            finally:
                model.Session.rollback()
        if hits := found(world, text, ""):
            leaks.append(f"h.{name}: {', '.join(hits)} (as {user.name if user else role})")
    assert not leaks, f"{role} reads what they may not:\n" + "\n".join(leaks)


# --------------------------------------------------------------------- the lists
def test_every_surface_left_out_exists_and_says_why(world, app):
    routes = {f"route:{rule.endpoint}" for rule in get_rules(app)}
    actions = {f"action:{name}" for name in registered_actions()}
    for surface, reason in NOT_PROBED.items():
        assert surface in routes | actions, f"{surface} is no longer registered"
        assert len(reason) > 20, f"{surface}: say why it is not probed"


def test_a_tracked_data_dict_sees_every_way_of_reading_it():
    """The probes skip a call only when the action read nothing that differs:
    reading one key is one key, any way of taking the whole dict is all of it."""
    import copy

    for take in (dict, lambda d: {**d}, lambda d: (lambda **kw: kw)(**d), list, len, repr,
                 copy.copy, copy.deepcopy, json.dumps, lambda d: d.copy(),
                 lambda d: {}.update(d), lambda d: d == {}, lambda d: set(d),
                 lambda d: list(d.items())):
        data = ReadTracking({"id": "x", "q": "y"})
        take(data)
        assert ReadTracking.ALL in data.reads, take
    data = ReadTracking({"id": "x", "q": "y"})
    assert data.get("id") == "x" and "rows" not in data and data.reads == {"id", "rows"}
    assert same_reads(data.reads, {"id": "x", "q": "y"}, {"id": "x", "q": "z"})
    assert not same_reads(data.reads, {"id": "x"}, {"id": "x", "rows": 1})
    assert not same_reads({ReadTracking.ALL}, {"id": "x"}, {"id": "x", "q": "z"})
    data = ReadTracking({"id": "x"})
    assert (data or {}) is data and data.reads == {ReadTracking.EMPTY}
    assert same_reads(data.reads, {"id": "x"}, {"q": "y"})
    assert not same_reads(data.reads, {"id": "x"}, {})


def test_the_probes_find_what_members_see(world, app, monkeypatch):
    """The probes can fail: as a member of the owning organization, the
    same calls bring the closed dataset out."""
    base: World = world["base"]
    monkeypatch.setitem(config, "ckan.featured_orgs", [base.owner_org["name"]])
    for name in ("package_search", "tag_list", "format_autocomplete", "member_list",
                 "package_show"):
        assert any(found(world, text, sent)
                   for _target, sent, text in probe_action(app, name, "member", world)), name
    shown = [text for _target, sent, text in probe_action(app, "package_show", "member",
                                                          world)]
    assert any("shared-on-conditions link" in hit for text in shown
               for hit in found(world, text, ""))
    # the staff of another agency see the entry shared on conditions, not its data
    seen = helpers.call_action("package_show", context=base.context("other_org_member"),
                               id=world["shared"]["id"])
    assert seen["resources"] and all(r["url_type"] == policy.RESTRICTED_URL_TYPE
                                     for r in seen["resources"])
    # the interested party sees the closed entry, its data, and its link on
    # the request's page
    shown = [text for _target, sent, text in probe_action(app, "package_show", "party",
                                                          world)]
    assert any("closed link" in hit for text in shown for hit in found(world, text, ""))
    page = app.get(f"/datarequest/{base.party_request['id']}",
                   headers=base.headers("party")).get_data(as_text=True)
    assert any("closed name" in hit for hit in found(world, page, ""))
    home = app.get("/", headers=base.headers("member")).get_data(as_text=True)
    assert any("closed title" in hit for hit in found(world, home, "/"))
    searched = [text for _target, sent, text in probe_action(app, "package_search", "member",
                                                             world)]
    assert any("unpublished title" in hit for text in searched
               for hit in found(world, text, ""))
    with app.flask_app.test_request_context(headers=base.headers("member")):
        app.flask_app.preprocess_request()
        featured = json.dumps(core_helpers.helper_functions["get_featured_organizations"](),
                              ensure_ascii=False)
    assert found(world, featured, "")  # its newest entries: closed, shared, unpublished
