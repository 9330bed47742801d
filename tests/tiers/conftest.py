"""Fixtures of the tier tests: one agency's three datasets, one per tier, and
the six kinds of caller the tiers tell apart, among them an interested party
(利害关系人) to whom the agency opened the closed dataset alone, answering
their data request (``ckanext.govshare.data_requests.parties``).

Every dataset has a link resource (a unique URL) and an uploaded file (unique
bytes; with the DataStore on, its rows, with a unique cell), so a test can say
exactly what leaked: a title, a URL, a file or a row.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any, Optional

import pytest

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.govshare import workdays
from ckanext.govshare.tiers import policy

TIERS = (policy.UNCONDITIONAL, policy.CONDITIONAL, policy.CLOSED)
ROLES = ("anonymous", "stranger", "other_org_member", "member", "sysadmin", "party")

TITLES = {
    policy.UNCONDITIONAL: "无条件开放的公交线路 tiermark-unconditional",
    policy.CONDITIONAL: "有条件开放的企业信用 tiermark-conditional",
    policy.CLOSED: "不予开放的内部名单 tiermark-closed",
}


def scheming_on() -> bool:
    return "scheming_datasets" in tk.aslist(tk.config.get("ckan.plugins"))


def make_dataset(tier: str, **kwargs: Any) -> dict[str, Any]:
    """A dataset of the given tier, with or without the catalog schema."""
    if scheming_on():
        from tests import factories

        return factories.Dataset(open_tier=tier, **kwargs)
    extras = [e for e in kwargs.pop("extras", []) if e.get("key") != policy.TIER_FIELD]
    extras.append({"key": policy.TIER_FIELD, "value": tier})
    return ckan_factories.Dataset(extras=extras, **kwargs)


def make_organization(**kwargs: Any) -> dict[str, Any]:
    if scheming_on():
        from tests import factories

        return factories.Organization(**kwargs)
    return ckan_factories.Organization(**kwargs)


def set_tier(dataset_id: str, tier: str, user: str) -> dict[str, Any]:
    """Change a dataset's tier through package_patch, as an agency would;
    a closed one is not shared with other agencies either (closed to all
    but its organization)."""
    context = {"user": user}
    if scheming_on():
        fields: dict[str, Any] = {"open_tier": tier}
        if tier != policy.UNCONDITIONAL:
            fields.update(open_tier_reason="测试理由", open_tier_basis="《测试依据》第一条")
        if tier == policy.CLOSED:
            fields.update(share_type=policy.NOT_SHARED, share_type_reason="测试理由",
                          share_type_basis="《测试依据》第二条")
        return helpers.call_action("package_patch", context=context, id=dataset_id, **fields)
    pkg = helpers.call_action("package_show", id=dataset_id)
    extras = [e for e in pkg.get("extras", []) if e["key"] != policy.TIER_FIELD]
    extras.append({"key": policy.TIER_FIELD, "value": tier})
    return helpers.call_action("package_patch", context=context, id=dataset_id, extras=extras)


def upload_resource(package_id: str, data: bytes, filename: str, user: str,
                    **kwargs: Any) -> dict[str, Any]:
    stream = io.BytesIO(data)
    return helpers.call_action("resource_create", context={"user": user},
                               package_id=package_id,
                               upload=FakeFileStorage(stream, filename), **kwargs)


def file_bytes(tier: str) -> bytes:
    return (f"id,name\n1,{tier}-file-bytes-4f2a\n" + "".join(
        f"{i},row-{i:05d}\n" for i in range(2, 400))).encode()


def row_marker(tier: str) -> str:
    """A cell of the rows the DataStore holds for the tier's upload."""
    return f"{tier}-datastore-row-7d3b"


def datastore_on() -> bool:
    return p.plugin_loaded("datastore")


def link_url(tier: str) -> str:
    return f"http://files.example.org/{tier}/secret-link-9c1e.csv"


@dataclasses.dataclass
class World:
    owner_org: dict[str, Any]
    other_org: dict[str, Any]
    users: dict[str, Optional[dict[str, Any]]]
    tokens: dict[str, Optional[str]]
    datasets: dict[str, dict[str, Any]]
    links: dict[str, dict[str, Any]]
    uploads: dict[str, dict[str, Any]]
    views: dict[str, dict[str, Any]]
    #: the party's data request, answered by opening the closed dataset to them
    party_request: dict[str, Any] = dataclasses.field(default_factory=dict)

    def user(self, role: str) -> str:
        user = self.users[role]
        return user["name"] if user else ""

    def context(self, role: str) -> dict[str, Any]:
        return {"user": self.user(role), "ignore_auth": False}

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return {"Authorization": token} if token else {}


