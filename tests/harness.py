"""The test harness: what keeps the suite fast without changing what it tests.

CKAN's own fixtures load every plugin and build a new Flask app for each
test (``with_plugins``, ``app``: about 0.6 s), and reset the database by
re-running alembic (``clean_db`` plus ``migrate_db_for``: about 0.3 s), which
was ten times the cost of a typical test here. This module replaces that with:

* **one environment per configuration**: plugins are loaded and the app is
  built once, and again only when a test's ``ckan_config`` marks (or a
  fixture's load-time options, e.g. the search backend) differ from those
  the loaded environment was built with, or a test is marked
  ``fresh_environment``;
* **migrations once per session**, then a reset that deletes the rows of
  every table in foreign-key order (TRUNCATE costs ~300 ms on this disk for
  fifty tables; DELETE of a few rows costs under a millisecond a table);
  both as the database's owner role (``ckanext.govshare.database.roles``):
  the portal's role, which the tests run as, may only append to the audit
  tables, whose rows the reset truncates;
* **a database, a Redis database and a storage directory per xdist
  worker**, the databases copied from the migrated test database.

The fixtures that use these functions are in ``tests/conftest.py``.
"""
from __future__ import annotations

import graphlib
import logging
import os
import re
import time
from typing import Any, Iterable

import sqlalchemy as sa

log = logging.getLogger(__name__)

#: the index's epoch and generation row: search caches are keyed on it, so it
#: is kept (``search.clear_all`` bumps the generation instead)
KEPT_TABLES = ("govshare_search_meta",)


# ------------------------------------------------------------ xdist workers
def worker_id() -> str | None:
    """``gw0``, ``gw1`` … in an xdist worker, ``None`` otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def worker_number() -> int:
    wid = worker_id()
    return int(wid[2:]) if wid else -1


def worker_database(base_url: str, wid: str) -> str:
    url = sa.engine.make_url(base_url)
    return url.set(database=f"{url.database}_{wid}").render_as_string(hide_password=False)


def worker_redis(base_url: str, number: int) -> str:
    """Redis database ``base + 1 + number`` for worker ``number``."""
    match = re.match(r"^(redis://[^/]+)/(\d+)$", base_url)
    if not match:
        raise ValueError(f"ckan.redis.url must end in a database number: {base_url}")
    return f"{match.group(1)}/{int(match.group(2)) + 1 + number}"


def isolate_worker(ini_path: str) -> None:
    """In an xdist worker, point CKAN at the worker's own database, Redis
    database and storage directory through CKAN's environment overrides.

    Runs at conftest import, before CKAN's plugin reads the ini."""
    wid = worker_id()
    if not wid:
        return
    conf = _read_ini(ini_path)
    os.environ["CKAN_SQLALCHEMY_URL"] = worker_database(conf["sqlalchemy.url"], wid)
    for option, variable in DATASTORE_URLS.items():
        if conf.get(option):
            os.environ[variable] = worker_database(conf[option], wid)
    os.environ["CKAN_REDIS_URL"] = worker_redis(conf["ckan.redis.url"], worker_number())
    storage = os.path.abspath(f"{conf['ckan.storage_path']}-{wid}")
    os.makedirs(storage, exist_ok=True)
    os.environ["CKAN_STORAGE_PATH"] = storage
    # each test empties the Solr core the Solr variants use: a core per worker
    # where the Solr has them (make test's: scripts/solr.sh test-cores)
    solr_url = os.environ.get(SOLR_URL_VARIABLE)
    if solr_url and os.environ.get(SOLR_WORKER_CORES_VARIABLE):
        os.environ[SOLR_URL_VARIABLE] = f"{solr_url.rstrip('/')}-{wid}"


#: the Solr core of the tests' Solr variants (tests/search/conftest.py)
SOLR_URL_VARIABLE = "GOVSHARE_TEST_SOLR_URL"
#: set when that Solr has a core per xdist worker: the core's URL plus ``-gw0`` …
SOLR_WORKER_CORES_VARIABLE = "GOVSHARE_TEST_SOLR_WORKER_CORES"


#: the DataStore's URLs and CKAN's environment overrides of them: a worker
#: has its own copy of the DataStore database too (written by the portal
#: role, which owns it; the owner role, a member of it, copies it)
DATASTORE_URLS = {"ckan.datastore.write_url": "CKAN_DATASTORE_WRITE_URL",
                  "ckan.datastore.read_url": "CKAN_DATASTORE_READ_URL"}


def create_worker_databases(ini_path: str, workers: int) -> None:
    """In the xdist controller, before anything connects to the test
    database: one copy of it (and of its DataStore database) per worker,
    dropped first if left over."""
    from ckanext.govshare.database import roles

    conf = _read_ini(ini_path)
    bases = [sa.engine.make_url(conf["sqlalchemy.url"]).database]
    if conf.get("ckan.datastore.write_url"):
        bases.append(sa.engine.make_url(conf["ckan.datastore.write_url"]).database)
    owner = sa.engine.make_url(roles.owner_url(conf["sqlalchemy.url"]))
    if conf.get("ckan.datastore.write_url"):
        _drop_datastore_tables(conf["ckan.datastore.write_url"])
    # the owner role owns the test database (so may copy it) and its copies
    engine = sa.create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for number in range(workers):
                for base in bases:
                    name = f"{base}_gw{number}"
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    _copy_database(conn, base, name)
    finally:
        engine.dispose()


