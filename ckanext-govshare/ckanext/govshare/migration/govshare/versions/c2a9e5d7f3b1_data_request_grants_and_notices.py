"""interested parties' grants and data requests' notices

Revision ID: c2a9e5d7f3b1
Revises: b7e3d1f9a2c6
Create Date: 2026-12-03 12:00:00

Two tables of the applications serve data requests (需求征集) too:

* ``govshare_grant``: an agency answering a data request about one of its
  closed entries may open it to the requester as an interested party
  (利害关系人, Shanxi 2020 art. 14 ¶2). That grant belongs to the data
  request (``data_request_id``), not to an application: exactly one of the
  two is set. A grant of a data request has no application chain to append
  to, so the grant triggers of migration e7b2d9c4a6f1 fire for applications'
  grants only; the request records who answered and when, the grant who
  ended it, when and why.
* ``govshare_application_notice``: the outbox; a reminder or overdue notice
  of a data request names it (``data_request_id``) instead of an
  application, once per request, kind and due date.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c2a9e5d7f3b1"
down_revision = "b7e3d1f9a2c6"
branch_labels = None
depends_on = None

GRANT = "govshare_grant"
NOTICE = "govshare_application_notice"
ONE_OWNER = "num_nonnulls(application_id, data_request_id) = 1"


def _grant_triggers(only_applications: bool) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS govshare_grant_issued ON {GRANT}")
    op.execute(f"DROP TRIGGER IF EXISTS govshare_grant_changed ON {GRANT}")
    also = " AND NEW.application_id IS NOT NULL" if only_applications else ""
    op.execute(f"""
        CREATE TRIGGER govshare_grant_issued AFTER INSERT ON {GRANT}
        FOR EACH ROW {"WHEN (NEW.application_id IS NOT NULL)" if only_applications else ""}
        EXECUTE FUNCTION govshare_grant_event()
    """)
    op.execute(f"""
        CREATE TRIGGER govshare_grant_changed AFTER UPDATE ON {GRANT}
        FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*{also})
        EXECUTE FUNCTION govshare_grant_event()
    """)


def upgrade():
    op.alter_column(GRANT, "application_id", nullable=True)
    op.add_column(GRANT, sa.Column("data_request_id", sa.UnicodeText))
    op.create_unique_constraint("govshare_grant_data_request_key", GRANT, ["data_request_id"])
    op.create_check_constraint("govshare_grant_one_owner_check", GRANT, ONE_OWNER)
    _grant_triggers(only_applications=True)

    op.alter_column(NOTICE, "application_id", nullable=True)
    op.add_column(NOTICE, sa.Column("data_request_id", sa.UnicodeText))
    op.create_check_constraint("govshare_application_notice_one_owner_check", NOTICE,
                               ONE_OWNER)
    # a data request's reminder / overdue notice is written once per due date
    op.create_index("govshare_data_request_notice_once_idx", NOTICE,
                    ["data_request_id", "kind", "due_date"], unique=True,
                    postgresql_where=sa.text("due_date IS NOT NULL"))


def downgrade():
    op.drop_index("govshare_data_request_notice_once_idx", table_name=NOTICE)
    op.execute(f"DELETE FROM {NOTICE} WHERE data_request_id IS NOT NULL")
    op.drop_constraint("govshare_application_notice_one_owner_check", NOTICE, type_="check")
    op.drop_column(NOTICE, "data_request_id")
    op.alter_column(NOTICE, "application_id", nullable=False)

    _grant_triggers(only_applications=False)
    op.execute(f"DELETE FROM {GRANT} WHERE data_request_id IS NOT NULL")
    op.drop_constraint("govshare_grant_one_owner_check", GRANT, type_="check")
    op.drop_constraint("govshare_grant_data_request_key", GRANT, type_="unique")
    op.drop_column(GRANT, "data_request_id")
    op.alter_column(GRANT, "application_id", nullable=False)
