"""The database's two roles: the **owner**, which migrates, and the
**portal**, which the web, the jobs worker and every other command connect as.

The portal role is the user of ``sqlalchemy.url``. The owner owns the
database and everything in it; the portal may read and write the tables it
needs, but only append to and read the audit tables
(:data:`ckanext.govshare.audit.chain.AUDIT_TABLES`): it cannot update,
delete, truncate, alter or drop them, nor disable their triggers.

How the owner connects is decided here, and only here
(:func:`owner_url`): the environment variable ``GOVSHARE_DB_OWNER_URL`` if
set (production: give it to the migrating process only, never to the web's
ini), else ``sqlalchemy.url`` with the user ``<user>_owner`` and the same
password (development and tests, where both live on 127.0.0.1). Either way
the database is the one ``sqlalchemy.url`` names, so a test worker's copy or
a developer's own database follows ``CKAN_SQLALCHEMY_URL``.

``python -m ckanext.govshare.database.roles owner-url PORTAL_URL`` prints
the owner URL (``scripts/lib.sh`` creates the role from it).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Iterator, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

#: the owner's connection URL; unset: derived from ``sqlalchemy.url``
OWNER_URL_ENV = "GOVSHARE_DB_OWNER_URL"
#: the suffix of the derived owner's user name
OWNER_SUFFIX = "_owner"
#: what the portal role may do with every other table and sequence
PORTAL_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
PORTAL_SEQUENCE_PRIVILEGES = "USAGE, SELECT"
#: what it may do with an audit table
PORTAL_AUDIT_PRIVILEGES = "SELECT, INSERT"


def owner_url(portal_url: Optional[str] = None) -> str:
    """The owner's connection URL for the database of ``portal_url``
    (default: the configured ``sqlalchemy.url``)."""
    portal = make_url(portal_url or _configured_url())
    given = os.environ.get(OWNER_URL_ENV, "").strip()
    if given:
        owner = make_url(given).set(database=portal.database)
    else:
        owner = portal.set(username=f"{portal.username}{OWNER_SUFFIX}")
    return owner.render_as_string(hide_password=False)


def portal_role(portal_url: Optional[str] = None) -> str:
    return str(make_url(portal_url or _configured_url()).username)


def _configured_url() -> str:
    from ckan.common import config

    return str(config["sqlalchemy.url"])


# ------------------------------------------------------------ migrations
@contextlib.contextmanager
def migrating_as(url: str) -> Iterator[None]:
    """CKAN's migration runners read ``sqlalchemy.url`` from the config;
    point it at ``url`` for the duration, then give the model the engine it
    had (core's alembic ``env.py`` binds the model to its own engine)."""
    from ckan import model
    from ckan.common import config

    saved_url, saved_engine = config["sqlalchemy.url"], model.meta.engine
    config["sqlalchemy.url"] = url
    try:
        yield
    finally:
        config["sqlalchemy.url"] = saved_url
        model.Session.remove()
        model.init_model(saved_engine)


def migrate(plugins: Optional[Sequence[str]] = None) -> None:
    """Run CKAN's core migrations and the plugins' (``plugins``; default: every
    enabled plugin with pending ones, as ``ckan db upgrade`` does, then
    GovShare's) as the owner role, then :func:`secure` the database."""
    from ckan import model
    from ckan.cli import db as ckan_db

    portal = _configured_url()
    owner = owner_url(portal)
    with migrating_as(owner):
        model.repo.upgrade_db()
        if plugins is None:
            ckan_db._migrate_plugins(apply=True)
            plugins = ("govshare",)
        for plugin in plugins:
            ckan_db._run_migrations(plugin)
    secure(owner, portal)


# ------------------------------------------------------------ privileges
def _engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def secure(owner: str, portal: str) -> None:
    """As the owner: take over the database and every object in it that the
    portal role still owns (databases made before there were two roles),
    then give the portal role what it needs and no more. Idempotent."""
    from ckanext.govshare.audit.chain import AUDIT_TABLES

    portal_name = str(make_url(portal).username)
    engine = _engine(owner)
    try:
        with engine.begin() as conn:
            owner_name = conn.execute(sa.text("SELECT current_user")).scalar()
            if owner_name == portal_name:
                log.warning("The owner and the portal are the same role (%s): the "
                            "audit tables stay writable by the portal", owner_name)
                return
            _take_over(conn, owner_name, portal_name)
            _grant(conn, owner_name, portal_name, AUDIT_TABLES)
    finally:
        engine.dispose()


def _ident(conn: sa.engine.Connection, name: str) -> str:
    return str(conn.execute(sa.text("SELECT quote_ident(:n)"), {"n": name}).scalar())


def _take_over(conn: sa.engine.Connection, owner: str, portal: str) -> None:
    """ALTER … OWNER TO the owner for the database and what the portal owns in
    it (the owner is a member of the portal role, so it may)."""
    o = _ident(conn, owner)
    if conn.execute(sa.text(
            "SELECT pg_get_userbyid(datdba) = :portal FROM pg_database"
            " WHERE datname = current_database()"), {"portal": portal}).scalar():
        conn.execute(sa.text(f"ALTER DATABASE {_ident(conn, _database(conn))} OWNER TO {o}"))
    # tables first: their indexes and serial sequences follow them
    rows = conn.execute(sa.text("""
        SELECT c.relkind, format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE pg_get_userbyid(c.relowner) = :portal
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY c.relkind"""), {"portal": portal}).all()
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
             "f": "FOREIGN TABLE"}
    for kind, name in rows:
        conn.execute(sa.text(f"ALTER {kinds[kind]} {name} OWNER TO {o}"))
    for (name,) in conn.execute(sa.text("""
            SELECT format('%I.%I', n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE pg_get_userbyid(c.relowner) = :portal AND c.relkind = 'S'
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""),
            {"portal": portal}).all():
        conn.execute(sa.text(f"ALTER SEQUENCE {name} OWNER TO {o}"))
    for (signature,) in conn.execute(sa.text("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE pg_get_userbyid(p.proowner) = :portal
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""),
            {"portal": portal}).all():
        conn.execute(sa.text(f"ALTER ROUTINE {signature} OWNER TO {o}"))
    for (name,) in conn.execute(sa.text("""
            SELECT format('%I.%I', n.nspname, t.typname) FROM pg_type t
            JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE pg_get_userbyid(t.typowner) = :portal AND t.typtype IN ('e', 'd')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""),
            {"portal": portal}).all():
        conn.execute(sa.text(f"ALTER TYPE {name} OWNER TO {o}"))