def _drop_datastore_tables(write_url: str) -> None:
    """Drop the resource tables single-process runs left in the DataStore
    database the workers' copies are made from: no test reads another run's
    tables, and a thousand of them slowed every copy and filled the table
    list past a page."""
    engine = sa.create_engine(write_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tableowner = current_user")).scalars().all()
            for table in tables:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        engine.dispose()


def _copy_database(conn: sa.engine.Connection, base: str, name: str, tries: int = 20) -> None:
    """CREATE DATABASE ``name`` TEMPLATE ``base``, which PostgreSQL refuses
    while anyone is connected to ``base``: another run on this machine that
    loaded the same ini (a single-process run pointed at a database of its
    own still reaches the ini's DataStore) may hold it for a moment. Their
    sessions are ended where the owner role may, else waited for."""
    for attempt in range(tries):
        try:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{base}"'))
            return
        except sa.exc.OperationalError as error:
            if "is being accessed by other users" not in str(error) or attempt == tries - 1:
                raise RuntimeError(
                    f"Cannot copy {base} for a test worker: {error.orig}. Another test run "
                    f"is connected to it; let it finish (or point yours elsewhere with "
                    f"CKAN_SQLALCHEMY_URL and CKAN_DATASTORE_WRITE_URL/READ_URL).") from error
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :base AND pid <> pg_backend_pid() "
                "AND pg_has_role(usename, 'MEMBER')"), {"base": base})
            time.sleep(1)


def _read_ini(ini_path: str) -> dict[str, Any]:
    """The ini's options with CKAN's environment overrides applied, as CKAN
    applies them when it starts (``CKAN_SQLALCHEMY_URL`` …): a run pointed
    at a database of its own copies that one for its workers, never the
    ini's."""
    from ckan.cli import load_config
    from ckan.config.environment import CONFIG_FROM_ENV_VARS

    conf = load_config(ini_path)
    for option, variable in CONFIG_FROM_ENV_VARS.items():
        if os.environ.get(variable):
            conf[option] = os.environ[variable]
    return conf


# ------------------------------------------------------------ the database
class Database:
    """The test database, migrated once; ``reset`` empties it."""

    def __init__(self) -> None:
        self._order: list[str] | None = None
        self._owner: sa.engine.Engine | None = None
        #: bumped when a reset deletes stored site settings (system_info):
        #: app_globals re-reads them (tests without marks keep what it holds)
        self.site_settings_generation = 0

    def owner(self) -> sa.engine.Engine:
        """An engine connected as the database's owner role."""
        from ckan.common import config

        from ckanext.govshare.database import roles

        url = roles.owner_url(config["sqlalchemy.url"])
        if self._owner is None or self._owner.url.render_as_string(False) != url:
            self._owner = sa.create_engine(url, pool_size=1, max_overflow=0)
        return self._owner

    def migrate(self) -> None:
        """Core, activity and GovShare migrations as the owner role, once per
        session (no-ops where the database, made by ``make test`` or copied
        from it, is at head), and the portal role's privileges (a database
        made before there were two roles is taken over by the owner)."""
        from ckan import model

        from ckanext.govshare.database import roles

        model.Session.remove()
        # alembic's env.py binds the model to an engine without a pool
        # (NullPool): every later query would open a new connection (~17 ms
        # with password authentication); roles.migrate gives the model its
        # pooled engine back.
        try:
            roles.migrate(plugins=("activity", "govshare"))
        except sa.exc.OperationalError as error:
            raise RuntimeError(
                "Cannot migrate the test database as its owner role: create the roles "
                "and the database with 'make services' (or scripts/services.sh NAME)"
            ) from error
        model.repo.tables_created_and_initialised = True
        with self.owner().begin() as conn:
            # the test database's commits need not wait for the disk
            conn.execute(sa.text(
                "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off',"
                " current_database()); END $$"))
            # a worker's database is a copy of the test database, with its
            # index epoch: a new one, so that no search count cached by an
            # earlier run or another copy matches this run's index
            conn.execute(sa.text("UPDATE govshare_search_meta SET epoch = gen_random_uuid()"))
        # and this run's Redis database starts empty (jobs, caches); never
        # database 0, make run's
        from ckan.lib.redis import connect_to_redis

        redis = connect_to_redis()
        if int(redis.connection_pool.connection_kwargs.get("db") or 0) != 0:
            redis.flushdb()
        self._order = None

    def reset(self) -> None:
        """Delete every row of every table (alembic versions and the search
        index's epoch kept), children before parents."""
        from ckan import model
        from ckan.tests import factories

        from ckanext.govshare.audit.chain import AUDIT_TABLES

        if self._order is None:
            self.migrate()
        # every session, also those of threads a test started, so that no
        # transaction left open holds a lock the deletes wait for
        model.Session.close_all()
        with self.owner().begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            if self._order is None:
                self._order = _deletion_order(conn)
            non_empty = _non_empty(conn, self._order)
            if "system_info" in non_empty:
                self.site_settings_generation += 1
            for table in non_empty:
                # append-only: their trigger refuses DELETE
                if table in AUDIT_TABLES:
                    conn.execute(sa.text(f'TRUNCATE "{table}"'))
                else:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
        factories.fake.unique.clear()
        import ckan.lib.search as search

        search.clear_all()


