"""user notices: the message centre

Revision ID: 9a6d3f2c1b84
Revises: f3a8c1d5b9e2
Create Date: 2027-01-10 09:00:00

``govshare_user_notice``: one row per notice and recipient user (the
message centre, ``/dashboard/notices``), written by the job that handles
the outbox's notice. ``govshare_application_notice.delivered_at``: when
that job delivered the notice in the site (mail is ``sent_at``, apart:
a mail server that is down never holds the site's copy back). Notices sent
by mail before this revision count as delivered; unsent ones are delivered
in the site by the next tick.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision = "9a6d3f2c1b84"
down_revision = "f3a8c1d5b9e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "govshare_user_notice",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("source", sa.UnicodeText, nullable=False),
        sa.Column("source_id", sa.UnicodeText, nullable=False),
        sa.Column("subject", sa.UnicodeText, nullable=False),
        sa.Column("body", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("link", sa.UnicodeText),
        sa.Column("data", JSONB),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("read_at", sa.DateTime),
        sa.UniqueConstraint("source", "source_id", "user_id",
                            name="govshare_user_notice_once"),
    )
    # the message centre, newest first
    op.create_index("govshare_user_notice_user_idx", "govshare_user_notice",
                    ["user_id", sa.text("created_at DESC"), sa.text("id DESC")])
    # the header's unread count, on every page of a logged-in user
    op.create_index("govshare_user_notice_unread_idx", "govshare_user_notice",
                    ["user_id"], postgresql_where=sa.text("read_at IS NULL"))

    op.add_column("govshare_application_notice",
                  sa.Column("delivered_at", sa.DateTime))
    op.execute("UPDATE govshare_application_notice SET delivered_at = sent_at "
               "WHERE sent_at IS NOT NULL")
    op.create_index("govshare_application_notice_undelivered_idx",
                    "govshare_application_notice", ["id"],
                    postgresql_where=sa.text("delivered_at IS NULL"))


def downgrade():
    op.drop_index("govshare_application_notice_undelivered_idx",
                  table_name="govshare_application_notice")
    op.drop_column("govshare_application_notice", "delivered_at")
    op.drop_table("govshare_user_notice")
