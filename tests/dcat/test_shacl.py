"""GovShare's DCAT output checked with SEMIC's DCAT-AP 3 SHACL shapes
(:mod:`tests.dcat.shapes`). The demo catalog's conformance is tested in
``tests/demo/test_loader.py``, on the demo load its tests share; here,
that the shapes do catch a catalog that breaks them."""
from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from tests import factories
from tests.dcat.conftest import parse
from tests.dcat.shapes import load_shapes, violations


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_shapes_do_catch_a_broken_catalog(app, shapes):
    """The demo catalog's check can fail: a distribution without
    dcat:accessURL (mandatory in DCAT-AP 3) is reported."""
    factories.Dataset(resources=[{"name": "data", "url": "http://files.example.com/a.csv",
                                  "format": "CSV"}])
    graph = parse(app.get("/catalog.ttl", status=200).get_data())
    assert not violations(graph, shapes)
    for distribution in list(graph.subjects(RDF.type, DCAT.Distribution)):
        graph.remove((distribution, DCAT.accessURL, None))
    problems = violations(graph, shapes)
    assert problems and all("accessURL" in line for line in problems), problems
