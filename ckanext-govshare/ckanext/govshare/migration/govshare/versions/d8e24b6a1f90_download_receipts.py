"""download receipts and anonymous download counts

Revision ID: d8e24b6a1f90
Revises: c3f1a9d2e5b7
Create Date: 2026-11-21 15:50:00

``govshare_download_receipt`` (a logged-in user's download: what, which
version, when) and ``govshare_download_count`` (anonymous downloads per
resource and day, nothing personal).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8e24b6a1f90"
down_revision = "c3f1a9d2e5b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govshare_download_receipt",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("resource_id", sa.UnicodeText, nullable=False),
        sa.Column("resource_modified", sa.DateTime),
        sa.Column("metadata_modified", sa.DateTime),
        sa.Column("obtained_at", sa.DateTime, nullable=False),
        sa.Column("channel", sa.UnicodeText, nullable=False),
        sa.CheckConstraint("channel IN ('web', 'api')",
                           name="govshare_download_receipt_channel_check"),
    )
    # "My downloads": newest first (obtained_at DESC, id DESC), read backwards
    # a page at a time, without sorting all of a user's receipts
    op.create_index("govshare_download_receipt_user_idx", "govshare_download_receipt",
                    ["user_id", "obtained_at", "id"])
    # the latest receipt of a dataset, and of a resource, for a label
    # (one index entry read, however often the user downloaded it)
    op.create_index("govshare_download_receipt_user_package_idx",
                    "govshare_download_receipt", ["user_id", "package_id", "obtained_at"])
    op.create_index("govshare_download_receipt_user_resource_idx",
                    "govshare_download_receipt", ["user_id", "resource_id", "obtained_at"])
    op.create_table(
        "govshare_download_count",
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_table("govshare_download_count")
    op.drop_table("govshare_download_receipt")