def _deletion_order(conn) -> list[str]:
    """The tables to empty, each after every table that refers to it."""
    tables = [row[0] for row in conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        if not row[0].endswith("alembic_version") and row[0] not in KEPT_TABLES]
    graph: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in conn.execute(sa.text(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text"
            " FROM pg_constraint c WHERE c.contype = 'f'")):
        child, parent = child.strip('"'), parent.strip('"')
        if child in graph and parent in graph and child != parent:
            graph[parent].add(child)  # the parent is emptied after its children
    return list(graphlib.TopologicalSorter(graph).static_order())


def _non_empty(conn, tables: Iterable[str]) -> list[str]:
    tables = list(tables)
    query = " UNION ALL ".join(
        f"SELECT {i} FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS t{i}" for i, t in enumerate(tables))
    present = {row[0] for row in conn.execute(sa.text(query))}
    return [t for i, t in enumerate(tables) if i in present]


# ------------------------------------------------------------ plugins and app
class Environment:
    """Loaded plugins and a built app for one set of configuration overrides."""

    def __init__(self) -> None:
        self.signature: str | None = None
        self.app: Any = None
        self.engine: Any = None
        self._site_settings_key: tuple[Any, ...] | None = None

    def ensure(self, overrides: Iterable[tuple[str, Any]], fresh: bool = False) -> Any:
        """The app for the current config plus ``overrides`` (already applied
        to the config by ``ckan_config``, or applied here for a module-scoped
        fixture); plugins reloaded and the app rebuilt only when the
        load-time ones differ from the loaded environment's."""
        from ckan.common import config
        from ckan.lib.app_globals import _CONFIG_CACHE
        from ckan.tests import helpers

        from ckan import model

        overrides = load_time(overrides)
        signature = repr(overrides)
        if not fresh and signature == self.signature and self._plugins_as_configured():
            if model.meta.engine is not self.engine:
                # something ran migrations in-process (their NullPool engine)
                model.init_model(self.engine)
            return self.app
        for key, value in overrides:
            config[key] = value
        _CONFIG_CACHE.clear()
        self.app = helpers._get_test_app()  # make_app: load_all() + the Flask stack
        self.engine = model.meta.engine
        self.signature = signature
        return self.app

    def forget(self) -> None:
        self.signature = None

    def site_settings_stale(self, marks: list[tuple[str, Any]]) -> bool:
        """Whether app_globals must re-read the site settings for a test with
        ``marks``: the marks differ from those it last read them with, or the
        environment or the settings stored in the database changed since."""
        key = (self.signature, repr(marks), DATABASE.site_settings_generation)
        if key == self._site_settings_key:
            return False
        self._site_settings_key = key
        return True

    @staticmethod
    def _plugins_as_configured() -> bool:
        import ckan.plugins as p
        from ckan.common import config
        from ckan.plugins.core import find_system_plugins

        wanted = p.toolkit.aslist(config.get("ckan.plugins")) + find_system_plugins()
        return all(p.plugin_loaded(name) for name in wanted)


#: options read when the plugins load or the app is built (the rest are read
#: from the config at each call, so a test's mark needs no reload)
LOAD_TIME_OPTIONS = re.compile(
    r"^(ckan\.plugins|ckan\.locale|ckan\.locales_|ckan\.i18n|ckan\.root_path|ckan\.site_url"
    r"|ckan\.site_id|ckan\.base_|ckan\.cache_|ckan\.debug|WTF_|SECRET_KEY|beaker\.|solr_url"
    r"|scheming\.|ckanext\.govshare\.search\.backend|ckanext\.dcat\.|ckan\.webassets"
    r"|ckan\.csrf|ckan\.auth\.route_after_login|who\.|ckan\.redis|sqlalchemy\.)")


def load_time(overrides: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [item for item in overrides if LOAD_TIME_OPTIONS.match(item[0])]


def marks_of(node) -> list[tuple[str, Any]]:
    """The ``ckan_config`` marks that apply to ``node`` (test, class or module)
    in the order CKAN's ``ckan_config`` fixture applies them."""
    return [tuple(mark.args) for mark in node.iter_markers("ckan_config")]


DATABASE = Database()
ENVIRONMENT = Environment()
