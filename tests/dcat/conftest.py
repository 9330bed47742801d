from __future__ import annotations

from rdflib import Graph

FORMATS = {"ttl": "turtle", "n3": "n3", "rdf": "xml", "xml": "xml", "jsonld": "json-ld"}


def parse(body: str | bytes, fmt: str = "ttl") -> Graph:
    """An endpoint's body as an rdflib graph (``fmt``: the URL extension)."""
    return Graph().parse(data=body, format=FORMATS[fmt])
