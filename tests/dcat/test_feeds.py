"""The DCAT feeds follow the openness tiers, for everyone.

unconditional → ``dct:accessRights`` PUBLIC, distributions as in CKAN;
conditional → RESTRICTED, every distribution's ``dcat:accessURL`` is the
application page, no ``dcat:downloadURL`` and no file URL anywhere;
closed → never published: absent from every catalog and 404 on every
dataset endpoint, for anonymous users, members and sysadmins alike.
"""
from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF

import ckan.plugins.toolkit as tk
import ckan.tests.helpers as helpers

from ckanext.govshare.dcat import profiles
from tests import factories
from tests.dcat.conftest import parse

EU = "http://publications.europa.eu/resource/authority/"
PUBLIC = URIRef(EU + "access-right/PUBLIC")
RESTRICTED = URIRef(EU + "access-right/RESTRICTED")
FORMATS = ("ttl", "rdf", "jsonld", "xml")


def site_url() -> str:
    return tk.config.get("ckan.site_url").rstrip("/")


def dataset_ref(dataset) -> URIRef:
    return URIRef(f"{site_url()}/dataset/{dataset['id']}")


def application_page(dataset) -> URIRef:
    return URIRef(f"{site_url()}/dataset/{dataset['name']}/apply")


def get(app, url, user=None, status=200):
    headers = {"Authorization": user["token"]} if user else {}
    response = app.get(url, headers=headers, status=status)
    return response.get_data(as_text=True)


def file_urls(dataset) -> list[str]:
    """Every URL of the dataset's resources as a sysadmin sees them (the
    real file locations, upload download URLs included)."""
    shown = helpers.call_action("package_show", {"ignore_auth": True}, id=dataset["id"])
    urls = [r["url"] for r in shown["resources"]]
    assert all(urls)
    return urls


