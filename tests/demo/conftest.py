from __future__ import annotations

import pytest

from ckan import model

from ckanext.govshare.demo import loader


@pytest.fixture
def remove_demo_uploads():
    """Delete the files the test's demo loads uploaded: ``clean_db`` resets the
    database but not ``ckan.storage_path``, and each load stores ~65 files."""
    yield
    names = [d["name"] for d in loader.load_catalog()["datasets"]]
    resources = (model.Session.query(model.Resource)
                 .join(model.Package, model.Package.id == model.Resource.package_id)
                 .filter(model.Package.name.in_(names), model.Resource.url_type == "upload"))
    for resource in resources:
        loader.remove_uploaded_file(resource)
    model.Session.remove()
