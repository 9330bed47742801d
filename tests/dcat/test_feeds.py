"""The GovShare DCAT-AP profile: what the catalog fields become in the feeds.

unconditional → ``dct:accessRights`` PUBLIC, distributions as in CKAN;
conditional → RESTRICTED; the resource code is ``dct:identifier``, the update
frequency an EU frequency. That no caller gets a closed dataset or the data of
a conditional one through any DCAT surface (the dataset and catalog endpoints
in every format, the ``dcat_*`` actions, ``/dcat.json``) is tested with every
other surface in tests/tiers/test_surface_matrix.py (``TestDcat``).
"""
from __future__ import annotations

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


def site_url() -> str:
    return tk.config.get("ckan.site_url").rstrip("/")


def dataset_ref(dataset) -> URIRef:
    return URIRef(f"{site_url()}/dataset/{dataset['id']}")


def get(app, url):
    return app.get(url, status=200).get_data(as_text=True)


def file_urls(dataset) -> list[str]:
    """Every URL of the dataset's resources as a sysadmin sees them (the
    real file locations, upload download URLs included)."""
    shown = helpers.call_action("package_show", {"ignore_auth": True}, id=dataset["id"])
    urls = [r["url"] for r in shown["resources"]]
    assert all(urls)
    return urls


@pytest.fixture
def portal(create_with_upload):
    """An agency with an unconditional and a conditional dataset, each with a
    link and an upload."""
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization(name="jiaotong-test")
    datasets = {}
    for tier, frequency in (("unconditional", "monthly"), ("conditional", "daily")):
        dataset = factories.Dataset(
            owner_org=org["id"], name=f"bus-{tier}", title=f"Bus {tier}",
            # fixed words: the factory's random notes may hold "condition",
            # which stems like "conditional" and would match the text queries
            notes=f"Stops and routes, {tier} access",
            open_tier=tier, update_frequency=frequency, resource_code=f"GS-JT-{tier.upper()}",
            # shared as opened: "conditional" is the conditional one's word only
            share_type=tier,
            license_id="cc-by",
            resources=[{"name": "stops", "format": "CSV",
                        "url": f"http://files.example.com/{tier}/stops.csv"}])
        create_with_upload("id,name\n1,Stop\n", f"{tier}-routes.csv", package_id=dataset["id"],
                           name="routes", format="CSV", context={"user": sysadmin["name"]})
        datasets[tier] = helpers.call_action("package_show", {"ignore_auth": True},
                                             id=dataset["id"])
    return {"org": org, "sysadmin": sysadmin, **datasets}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestProfile:
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

    def test_catalog_query_with_spaces_has_valid_paging_links(self, app, portal):
        graph = parse(get(app, "/catalog.ttl?q=Bus conditional&modified_since=2000-01-01"))
        assert list(graph.objects(URIRef(site_url()), DCAT.dataset)) == [
            dataset_ref(portal["conditional"])]
        pages = {str(s) for s in graph.subjects(RDF.type, URIRef(
            "http://www.w3.org/ns/hydra/core#PagedCollection"))}
        assert pages and all(" " not in page and "%20" in page for page in pages)

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
@pytest.mark.ckan_config("ckan.plugins",
                         "activity scheming_datasets scheming_organizations govshare")
class TestWithoutDcat:
    def test_every_action_still_resolves_without_ckanext_dcat(self):
        """GovShare chains ckanext-dcat's actions only when the plugin that
        defines them is loaded (CKAN refuses a chain to a missing action)."""
        assert helpers.call_action("package_search")["count"] == 0
