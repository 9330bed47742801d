"""search popularity: downloads per dataset in the index, counted fast

Revision ID: 5e1c7a9b3d20
Revises: 9a6d3f2c1b84
Create Date: 2027-01-20 09:00:00

``resources_accessed_total`` (CKAN's Solr field for how often a dataset's
files were fetched) becomes a column of the embedded engine's narrow tables,
so search results tied on relevance are ordered by downloads without
reading each document's JSON. ``govshare_download_count`` gets an index on
``package_id``: indexing a dataset sums its downloads.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e1c7a9b3d20"
down_revision = "9a6d3f2c1b84"
branch_labels = None
depends_on = None

_TABLES = ("govshare_search_doc", "govshare_search_text")


def upgrade():
    for table in _TABLES:
        op.add_column(table, sa.Column("resources_accessed_total", sa.BigInteger))
    op.create_index("govshare_download_count_package_id", "govshare_download_count",
                    ["package_id"])


def downgrade():
    op.drop_index("govshare_download_count_package_id", "govshare_download_count")
    for table in _TABLES:
        op.drop_column(table, "resources_accessed_total")