def build_world(with_views: bool = True) -> World:
    sysadmin = ckan_factories.Sysadmin()
    member = ckan_factories.User()
    other = ckan_factories.User()
    stranger = ckan_factories.User()
    party = ckan_factories.User()
    owner_org = make_organization(users=[{"name": member["name"], "capacity": "member"}])
    other_org = make_organization(users=[{"name": other["name"], "capacity": "editor"}])
    users = {"anonymous": None, "stranger": stranger, "other_org_member": other,
             "member": member, "sysadmin": sysadmin, "party": party}
    tokens = {role: (ckan_factories.APIToken(user=u["name"])["token"] if u else None)
              for role, u in users.items()}
    datasets, links, uploads, views = {}, {}, {}, {}
    for tier in TIERS:
        # the closed one is not shared with other agencies either (a closed
        # entry shared with them is seen by their staff: tests/applications/test_sharing.py)
        sharing = {"share_type": policy.NOT_SHARED} if (
            tier == policy.CLOSED and scheming_on()) else {}
        ds = make_dataset(tier, name=f"tier-{tier}", title=TITLES[tier],
                          owner_org=owner_org["id"], resources=[],
                          tags=[{"name": "tiermark"}], **sharing)
        admin = {"user": sysadmin["name"]}
        links[tier] = helpers.call_action(
            "resource_create", context=admin, package_id=ds["id"], url=link_url(tier),
            name=f"{tier} link", format="CSV")
        uploads[tier] = upload_resource(ds["id"], file_bytes(tier), f"{tier}-数据.csv",
                                        sysadmin["name"], name=f"{tier} upload",
                                        format="CSV")
        if with_views:
            views[tier] = helpers.call_action(
                "resource_view_create", context=admin, resource_id=uploads[tier]["id"],
                view_type="image_view", title=f"{tier} preview")
        if datastore_on():  # the upload's rows, as xloader would load them
            helpers.call_action(
                "datastore_create", context=admin, resource_id=uploads[tier]["id"],
                force=True, fields=[{"id": "id", "type": "int"}, {"id": "name", "type": "text"}],
                records=[{"id": 1, "name": row_marker(tier)}, {"id": 2, "name": "row-00002"}])
        datasets[tier] = helpers.call_action("package_show", id=ds["id"])
    party_request = open_to_party(datasets[policy.CLOSED]["id"], owner_org["id"],
                                  party["name"], sysadmin["name"])
    return World(owner_org, other_org, users, tokens, datasets, links, uploads, views,
                 party_request)


def open_to_party(package_id: str, org_id: str, requester: str, answerer: str) -> dict:
    """``requester`` asks ``org_id`` for data; ``answerer`` answers that it
    cannot be opened, but opens the closed ``package_id`` to the requester as
    an interested party for 180 days: the answered request."""
    asked = helpers.call_action(
        "govshare_data_request_create", context={"user": requester, "ignore_auth": False},
        title="本人不动产登记信息", description="涉及本人权益的登记记录",
        purpose="维护本人合法权益", organization=org_id)
    return helpers.call_action(
        "govshare_data_request_answer", context={"user": answerer, "ignore_auth": False},
        id=asked["id"], outcome="cannot_open", reason="该数据不予开放，但申请人为利害关系人",
        basis="《测试依据》第三条", package_id=package_id,
        interested_party=True,
        valid_until=(workdays.local_today() + dt.timedelta(days=180)).isoformat())


def sees_dataset(role: str, tier: str) -> bool:
    """The tier table: who sees a dataset's metadata (the interested party
    the closed one was opened to, too)."""
    return tier != policy.CLOSED or role in ("member", "sysadmin", "party")


def has_data(role: str, tier: str) -> bool:
    """The tier table: who has a dataset's URLs, files, previews and rows
    (the interested party those of the closed one opened to them, not the
    conditional one's)."""
    return (tier == policy.UNCONDITIONAL or role in ("member", "sysadmin")
            or (role == "party" and tier == policy.CLOSED))


def in_feeds(role: str, tier: str) -> bool:
    """The tier table for the DCAT feeds, which are public whoever asks: every
    dataset but the closed ones, which are never published (not to members
    or sysadmins either)."""
    return tier != policy.CLOSED


def data_in_feeds(role: str, tier: str) -> bool:
    """The tier table for the DCAT feeds: the data locations of unconditional
    datasets only, whoever asks (conditional ones point at the application
    page, for members and sysadmins too)."""
    return tier == policy.UNCONDITIONAL


@pytest.fixture()
def world(with_plugins, clean_db) -> World:
    """A fresh world in a clean database (for tests that change it)."""
    return build_world(with_views=False)
