"""The supervising authority harvests the whole catalog; nobody else can.

``/authority/catalog.<format>`` and the action ``govshare_authority_catalog_show``
give sysadmins every entry (closed ones as ``NON_PUBLIC``, conditional ones
with their real data URLs); every other caller gets 403, and the public feed
stays as it is, for sysadmins too. The catalog is built once for the module
(the tier tests' world: one dataset per tier, each with a link and a file).
"""
from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.supervision import access
from ckanext.govshare.tiers import policy
from tests.dcat.conftest import parse
from tests.tiers.conftest import ROLES, TIERS, World, build_world, link_url, make_dataset

ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
RIGHTS = {policy.UNCONDITIONAL: "PUBLIC", policy.CONDITIONAL: "RESTRICTED",
          policy.CLOSED: "NON_PUBLIC"}


@pytest.fixture(scope="module")
def world(module_db) -> World:
    return build_world(with_views=False)


def dataset_ref(world: World, tier: str) -> URIRef:
    return URIRef(f"http://test.ckan.net/dataset/{world.datasets[tier]['id']}")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_authority_harvests_the_whole_catalog(world, app, role):
    res = app.get("/authority/catalog.ttl", headers=world.headers(role))
    body = res.get_data(as_text=True)
    if role != "sysadmin":
        assert res.status_code == 403
        for tier in TIERS:
            assert world.datasets[tier]["title"] not in body
        return
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("text/turtle")
    graph = parse(body)
    for tier in TIERS:
        ref = dataset_ref(world, tier)
        assert (ref, DCT.accessRights, URIRef(ACCESS + RIGHTS[tier])) in graph
        access = {str(url) for dist in graph.objects(ref, DCAT.distribution)
                  for url in graph.objects(dist, DCAT.accessURL)}
        assert link_url(tier) in access  # the data itself, conditional and closed too


@pytest.mark.parametrize("role", ROLES)
def test_the_action_answers_the_authority_only(world, app, role):
    res = app.get("/api/3/action/govshare_authority_catalog_show",
                  query_string={"format": "ttl"}, headers=world.headers(role))
    if role != "sysadmin":
        assert res.status_code == 403
        assert res.json["error"]["__type"] == "Authorization Error"
        return
    assert res.status_code == 200
    graph = parse(res.json["result"])
    assert {dataset_ref(world, t) for t in TIERS} <= set(graph.subjects(DCAT.distribution))


def test_the_public_feed_is_unchanged_for_the_authority(world, app):
    graph = parse(app.get("/catalog.ttl", headers=world.headers("sysadmin")).get_data())
    listed = set(graph.objects(URIRef("http://test.ckan.net"), DCAT.dataset))
    assert dataset_ref(world, policy.CLOSED) not in listed
    assert dataset_ref(world, policy.CONDITIONAL) in listed
    assert link_url(policy.CONDITIONAL) not in graph.serialize(format="turtle")


@pytest.mark.ckan_config(options.PUBLICATION_REVIEW, True)
def test_an_entry_not_yet_published_is_in_the_authority_feed_only(world, app):
    draft = make_dataset(policy.UNCONDITIONAL, owner_org=world.owner_org["id"],
                         title="待审核的目录 draftmark")
    ref = URIRef(f"http://test.ckan.net/dataset/{draft['id']}")
    sysadmin = world.headers("sysadmin")
    public = app.get("/catalog.ttl", headers=sysadmin).get_data(as_text=True)
    assert "draftmark" not in public
    assert app.get(f"/dataset/{draft['name']}.ttl", headers=sysadmin).status_code == 404
    graph = parse(app.get("/authority/catalog.ttl", headers=sysadmin).get_data())
    assert (ref, DCAT.distribution, None) in graph or (None, DCAT.dataset, ref) in graph


def test_an_unknown_format_is_not_found(world, app):
    res = app.get("/authority/catalog.docx", headers=world.headers("sysadmin"))
    assert res.status_code == 404


class TestSupervisors:
    """A sysadmin designates supervisors (supervision/): they harvest what
    the authority harvests, with no organization role, until revoked."""

    @pytest.fixture()
    def supervisor(self, world):
        user = ckan_factories.User()
        token = helpers.call_action("api_token_create", context={"user": user["name"]},
                                    user=user["name"], name="harvester")["token"]
        return user, {"Authorization": token}

    def test_a_designated_supervisor_harvests_everything_until_revoked(
            self, world, app, supervisor):
        user, headers = supervisor
        assert app.get("/authority/catalog.ttl", headers=headers).status_code == 403
        granted = helpers.call_action(
            "govshare_supervisor_grant", context=world.context("sysadmin"),
            user=user["name"], reason="市数据局监督科，市政府办公室文件指定")
        assert granted["grant"]["granted_by"] == world.user("sysadmin")
        res = app.get("/authority/catalog.ttl", headers=headers)
        assert res.status_code == 200
        graph = parse(res.get_data())
        for tier in TIERS:
            assert (dataset_ref(world, tier), DCT.accessRights,
                    URIRef(ACCESS + RIGHTS[tier])) in graph
        assert link_url(policy.CLOSED) in res.get_data(as_text=True)
        listed = helpers.call_action("govshare_supervisor_list",
                                     context=world.context("sysadmin"))
        assert user["name"] in {entry["user"] for entry in listed}
        # a supervisor reads; the capability grants no organization role
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("package_show",
                                context={"user": user["name"], "ignore_auth": False},
                                id=world.datasets[policy.CLOSED]["id"])
        helpers.call_action("govshare_supervisor_revoke", context=world.context("sysadmin"),
                            user=user["name"])
        assert app.get("/authority/catalog.ttl", headers=headers).status_code == 403

    @pytest.mark.parametrize("role", ["anonymous", "stranger", "member"])
    def test_only_sysadmins_designate_supervisors(self, world, supervisor, role):
        user, _headers = supervisor
        for action in ("govshare_supervisor_grant", "govshare_supervisor_revoke",
                       "govshare_supervisor_list"):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_action(action, context=world.context(role), user=user["name"],
                                    reason="自己给自己授权")
        assert not access.is_supervisor(model.User.get(user["name"]))

    def test_a_reason_is_required(self, world, supervisor):
        user, _headers = supervisor
        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action("govshare_supervisor_grant", context=world.context("sysadmin"),
                                user=user["name"], reason="  ")
        assert "reason" in refused.value.error_dict