def _database(conn: sa.engine.Connection) -> str:
    return str(conn.execute(sa.text("SELECT current_database()")).scalar())


def _grant(conn: sa.engine.Connection, owner: str, portal: str,
           audit_tables: Sequence[str]) -> None:
    o, p = _ident(conn, owner), _ident(conn, portal)
    db = _ident(conn, _database(conn))
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {p}",
        f"GRANT USAGE ON SCHEMA public TO {p}",
        f"GRANT {PORTAL_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {p}",
        f"GRANT {PORTAL_SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA public TO {p}",
        # tables a later migration creates
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public"
        f" GRANT {PORTAL_TABLE_PRIVILEGES} ON TABLES TO {p}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public"
        f" GRANT {PORTAL_SEQUENCE_PRIVILEGES} ON SEQUENCES TO {p}",
    ]
    present = set(conn.execute(sa.text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    for table in audit_tables:
        if table not in present:
            continue
        t = _ident(conn, table)
        statements += [f"REVOKE ALL ON {t} FROM PUBLIC", f"REVOKE ALL ON {t} FROM {p}",
                       f"GRANT {PORTAL_AUDIT_PRIVILEGES} ON {t} TO {p}"]
    for statement in statements:
        conn.execute(sa.text(statement))


def ensure_portal_role(portal_url: str) -> bool:
    """As the owner: create the portal role of ``portal_url`` with its
    password, or give it that password, as the Docker image's ``init`` needs
    before anything connects as it; True if the role was created. An owner
    that may not manage roles (development: ``scripts/services.sh`` does it
    as the superuser) leaves an existing role alone."""
    portal = make_url(portal_url)
    engine = _engine(owner_url(portal_url))
    try:
        with engine.begin() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                  {"r": portal.username}).first() is not None
            manages_roles = conn.execute(sa.text(
                "SELECT rolsuper OR rolcreaterole FROM pg_roles"
                " WHERE rolname = current_user")).scalar()
            if exists and not manages_roles:
                return False
            conn.execute(sa.text(conn.execute(sa.text(
                "SELECT format('%s ROLE %I LOGIN PASSWORD %L', :verb, :r, :p)"),
                {"verb": "ALTER" if exists else "CREATE", "r": portal.username,
                 "p": portal.password or ""}).scalar()))
            return not exists
    finally:
        engine.dispose()


def main(argv: Sequence[str]) -> int:
    """For the scripts, without loading CKAN:

    * ``owner-url PORTAL_URL``: the owner's URL;
    * ``owner-login PORTAL_URL``: the owner's user and password, a line each;
    * ``ensure-portal PORTAL_URL``: create the portal role as the owner if
      it does not exist.
    """
    commands = ("owner-url", "owner-login", "ensure-portal")
    if len(argv) != 2 or argv[0] not in commands:
        print(f"usage: python -m ckanext.govshare.database.roles {'|'.join(commands)}"
              " PORTAL_URL", file=sys.stderr)
        return 2
    command, portal = argv
    if command == "owner-url":
        print(owner_url(portal))
    elif command == "owner-login":
        owner = make_url(owner_url(portal))
        print(owner.username)
        print(owner.password or "")
    elif ensure_portal_role(portal):
        print(f"created role {make_url(portal).username}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