@pytest.fixture
def portal(create_with_upload):
    """An agency with one dataset per tier, each with a link and an upload."""
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(name="jiaotong-test")
    datasets = {}
    for tier, frequency in (("unconditional", "monthly"), ("conditional", "daily"),
                            ("closed", "yearly")):
        dataset = factories.Dataset(
            owner_org=org["id"], name=f"bus-{tier}", title=f"Bus {tier}",
            open_tier=tier, update_frequency=frequency, resource_code=f"GS-JT-{tier.upper()}",
            license_id="cc-by",
            resources=[{"name": "stops", "format": "CSV",
                        "url": f"http://files.example.com/{tier}/stops.csv"}])
        create_with_upload("id,name\n1,Stop\n", f"{tier}-routes.csv", package_id=dataset["id"],
                           name="routes", format="CSV", context={"user": sysadmin["name"]})
        datasets[tier] = helpers.call_action("package_show", {"ignore_auth": True},
                                             id=dataset["id"])
    member = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"],
                        username=member["name"], role="admin")
    return {"org": org, "member": member, "sysadmin": sysadmin,
            **datasets}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTiers:
    def test_access_rights_follow_the_tier(self, app, portal):
        for tier, right in (("unconditional", PUBLIC), ("conditional", RESTRICTED)):
            dataset = portal[tier]
            graph = parse(get(app, f"/dataset/{dataset['name']}.ttl"))
            assert list(graph.objects(dataset_ref(dataset), DCT.accessRights)) == [right]
            assert (right, RDF.type, DCT.RightsStatement) in graph

    def test_identifier_is_the_resource_code(self, app, portal):
        dataset = portal["unconditional"]
        graph = parse(get(app, f"/dataset/{dataset['name']}.ttl"))
        assert list(graph.objects(dataset_ref(dataset), DCT.identifier)) == [
            Literal("GS-JT-UNCONDITIONAL")]

    def test_update_frequency_is_an_eu_frequency(self, app):
        codes = {"realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY",
                 "monthly": "MONTHLY", "quarterly": "QUARTERLY", "yearly": "ANNUAL",
                 "irregular": "IRREG"}
        assert set(profiles.FREQUENCIES) == set(codes)
        org = factories.Organization()
        for frequency, code in codes.items():
            dataset = factories.Dataset(owner_org=org["id"], update_frequency=frequency)
            graph = parse(get(app, f"/dataset/{dataset['name']}.ttl"))
            uri = URIRef(EU + "frequency/" + code)
            assert list(graph.objects(dataset_ref(dataset), DCT.accrualPeriodicity)) == [uri]
            assert (uri, RDF.type, DCT.Frequency) in graph

    def test_unconditional_distributions_point_at_the_files(self, app, portal):
        dataset = portal["unconditional"]
        graph = parse(get(app, f"/dataset/{dataset['name']}.ttl"))
        access = {str(url) for dist in graph.objects(dataset_ref(dataset), DCAT.distribution)
                  for url in graph.objects(dist, DCAT.accessURL)}
        assert access == set(file_urls(dataset))
        # the uploaded file is a direct download; the link is not known to be one
        download = {str(url) for dist in graph.objects(dataset_ref(dataset), DCAT.distribution)
                    for url in graph.objects(dist, DCAT.downloadURL)}
        assert download == {url for url in file_urls(dataset) if "/download/" in url}
        assert len(download) == 1

    @pytest.mark.parametrize("who", ["anonymous", "member", "sysadmin"])
    def test_conditional_distributions_point_at_the_application_page(self, app, portal, who):
        dataset = portal["conditional"]
        for fmt in FORMATS:
            body = get(app, f"/dataset/{dataset['name']}.{fmt}", portal.get(who))
            graph = parse(body, fmt)
            distributions = list(graph.objects(dataset_ref(dataset), DCAT.distribution))
            assert len(distributions) == 2
            for dist in distributions:
                assert list(graph.objects(dist, DCAT.accessURL)) == [application_page(dataset)]
                assert list(graph.objects(dist, DCAT.downloadURL)) == []
            for url in file_urls(dataset):
                assert url not in body
            terms = {str(term) for triple in graph for term in triple}
            assert not [t for t in terms if "/download" in t or "files.example.com" in t]

    def test_conditional_rules_hold_whatever_profiles_are_asked_for(self, app, portal):
        dataset = portal["conditional"]
        get(app, f"/dataset/{dataset['name']}.ttl?profiles=no_such_profile", status=409)
        for requested in ("euro_dcat_ap_3", "euro_dcat_ap_2", "schemaorg",
                          "govshare_dcat_ap_3,euro_dcat_ap_3"):
            body = get(app, f"/dataset/{dataset['name']}.ttl?profiles={requested}",
                       portal["sysadmin"])
            for url in file_urls(dataset):
                assert url not in body, requested
            graph = parse(body)
            assert list(graph.objects(dataset_ref(dataset), DCT.accessRights)) == [RESTRICTED]

    def test_closed_dataset_endpoint_is_not_found(self, app, portal):
        dataset = portal["closed"]
        for who in ("anonymous", "member", "sysadmin"):
            for fmt in FORMATS:
                for key in ("name", "id"):
                    get(app, f"/dataset/{dataset[key]}.{fmt}", portal.get(who), status=404)

    def test_members_and_sysadmins_do_see_the_closed_dataset_page(self, app, portal):
        """The 404s above are the feed's rule, not a failed log-in."""
        dataset = portal["closed"]
        get(app, f"/dataset/{dataset['name']}", status=404)
        get(app, f"/dataset/{dataset['name']}", portal["member"])
        get(app, f"/dataset/{dataset['name']}", portal["sysadmin"])

    @pytest.mark.parametrize("who", ["anonymous", "member", "sysadmin"])
    def test_catalog_never_lists_closed_datasets(self, app, portal, who):
        closed = portal["closed"]
        for fmt in FORMATS:
            body = get(app, f"/catalog.{fmt}", portal.get(who))
            graph = parse(body, fmt)
            listed = set(graph.objects(URIRef(site_url()), DCAT.dataset))
            assert listed == {dataset_ref(portal["unconditional"]),
                              dataset_ref(portal["conditional"])}
            assert closed["id"] not in body and closed["title"] not in body
            for url in file_urls(closed) + file_urls(portal["conditional"]):
                assert url not in body

    def test_catalog_queries_cannot_bring_closed_datasets_back(self, app, portal):
        for params in ("fq=open_tier:closed", "q=open_tier:closed", "fq=name:bus-closed",
                       "q=Bus closed", "fq=*:* OR open_tier:closed",
                       "fq=(*:*) OR (open_tier:closed)",
                       "fq=open_tier:closed OR -open_tier:closed"):
            body = get(app, f"/catalog.ttl?{params}", portal["sysadmin"])
            assert portal["closed"]["id"] not in body, params
            assert portal["closed"]["title"] not in body, params

    def test_catalog_query_with_spaces_has_valid_paging_links(self, app, portal):
        graph = parse(get(app, "/catalog.ttl?q=Bus conditional&modified_since=2000-01-01"))
        assert list(graph.objects(URIRef(site_url()), DCAT.dataset)) == [
            dataset_ref(portal["conditional"])]
        pages = {str(s) for s in graph.subjects(RDF.type, URIRef(
            "http://www.w3.org/ns/hydra/core#PagedCollection"))}
        assert pages and all(" " not in page and "%20" in page for page in pages)

    @pytest.mark.parametrize("action", ["dcat_catalog_show", "dcat_catalog_search"])
    def test_catalog_actions_leave_closed_datasets_out_for_sysadmins(self, app, portal, action):
        context = {"user": portal["sysadmin"]["name"], "ignore_auth": False}
        # a sysadmin's own search does find the closed dataset ...
        found = helpers.call_action("package_search", dict(context), q="*:*")["results"]
        assert portal["closed"]["id"] in {d["id"] for d in found}
        # ... the feed does not
        with app.flask_app.test_request_context():
            body = helpers.call_action(action, {"user": portal["sysadmin"]["name"],
                                                "ignore_auth": False}, format="ttl")
        assert portal["closed"]["id"] not in body
        assert dataset_ref(portal["conditional"]) in set(parse(body).subjects())

    def test_dataset_action_does_not_find_closed_datasets_for_sysadmins(self, portal):
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("dcat_dataset_show", {"user": portal["sysadmin"]["name"],
                                                      "ignore_auth": False},
                                id=portal["closed"]["name"], format="ttl")

    @pytest.mark.parametrize("fmt", ["jsonld", "rdf"])
    def test_json_ld_and_rdf_xml_carry_the_same_graph(self, app, portal, fmt):
        dataset = portal["conditional"]
        turtle = parse(get(app, f"/dataset/{dataset['name']}.ttl"))
        other = parse(get(app, f"/dataset/{dataset['name']}.{fmt}"), fmt)
        assert len(other) == len(turtle)
        assert set(other.objects(dataset_ref(dataset), DCT.accessRights)) == {RESTRICTED}
        assert set(other.objects(dataset_ref(dataset), DCT.identifier)) == {
            Literal("GS-JT-CONDITIONAL")}


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config(
    "ckan.plugins",
    "activity scheming_datasets scheming_organizations govshare dcat dcat_json_interface")
class TestLegacyJson:
    """ckanext-dcat's ``/dcat.json`` bypasses the RDF profiles."""

    def test_closed_left_out_and_conditional_points_at_the_application_page(
            self, app, portal):
        body = get(app, "/dcat.json", portal["sysadmin"])
        datasets = {d["title"]: d for d in json.loads(body)}
        assert set(datasets) == {"Bus unconditional", "Bus conditional"}
        conditional = datasets["Bus conditional"]
        assert {d["accessURL"] for d in conditional["distribution"]} == {
            str(application_page(portal["conditional"]))}
        for url in file_urls(portal["conditional"]) + file_urls(portal["closed"]):
            assert url not in body
        assert {d["accessURL"] for d in datasets["Bus unconditional"]["distribution"]} == set(
            file_urls(portal["unconditional"]))


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins",
                         "activity scheming_datasets scheming_organizations govshare")
class TestWithoutDcat:
    def test_every_action_still_resolves_without_ckanext_dcat(self):
        """GovShare chains ckanext-dcat's actions only when the plugin that
        defines them is loaded (CKAN refuses a chain to a missing action)."""
        assert helpers.call_action("package_search")["count"] == 0
