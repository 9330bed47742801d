"""A re-index from empty builds the engine's secondary indexes once, at its end.

Keeping the GIN indexes (vectors, facet values, labels, every field) and the
listing orders up to date row by row is most of PostgreSQL's work in a
re-index, and the more so the larger the index: each chunk's rows land all
over them. Building each from the finished table is one sorted pass. So
``rebuild --clear`` drops them before it writes (the unique indexes, which
the writes' ``ON CONFLICT`` needs, stay), records their definitions in
``govshare_search_meta.deferred_indexes`` in the same transaction, and
creates them again at the end. A re-index stopped half way leaves the
record; the next ``rebuild``, with or without ``--clear``, builds them first.
Searches meanwhile answer, more slowly, from the tables themselves.

Only the owner role may drop and create indexes (``database/roles.py``):
these statements connect as it, as migrations do. Where the owner cannot
connect (production gives ``GOVSHARE_DB_OWNER_URL`` to the migrating process
only), the re-index keeps the indexes and updates them row by row.
"""
from __future__ import annotations

import contextlib
import json
import logging
from typing import Callable, Iterator

import sqlalchemy as sa

from ckanext.govshare.database import roles

log = logging.getLogger(__name__)

#: the tables whose secondary indexes are deferred
TABLES = ("govshare_search_doc", "govshare_search_text", "govshare_search_store")
#: memory for building one index: a GIN index of a million vectors is built
#: in far fewer passes with this than with PostgreSQL's default 64 MB
BUILD_MEMORY = "512MB"


@contextlib.contextmanager
def _as_owner() -> Iterator[object]:
    """A cursor of a transaction of the owner role's, committed at the end."""
    engine = sa.create_engine(roles.owner_url(), poolclass=sa.pool.NullPool)
    try:
        conn = engine.raw_connection()
        try:
            with conn.cursor() as cursor:
                yield cursor
            conn.commit()
        finally:
            conn.close()
    finally:
        engine.dispose()


def owner_reachable() -> bool:
    try:
        with _as_owner() as cursor:
            cursor.execute("SELECT 1")
    except sa.exc.SQLAlchemyError as error:
        log.warning("The search index keeps its indexes during the re-index: the owner"
                    " role cannot connect (%s)", str(error).splitlines()[0])
        return False
    return True


def defer() -> list[str]:
    """Drop the secondary indexes, recording them; returns their names."""
    with _as_owner() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[])"
            " AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1", (list(TABLES),))
        indexes = [{"name": name, "definition": definition}
                   for name, definition in cursor.fetchall()]
        if indexes:
            cursor.execute("UPDATE govshare_search_meta"
                           " SET deferred_indexes = deferred_indexes || %s::jsonb",
                           (json.dumps(indexes),))
        for index in indexes:
            cursor.execute(f"DROP INDEX {index['name']}")
    return [index["name"] for index in indexes]


def pending() -> list[dict[str, str]]:
    """The indexes dropped and not yet built again."""
    with _as_owner() as cursor:
        cursor.execute("SELECT deferred_indexes FROM govshare_search_meta")
        row = cursor.fetchone()
    return list(row[0]) if row else []


def restore(built: Callable[[str], None] | None = None,
            indexes: list[dict[str, str]] | None = None) -> int:
    """Build every pending index (``indexes``, if already read), each in a
    transaction of its own."""
    indexes = pending() if indexes is None else indexes
    for index in indexes:
        definition = index["definition"].replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
        with _as_owner() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
            cursor.execute(definition)
            cursor.execute(
                "UPDATE govshare_search_meta SET deferred_indexes = coalesce((SELECT"
                " jsonb_agg(x) FROM jsonb_array_elements(deferred_indexes) x"
                " WHERE x->>'name' <> %s), '[]'::jsonb)", (index["name"],))
        if built:
            built(index["name"])
    return len(indexes)
