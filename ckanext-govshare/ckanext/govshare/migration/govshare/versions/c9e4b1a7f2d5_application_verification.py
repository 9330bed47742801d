"""applications: verification requests (数据校核)

Revision ID: c9e4b1a7f2d5
Revises: a5c8e2f1d7b3
Create Date: 2026-12-02 20:40:00

A verification request (kind ``verification``) asks a provider to check
data an agency doubts; it asks for no term of use, and its answer records
the correction made when the data was wrong (``correction``). Its answers
are two new states, ``corrected`` and ``confirmed`` (no error found); the
procedure kinds are checked by the database as the states are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9e4b1a7f2d5"
down_revision = "a5c8e2f1d7b3"
branch_labels = None
depends_on = None

TABLE = "govshare_application"
STATE_CHECK = "govshare_application_state_check"
KIND_CHECK = "govshare_application_kind_check"
STATES = ("submitted", "needs_supplement", "approved", "rejected", "withdrawn",
          "expired", "revoked")
VERIFICATION_STATES = ("corrected", "confirmed")
KINDS = ("open", "sharing", "verification")


def _in(column, values):
    return "{} IN ({})".format(column, ", ".join("'%s'" % v for v in values))


def upgrade():
    op.add_column(TABLE, sa.Column("correction", sa.UnicodeText))
    op.alter_column(TABLE, "requested_term_months", nullable=True)
    op.drop_constraint(STATE_CHECK, TABLE, type_="check")
    op.create_check_constraint(STATE_CHECK, TABLE, _in("state", STATES + VERIFICATION_STATES))
    op.create_check_constraint(KIND_CHECK, TABLE, _in("kind", KINDS))


def downgrade():
    op.drop_constraint(KIND_CHECK, TABLE, type_="check")
    op.execute(f"DELETE FROM {TABLE} WHERE {_in('state', VERIFICATION_STATES)}")
    op.drop_constraint(STATE_CHECK, TABLE, type_="check")
    op.create_check_constraint(STATE_CHECK, TABLE, _in("state", STATES))
    op.execute(f"UPDATE {TABLE} SET requested_term_months = 0 WHERE requested_term_months IS NULL")
    op.alter_column(TABLE, "requested_term_months", nullable=False)
    op.drop_column(TABLE, "correction")
