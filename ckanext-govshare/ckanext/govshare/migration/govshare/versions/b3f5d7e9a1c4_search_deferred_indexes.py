"""search: the secondary indexes a re-index from empty builds at its end

Revision ID: b3f5d7e9a1c4
Revises: a8d4f2c6e1b3
Create Date: 2026-12-04 21:30:00

``ckan govshare search rebuild --clear`` drops the embedded engine's
secondary indexes (the GIN indexes of the vectors, facet values, labels and
fields, the listing orders) while it writes every document, and builds each
once at the end (``search/deferred_indexes.py``). Their definitions are kept
here meanwhile, so that a re-index stopped half way is finished by the next.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "b3f5d7e9a1c4"
down_revision = "a8d4f2c6e1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        ALTER TABLE govshare_search_meta
            ADD COLUMN deferred_indexes jsonb NOT NULL DEFAULT '[]'::jsonb;
    """)


def downgrade():
    op.execute("ALTER TABLE govshare_search_meta DROP COLUMN deferred_indexes;")
