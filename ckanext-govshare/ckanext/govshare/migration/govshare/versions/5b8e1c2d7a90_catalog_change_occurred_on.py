"""catalog change: the day it occurred, and the kind "other"

Revision ID: 5b8e1c2d7a90
Revises: e7b2d9c4a6f1
Create Date: 2026-12-02 07:00:00

The update deadline of a recorded change counts from the day the change
occurred, which may be before the day it was recorded. Rows recorded before
this migration take the day they were recorded (in China: the default of
``ckanext.govshare.workdays.timezone``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5b8e1c2d7a90"
down_revision = "e7b2d9c4a6f1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("govshare_catalog_change", sa.Column("occurred_on", sa.Date))
    op.execute("UPDATE govshare_catalog_change SET occurred_on = "
               "(recorded_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date")
    op.alter_column("govshare_catalog_change", "occurred_on", nullable=False)
    op.drop_constraint("govshare_catalog_change_kind_check", "govshare_catalog_change")
    op.create_check_constraint(
        "govshare_catalog_change_kind_check", "govshare_catalog_change",
        "kind IN ('legal_basis', 'duties', 'system', 'other')")


def downgrade():
    op.execute("DELETE FROM govshare_catalog_change WHERE kind = 'other'")
    op.drop_constraint("govshare_catalog_change_kind_check", "govshare_catalog_change")
    op.create_check_constraint(
        "govshare_catalog_change_kind_check", "govshare_catalog_change",
        "kind IN ('legal_basis', 'duties', 'system')")
    op.drop_column("govshare_catalog_change", "occurred_on")
