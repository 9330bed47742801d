"""data requests from the public (需求征集)

Revision ID: b7e3d1f9a2c6
Revises: f6d2a8c4e1b9
Create Date: 2026-12-03 04:45:00

A data request asks for data that is not open yet; others support it, one
vote each (the primary key of ``govshare_data_request_support`` keeps it
so under concurrency); the agency answers within the profile's period.
``support_count`` is kept with the votes, in their transaction, for the
list sorted by support.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e3d1f9a2c6"
down_revision = "f6d2a8c4e1b9"
branch_labels = None
depends_on = None

OUTCOMES = ("will_open", "available", "by_application", "cannot_open")


def upgrade():
    op.create_table(
        "govshare_data_request",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False),
        sa.Column("purpose", sa.UnicodeText, nullable=False),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("due_date_provisional", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("support_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("outcome", sa.UnicodeText),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("basis", sa.UnicodeText),
        sa.Column("package_id", sa.UnicodeText),
        sa.Column("open_by", sa.Date),
        sa.Column("answered_at", sa.DateTime),
        sa.Column("answered_by", sa.UnicodeText),
        sa.Column("answered_late", sa.Boolean),
        sa.CheckConstraint("state IN ('submitted', 'answered')",
                           name="govshare_data_request_state_check"),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ({})".format(
            ", ".join("'%s'" % o for o in OUTCOMES)), name="govshare_data_request_outcome_check"),
        sa.CheckConstraint("support_count >= 0", name="govshare_data_request_support_check"),
    )
    op.create_index("govshare_data_request_support_idx", "govshare_data_request",
                    ["support_count", "created_at"])
    op.create_index("govshare_data_request_created_idx", "govshare_data_request",
                    ["created_at"])
    op.create_table(
        "govshare_data_request_support",
        sa.Column("request_id", sa.UnicodeText,
                  sa.ForeignKey("govshare_data_request.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.UnicodeText, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade():
    op.drop_table("govshare_data_request_support")
    op.drop_table("govshare_data_request")
