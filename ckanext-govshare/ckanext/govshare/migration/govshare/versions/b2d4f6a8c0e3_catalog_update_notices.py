"""catalog update notices: reminders and overdue notices of update deadlines

Revision ID: b2d4f6a8c0e3
Revises: a4c6e8f0b2d1
Create Date: 2026-12-02 07:10:00

``govshare_catalog_update_notice``: the outbox of the mails about catalog
entries' update deadlines (a reminder to the entry's contact before the due
date, an overdue notice to the organization's admins after it), one of each
kind per entry and due date. Dataset ids are plain columns.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e3"
down_revision = "a4c6e8f0b2d1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govshare_catalog_update_notice",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText, nullable=True),
        sa.CheckConstraint("kind IN ('reminder', 'overdue')",
                           name="govshare_catalog_update_notice_kind_check"),
        sa.UniqueConstraint("package_id", "kind", "due_date",
                            name="govshare_catalog_update_notice_once"),
    )
    # the unsent ones, which every tick reads
    op.create_index("govshare_catalog_update_notice_unsent_idx",
                    "govshare_catalog_update_notice", ["id"],
                    postgresql_where=sa.text("sent_at IS NULL"))


def downgrade():
    op.drop_table("govshare_catalog_update_notice")
