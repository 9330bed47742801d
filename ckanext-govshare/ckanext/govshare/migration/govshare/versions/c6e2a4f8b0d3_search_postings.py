"""search: posting bitmaps kept with the generation they were computed at

Revision ID: c6e2a4f8b0d3
Revises: b3f5d7e9a1c4
Create Date: 2026-12-04 22:00:00

``search/postings.py`` answers the counts and facets of broad queries on
large catalogs from roaring bitmaps of ``doc_id``s (docs/search-at-a-million.md):

* ``govshare_search_posting``: one bitmap per key (a lexeme, a label, a
  column's value, a facet field's values), with the index generation it
  was computed at. A cache: it is exact for every document not changed
  since that generation.
* ``govshare_search_change``: the documents each write changed, with the
  generation the write moved the index to (writers are serialised on
  ``govshare_search_meta``, so generations commit in order).
* ``govshare_search_meta.postings_horizon``: changes up to it have been
  forgotten; a posting older than it is computed again.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "c6e2a4f8b0d3"
down_revision = "b3f5d7e9a1c4"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE govshare_search_posting (
            key text PRIMARY KEY,
            generation bigint NOT NULL,
            bits bytea NOT NULL
        );
        CREATE TABLE govshare_search_change (
            generation bigint NOT NULL,
            doc_id integer NOT NULL
        );
        CREATE INDEX govshare_search_change_generation_idx
            ON govshare_search_change (generation);
        ALTER TABLE govshare_search_meta
            ADD COLUMN postings_horizon bigint NOT NULL DEFAULT 0;
    """)


def downgrade():
    op.execute("""
        ALTER TABLE govshare_search_meta DROP COLUMN postings_horizon;
        DROP TABLE govshare_search_change;
        DROP TABLE govshare_search_posting;
    """)
