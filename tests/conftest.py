"""Shared fixtures: CKAN's pytest plugin gives app, clean_db, with_plugins, cli."""
from __future__ import annotations

import os

import pytest

from ckanext.govshare.search.backend import EMBEDDED_URL

# CKAN requires solr_url. The plugin fills it in when it loads, but the ``cli``
# fixture re-reads the ini while plugins are unloaded; CKAN's own env override
# keeps the embedded engine chosen there too.
os.environ.setdefault("CKAN_SOLR_URL", EMBEDDED_URL)


@pytest.fixture()
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db plus GovShare's own migrations and an empty search index."""
    _empty_audit_trail()
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("govshare")
    import ckan.lib.search as search

    search.clear_all()


def _empty_audit_trail() -> None:
    """The application event table refuses DELETE (append-only, enforced by a
    trigger), which CKAN's reset_db uses; TRUNCATE, the owner's privilege,
    empties it between tests."""
    import sqlalchemy as sa
    from ckan import model

    model.Session.remove()
    with model.meta.engine.begin() as conn:
        if sa.inspect(conn).has_table("govshare_application_event"):
            conn.execute(sa.text("TRUNCATE govshare_application_event"))


@pytest.fixture
def remove_demo_uploads():
    """Delete the files the test's demo loads uploaded: ``clean_db`` resets the
    database but not ``ckan.storage_path``, and each load stores ~65 files."""
    yield
    from ckan import model

    from ckanext.govshare.demo import loader

    names = [d["name"] for d in loader.load_catalog()["datasets"]]
    resources = (model.Session.query(model.Resource)
                 .join(model.Package, model.Package.id == model.Resource.package_id)
                 .filter(model.Package.name.in_(names), model.Resource.url_type == "upload"))
    for resource in resources:
        loader.remove_uploaded_file(resource)
    model.Session.remove()
