"""applications, grants, append-only events, notice outbox

Revision ID: c3f1a9d2e5b7
Revises: 4053a769ffe3
Create Date: 2026-11-21 15:30:00

``govshare_application`` (one per request for a conditional dataset),
``govshare_application_event`` (append-only: a trigger refuses UPDATE and
DELETE), ``govshare_grant`` (what an approval gives) and
``govshare_application_notice`` (the mail outbox). Core ids are plain columns.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB


# revision identifiers, used by Alembic.
revision = "c3f1a9d2e5b7"
down_revision = "4053a769ffe3"
branch_labels = None
depends_on = None

STATES = ("submitted", "needs_supplement", "approved", "rejected", "withdrawn",
          "expired", "revoked")


def _in(column, values):
    return "{} IN ({})".format(column, ", ".join("'%s'" % v for v in values))


def upgrade():
    op.create_table(
        "govshare_application",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        sa.Column("resource_ids", ARRAY(sa.UnicodeText), nullable=False,
                  server_default="{}"),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("use_scenario", sa.UnicodeText, nullable=False),
        sa.Column("requested_fields", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("requested_term_months", sa.Integer, nullable=False),
        sa.Column("applicant_type", sa.UnicodeText, nullable=False),
        sa.Column("applicant_name", sa.UnicodeText, nullable=False),
        sa.Column("credit_code", sa.UnicodeText),
        sa.Column("contact_email", sa.UnicodeText, nullable=False),
        sa.Column("contact_phone", sa.UnicodeText, nullable=False),
        sa.Column("terms_accepted_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("due_date_provisional", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("extension_days", sa.Integer, nullable=False, server_default="0"),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by", sa.UnicodeText),
        sa.Column("answer_working_days", sa.Integer),
        sa.Column("answered_late", sa.Boolean),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("basis", sa.UnicodeText),
        sa.Column("terms", JSONB),
        sa.Column("modified_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(_in("state", STATES), name="govshare_application_state_check"),
        sa.CheckConstraint(_in("applicant_type", ("person", "organization")),
                           name="govshare_application_applicant_type_check"),
        sa.CheckConstraint("extension_days BETWEEN 0 AND 15",
                           name="govshare_application_extension_check"),
    )
    # the overdue filter and the report (an index-only scan: no table visit,
    # no sort of 100k rows)
    op.create_index("govshare_application_org_state_due_idx", "govshare_application",
                    ["owner_org", "state", "due_date"],
                    postgresql_include=["answered_late", "answer_working_days",
                                        "submitted_at"])
    # the reviewer inbox, in the order it is read: open ones first, by due date
    op.execute("""
        CREATE INDEX govshare_application_inbox_idx ON govshare_application (
            owner_org,
            (CASE WHEN state IN ('submitted', 'needs_supplement') THEN 0 ELSE 1 END),
            due_date NULLS LAST, submitted_at, id)
    """)
    op.create_index("govshare_application_user_idx", "govshare_application",
                    ["user_id", "created_at"])
    op.create_index("govshare_application_state_due_idx", "govshare_application",
                    ["state", "due_date"])
    # at most one pending application per user and dataset
    op.create_index("govshare_application_pending_uniq", "govshare_application",
                    ["user_id", "package_id"], unique=True,
                    postgresql_where=sa.text(_in("state", ("submitted", "needs_supplement"))))

    op.create_table(
        "govshare_application_event",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.UnicodeText, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.UnicodeText),
        sa.Column("move", sa.UnicodeText, nullable=False),
        sa.Column("from_state", sa.UnicodeText),
        sa.Column("to_state", sa.UnicodeText, nullable=False),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("basis", sa.UnicodeText),
        sa.Column("terms", JSONB),
        sa.Column("details", JSONB),
    )
    op.create_index("govshare_application_event_app_idx", "govshare_application_event",
                    ["application_id", "id"])
    # The audit trail is append-only, whoever connects: UPDATE and DELETE
    # raise. (TRUNCATE, which only the table owner may run, is left for
    # resetting test databases.)
    op.execute("""
        CREATE OR REPLACE FUNCTION govshare_application_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'govshare_application_event is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER govshare_application_event_append_only
        BEFORE UPDATE OR DELETE ON govshare_application_event
        FOR EACH ROW EXECUTE FUNCTION govshare_application_event_append_only();
    """)

    op.create_table(
        "govshare_grant",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("application_id", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("owner_org", sa.UnicodeText, nullable=False),
        sa.Column("resource_ids", ARRAY(sa.UnicodeText), nullable=False,
                  server_default="{}"),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("valid_until", sa.DateTime, nullable=False),
        sa.Column("state", sa.UnicodeText, nullable=False, server_default="active"),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("ended_by", sa.UnicodeText),
        sa.Column("end_reason", sa.UnicodeText),
        sa.CheckConstraint(_in("state", ("active", "expired", "revoked")),
                           name="govshare_grant_state_check"),
        sa.CheckConstraint("valid_until > valid_from", name="govshare_grant_term_check"),
    )
    # the tier check: a user's active grants on a dataset
    op.create_index("govshare_grant_user_package_idx", "govshare_grant",
                    ["user_id", "package_id"], postgresql_where=sa.text("state = 'active'"))
    op.create_index("govshare_grant_active_until_idx", "govshare_grant",
                    ["valid_until"], postgresql_where=sa.text("state = 'active'"))

    op.create_table(
        "govshare_application_notice",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.UnicodeText),
    )
    # a reminder / overdue notice is written once per application and due date
    op.create_index("govshare_application_notice_once_idx", "govshare_application_notice",
                    ["application_id", "kind", "due_date"], unique=True,
                    postgresql_where=sa.text("due_date IS NOT NULL"))
    op.create_index("govshare_application_notice_unsent_idx", "govshare_application_notice",
                    ["id"], postgresql_where=sa.text("sent_at IS NULL"))


def downgrade():
    op.drop_table("govshare_application_notice")
    op.drop_table("govshare_grant")
    op.execute("DROP TRIGGER IF EXISTS govshare_application_event_append_only "
               "ON govshare_application_event")
    op.drop_table("govshare_application_event")
    op.execute("DROP FUNCTION IF EXISTS govshare_application_event_append_only()")
    op.drop_table("govshare_application")
