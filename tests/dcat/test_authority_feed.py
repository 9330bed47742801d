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

from ckanext.govshare import options
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
