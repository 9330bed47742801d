"""grants awaiting the applicant's acceptance of the terms

Revision ID: 6b2e4d8f0a13
Revises: b7d1f4a9c2e6
Create Date: 2026-12-02 18:00:00

Where the jurisdiction profile requires the applicant to accept the
approval's terms, a grant is issued ``awaiting_acceptance`` and opens
nothing until the applicant accepts them (``accept_terms``); then it becomes
``active``. The grant's trigger names that change ``grant_opened`` (the
applicant the actor), not ``grant_changed``.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "6b2e4d8f0a13"
down_revision = "b7d1f4a9c2e6"
branch_labels = None
depends_on = None

CHECK = "govshare_grant_state_check"


def _grant_function(opened: str) -> str:
    """``govshare_grant_event()`` of migration e7b2d9c4a6f1, with ``opened``
    (a branch of its IF, or nothing) before the catch-all ``grant_changed``."""
    return f"""
CREATE OR REPLACE FUNCTION govshare_grant_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    app govshare_application;
    kind text;
    actor text;
    happened timestamp;
    was jsonb;
BEGIN
    SELECT * INTO app FROM govshare_application WHERE id = NEW.application_id;
    IF TG_OP = 'INSERT' THEN
        kind := 'grant_issued';
        actor := app.decided_by;
        happened := COALESCE(app.decided_at, clock_timestamp() AT TIME ZONE 'UTC');
    ELSIF NEW.state IN ('revoked', 'expired') AND NEW.state IS DISTINCT FROM OLD.state THEN
        kind := 'grant_' || NEW.state;
        actor := NEW.ended_by;
        happened := COALESCE(NEW.ended_at, clock_timestamp() AT TIME ZONE 'UTC');
    {opened}
    ELSE
        kind := 'grant_changed';
        happened := clock_timestamp() AT TIME ZONE 'UTC';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        was := govshare_grant_snapshot(OLD) - 'grant_id';
    END IF;
    INSERT INTO govshare_application_event
        (application_id, at, actor_id, move, from_state, to_state, reason, details)
    VALUES (NEW.application_id, happened, actor, kind, app.state, app.state,
            CASE WHEN kind = 'grant_revoked' THEN NEW.end_reason END,
            govshare_grant_snapshot(NEW)
            || jsonb_strip_nulls(jsonb_build_object('was', was, 'db_role', session_user)));
    RETURN NULL;
END $$
"""


OPENED = """ELSIF OLD.state = 'awaiting_acceptance' AND NEW.state = 'active' THEN
        kind := 'grant_opened';
        actor := NEW.user_id;
        happened := clock_timestamp() AT TIME ZONE 'UTC';"""


def upgrade():
    op.drop_constraint(CHECK, "govshare_grant", type_="check")
    op.create_check_constraint(
        CHECK, "govshare_grant",
        "state IN ('awaiting_acceptance', 'active', 'expired', 'revoked')")
    op.execute(_grant_function(OPENED))


def downgrade():
    # a grant still awaiting acceptance stops the downgrade (the constraint
    # refuses it) rather than being opened or closed here
    op.execute(_grant_function(""))
    op.drop_constraint(CHECK, "govshare_grant", type_="check")
    op.create_check_constraint(CHECK, "govshare_grant",
                               "state IN ('active', 'expired', 'revoked')")
