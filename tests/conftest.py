"""Shared fixtures. CKAN's pytest plugin gives ``app``, ``clean_db``,
``with_plugins``, ``cli`` …; the ones below replace the costly ones with the
harness (``tests/harness.py``): plugins and app built once per configuration,
migrations once per session, a row-deleting reset, and a database, Redis
database and storage directory per xdist worker."""
from __future__ import annotations

import os

import pytest

from ckanext.govshare.search.backend import EMBEDDED_URL
from tests import harness
from tests.hashing import cheap_password_hashes  # noqa: F401 (autouse)

# CKAN requires solr_url. The plugin fills it in when it loads, but the ``cli``
# fixture re-reads the ini while plugins are unloaded; CKAN's own env override
# keeps the embedded engine chosen there too.
os.environ.setdefault("CKAN_SOLR_URL", EMBEDDED_URL)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fresh_environment: reload the plugins and rebuild the app for this test")
    ini = config.getoption("ckan_ini", None)
    if not ini:
        return
    if hasattr(config, "workerinput"):  # an xdist worker
        harness.isolate_worker(ini)
        return
    workers = _xdist_workers(config)
    if workers:
        harness.create_worker_databases(ini, workers)


#: the modules that take most of a worker's time (measured 2026-12-03, 30-150 s
#: each), run first, longest first: pytest-randomly's order of modules
#: otherwise sometimes starts one of them last, and the other worker idles
#: for its length at the end. The other modules keep the random order.
LONGEST_FIRST = (
    "tests/tiers/test_every_surface.py",
    "tests/demo/test_loader.py",
    "tests/browser/test_accessibility.py",
    "tests/browser/test_data_request_journey.py",
    "tests/search/test_differential.py",
    "tests/tiers/test_surface_matrix.py",
    "tests/products/test_products.py",
    "tests/test_fuzz.py",
    "tests/test_security_headers.py",
    "tests/test_malformed_input.py",
)


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle
def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    # a stable sort: within a module, and among the other modules, the
    # random order stands
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def _xdist_workers(config) -> int:
    numprocesses = getattr(config.option, "numprocesses", None)
    if not numprocesses or getattr(config.option, "dist", "no") == "no":
        return 0
    if numprocesses in ("auto", "logical"):
        return os.cpu_count() or 1
    return int(numprocesses)


@pytest.fixture(autouse=True)
def _environment(request, ckan_config):
    """Every test runs with the plugins of its configuration loaded (test.ini's
    ``ckan.plugins`` plus its ``ckan_config`` marks); they are loaded again
    only when a load-time option of that configuration changes."""
    from ckan.lib import app_globals

    marks = harness.marks_of(request.node)
    fresh = request.node.get_closest_marker("fresh_environment") is not None
    harness.ENVIRONMENT.ensure(marks, fresh=fresh)
    if harness.ENVIRONMENT.site_settings_stale(marks):
        # site settings (ckan.site_title …) live in app_globals: read the
        # marks (a query per setting: only when they changed)
        app_globals._CONFIG_CACHE.clear()
        app_globals.reset()


@pytest.fixture()
def with_plugins(_environment):
    """Loaded by ``_environment`` for every test; kept for the tests' marks."""


@pytest.fixture()
def app(_environment):
    """A test client on the environment's app (built once per configuration)."""
    from ckan.common import config
    from ckan.tests.helpers import CKANTestApp

    # as CKAN's _get_test_app: REMOTE_USER logs a test's requests in
    config["testing"] = True
    return CKANTestApp(harness.ENVIRONMENT.app.app)


@pytest.fixture()
def clean_db():
    """An empty database (migrated once per session), an empty search index."""
    harness.DATABASE.reset()


@pytest.fixture(scope="module")
def module_db(request):
    """An empty database for a module whose tests share the data its
    module-scoped fixtures build; the module's tests do not use ``clean_db``.
    The plugins of the module's configuration are loaded first."""
    harness.ENVIRONMENT.ensure(harness.marks_of(request.node))
    harness.DATABASE.reset()


@pytest.fixture(scope="module")
def remove_demo_uploads():
    """Delete the files a module's demo load uploaded once its tests are done:
    the database is reset, but not ``ckan.storage_path``, and a load stores
    ~65 files."""
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
