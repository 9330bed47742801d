"""search: the exact title a visitor typed, found by index

Revision ID: d7a3c5e1f9b2
Revises: c6e2a4f8b0d3
Create Date: 2026-12-04 22:40:00

A dataset whose whole title was typed ranks first (``client.SearchRequest``:
``lower(title_string) = ANY(...)``). Ranking from posting bitmaps
(``postings.first_by_score``) always takes those datasets as candidates,
and finds them here rather than by reading every title.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "d7a3c5e1f9b2"
down_revision = "c6e2a4f8b0d3"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX govshare_search_doc_title_lower_idx"
               " ON govshare_search_doc (lower(title_string));")


def downgrade():
    op.execute("DROP INDEX IF EXISTS govshare_search_doc_title_lower_idx;")
