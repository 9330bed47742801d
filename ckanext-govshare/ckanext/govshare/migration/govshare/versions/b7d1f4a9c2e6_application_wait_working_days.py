"""applications: the whole wait (first submission to decision) for the report

Revision ID: b7d1f4a9c2e6
Revises: 5e1c7a9b3d20
Create Date: 2026-12-02 17:00:00

``wait_working_days``: working days from the first submission to the
decision, supplement rounds included, beside ``answer_working_days`` (from
the last complete submission). Decided applications that were never sent
back for a supplement waited as long as they were answered in; the others
are filled from their events by ``ckan govshare applications recompute-due``
(the working-day calendar is Python's, not the database's). The report's
index includes the new column, so that it stays an index-only scan.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d1f4a9c2e6"
down_revision = "5e1c7a9b3d20"
branch_labels = None
depends_on = None

TABLE = "govshare_application"
INDEX = "govshare_application_org_state_due_idx"


def _china_day(column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date"


def upgrade():
    op.add_column(TABLE, sa.Column("wait_working_days", sa.Integer))
    op.execute(f"UPDATE {TABLE} SET wait_working_days = answer_working_days"
               f" WHERE decided_at IS NOT NULL AND answer_working_days IS NOT NULL"
               f" AND {_china_day('created_at')} = {_china_day('submitted_at')}")
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["owner_org", "state", "due_date"],
                    postgresql_include=["answered_late", "answer_working_days",
                                        "wait_working_days", "submitted_at"])


def downgrade():
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, ["owner_org", "state", "due_date"],
                    postgresql_include=["answered_late", "answer_working_days",
                                        "submitted_at"])
    op.drop_column(TABLE, "wait_working_days")
