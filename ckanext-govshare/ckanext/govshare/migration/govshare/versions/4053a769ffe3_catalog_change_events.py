"""catalog change events

Revision ID: 4053a769ffe3
Revises: 7c07211308d3
Create Date: 2026-11-21 13:29:54.963224

``govshare_catalog_change``: a recorded change to a dataset's legal basis,
the agency's duties or its system, which the catalog entry must be updated
for within 15 working days. Open while ``answered_at`` is NULL. Dataset and
user ids are plain columns (no foreign keys into CKAN's tables).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4053a769ffe3"
down_revision = "7c07211308d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govshare_catalog_change",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False),
        sa.Column("recorded_by", sa.UnicodeText, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("answered_at", sa.DateTime, nullable=True),
        sa.Column("answered_by", sa.UnicodeText, nullable=True),
        sa.CheckConstraint("kind IN ('legal_basis', 'duties', 'system')",
                           name="govshare_catalog_change_kind_check"),
        sa.CheckConstraint("(answered_at IS NULL) = (answered_by IS NULL)",
                           name="govshare_catalog_change_answered_check"),
    )
    op.create_index("govshare_catalog_change_package_idx",
                    "govshare_catalog_change", ["package_id", "recorded_at"])
    # the open events, which every review listing reads
    op.create_index("govshare_catalog_change_open_idx",
                    "govshare_catalog_change", ["package_id"],
                    postgresql_where=sa.text("answered_at IS NULL"))


def downgrade():
    op.drop_table("govshare_catalog_change")
