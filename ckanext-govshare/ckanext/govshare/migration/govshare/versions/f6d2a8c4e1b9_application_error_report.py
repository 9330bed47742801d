"""applications: error reports from the public (纠错)

Revision ID: f6d2a8c4e1b9
Revises: c9e4b1a7f2d5
Create Date: 2026-12-03 04:40:00

An error report (kind ``error_report``) is a case of the one application
workflow: a logged-in user reports a problem with a dataset or one of its
resources, and the organization answers it (``corrected``, ``confirmed``:
no error found) or forwards it to the organization whose data it is. It
says what kind of problem (``problem``) and may carry one file
(``attachment``: its stored name, original name, size and type). A user may
report several problems with one dataset at once, so the "one pending
application per user and dataset" index leaves error reports out.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision = "f6d2a8c4e1b9"
down_revision = "c9e4b1a7f2d5"
branch_labels = None
depends_on = None

TABLE = "govshare_application"
KIND_CHECK = "govshare_application_kind_check"
PROBLEM_CHECK = "govshare_application_problem_check"
PENDING_UNIQ = "govshare_application_pending_uniq"
KINDS = ("open", "sharing", "verification")
PROBLEMS = ("wrong_values", "out_of_date", "broken_link", "personal_data", "other")
PENDING = ("submitted", "needs_supplement")


def _in(column, values):
    return "{} IN ({})".format(column, ", ".join("'%s'" % v for v in values))


def upgrade():
    op.add_column(TABLE, sa.Column("problem", sa.UnicodeText))
    op.add_column(TABLE, sa.Column("attachment", JSONB))
    op.drop_constraint(KIND_CHECK, TABLE, type_="check")
    op.create_check_constraint(KIND_CHECK, TABLE, _in("kind", KINDS + ("error_report",)))
    op.create_check_constraint(
        PROBLEM_CHECK, TABLE,
        "(kind = 'error_report') = (problem IS NOT NULL) AND "
        "(problem IS NULL OR {})".format(_in("problem", PROBLEMS)))
    op.drop_index(PENDING_UNIQ, TABLE)
    op.create_index(PENDING_UNIQ, TABLE, ["user_id", "package_id"], unique=True,
                    postgresql_where=sa.text(
                        _in("state", PENDING) + " AND kind <> 'error_report'"))
    # the dataset page lists a dataset's reports
    op.create_index("govshare_application_package_kind_idx", TABLE,
                    ["package_id", "kind", "created_at"])


def downgrade():
    op.drop_index("govshare_application_package_kind_idx", TABLE)
    op.execute(f"DELETE FROM govshare_application_notice WHERE application_id IN "
               f"(SELECT id FROM {TABLE} WHERE kind = 'error_report')")
    op.execute(f"DELETE FROM {TABLE} WHERE kind = 'error_report'")
    op.drop_index(PENDING_UNIQ, TABLE)
    op.create_index(PENDING_UNIQ, TABLE, ["user_id", "package_id"], unique=True,
                    postgresql_where=sa.text(_in("state", PENDING)))
    op.drop_constraint(PROBLEM_CHECK, TABLE, type_="check")
    op.drop_constraint(KIND_CHECK, TABLE, type_="check")
    op.create_check_constraint(KIND_CHECK, TABLE, _in("kind", KINDS))
    op.drop_column(TABLE, "attachment")
    op.drop_column(TABLE, "problem")
