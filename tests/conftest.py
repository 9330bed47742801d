"""Shared fixtures: CKAN's pytest plugin gives app, clean_db, with_plugins, cli."""
from __future__ import annotations

import pytest


@pytest.fixture()
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db plus GovShare's own migrations and an empty search index."""
    reset_db()
    migrate_db_for("activity")
    migrate_db_for("govshare")
    import ckan.lib.search as search

    search.clear_all()
