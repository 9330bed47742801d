from __future__ import annotations

import pytest
from rdflib import Graph

from ckan import model

from ckanext.govshare.demo import loader

FORMATS = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld"}


def parse(body: str | bytes, fmt: str = "ttl") -> Graph:
    """An endpoint's body as an rdflib graph (``fmt``: the URL extension)."""
    return Graph().parse(data=body, format=FORMATS[fmt])


@pytest.fixture
def remove_demo_uploads():
    """Delete the files the demo load uploaded: ``clean_db`` resets the
    database but not ``ckan.storage_path``."""
    yield
    names = [d["name"] for d in loader.load_catalog()["datasets"]]
    resources = (model.Session.query(model.Resource)
                 .join(model.Package, model.Package.id == model.Resource.package_id)
                 .filter(model.Package.name.in_(names), model.Resource.url_type == "upload"))
    for resource in resources:
        loader.remove_uploaded_file(resource)
    model.Session.remove()
