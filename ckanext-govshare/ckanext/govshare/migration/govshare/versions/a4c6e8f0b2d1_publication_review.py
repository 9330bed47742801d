"""publication review: each dataset's publication state, and its trail

Revision ID: a4c6e8f0b2d1
Revises: 5b8e1c2d7a90
Create Date: 2026-12-02 07:00:00

``govshare_publication``: one row per dataset, its publication state
(``draft`` / ``submitted`` / ``published`` / ``returned``) and the last
submission and decision. Every dataset that exists when this runs is
``published``: it was public before review existed.

``govshare_publication_event``: every step, append-only (a trigger refuses
UPDATE and DELETE; the portal's role may only insert and read it, see
``ckanext.govshare.database.roles``).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


# revision identifiers, used by Alembic.
revision = "a4c6e8f0b2d1"
down_revision = "5b8e1c2d7a90"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "published", "returned")


def upgrade():
    op.create_table(
        "govshare_publication",
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("state", sa.UnicodeText, nullable=False),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("submitted_by", sa.UnicodeText),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("decided_by", sa.UnicodeText),
        sa.Column("decided_at", sa.DateTime),
        sa.CheckConstraint("state IN ('%s')" % "', '".join(STATES),
                           name="govshare_publication_state_check"),
    )
    op.create_index("govshare_publication_org_state_idx", "govshare_publication",
                    ["owner_org", "state"])
    op.execute("""
        INSERT INTO govshare_publication (package_id, owner_org, state)
        SELECT id, owner_org, 'published' FROM package
    """)

    op.create_table(
        "govshare_publication_event",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("owner_org", sa.UnicodeText),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False,
                  server_default=sa.text("(now() AT TIME ZONE 'utc')")),
        sa.Column("actor_id", sa.UnicodeText),
        sa.Column("move", sa.UnicodeText, nullable=False),
        sa.Column("from_state", sa.UnicodeText),
        sa.Column("to_state", sa.UnicodeText, nullable=False),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("details", JSONB),
    )
    op.create_index("govshare_publication_event_pkg_idx", "govshare_publication_event",
                    ["package_id", "id"])
    op.execute("""
        CREATE OR REPLACE FUNCTION govshare_publication_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'govshare_publication_event is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER govshare_publication_event_append_only
        BEFORE UPDATE OR DELETE ON govshare_publication_event
        FOR EACH ROW EXECUTE FUNCTION govshare_publication_event_append_only();
    """)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS govshare_publication_event_append_only "
               "ON govshare_publication_event")
    op.execute("DROP FUNCTION IF EXISTS govshare_publication_event_append_only()")
    op.drop_table("govshare_publication_event")
    op.drop_table("govshare_publication")
