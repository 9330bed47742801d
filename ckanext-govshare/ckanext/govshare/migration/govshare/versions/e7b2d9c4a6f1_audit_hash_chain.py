"""audit trail: a hash chain per application; grants' changes are events

Revision ID: e7b2d9c4a6f1
Revises: d8e24b6a1f90
Create Date: 2026-12-02 06:00:00

Each row of ``govshare_application_event`` gets its place in its
application's chain (``seq`` 1, 2, 3 …), the time the database wrote it
(``recorded_at``), the hash of the event before it (``prev_hash``) and its
own ``hash``: SHA-256 over every field that matters
(:func:`govshare_application_event_hash`). A BEFORE INSERT trigger fills
them in, whoever inserts, after locking the application's row, so two
concurrent inserts for one application are chained one after the other.
Existing rows are chained in the order they were written.

An AFTER trigger on ``govshare_grant`` appends an event to the same chain
for every grant issued and every change of a grant (revoked, expired, or
changed in any other way, e.g. its term extended): a grant cannot change
without the trail saying so. Grants already there are recorded as they
stand (``grant_recorded``).

``ckan govshare audit verify`` recomputes the chains.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e7b2d9c4a6f1"
down_revision = "d8e24b6a1f90"
branch_labels = None
depends_on = None

EVENT = "govshare_application_event"

# The canonical form of an event: a JSON array of its fields (jsonb's text
# output is deterministic), a version tag first so that a later form can be
# told apart. Timestamps to the microsecond, as stored. The row is taken as
# ``anyelement`` (its fields read by name) so that the function does not
# depend on the table's type: ``ckan db clean`` can drop the table.
HASH_FUNCTION = """
CREATE OR REPLACE FUNCTION govshare_application_event_hash(e anyelement)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN encode(sha256(convert_to(jsonb_build_array(
        'govshare-event-v1', e.application_id, e.seq, e.move, e.from_state, e.to_state,
        e.actor_id, to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(e.recorded_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.reason, e.basis, e.terms, e.details, e.prev_hash)::text, 'UTF8')), 'hex');
END $$
"""

CHAIN_FUNCTION = """
CREATE OR REPLACE FUNCTION govshare_application_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last govshare_application_event;
BEGIN
    -- One writer per chain: the workflow holds this lock already; any other
    -- writer (a refused own-case attempt, a grant's trigger, a raw INSERT)
    -- waits here until the one before it has committed.
    PERFORM 1 FROM govshare_application WHERE id = NEW.application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'govshare_application_event: no application %', NEW.application_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT * INTO last FROM govshare_application_event
     WHERE application_id = NEW.application_id ORDER BY seq DESC LIMIT 1;
    NEW.seq := COALESCE(last.seq, 0) + 1;
    NEW.prev_hash := last.hash;
    -- the database's clock, never earlier than the event before
    NEW.recorded_at := GREATEST(clock_timestamp() AT TIME ZONE 'UTC', last.recorded_at);
    NEW.hash := govshare_application_event_hash(NEW);
    RETURN NEW;
END $$
"""

# What the trail says of a grant; ``audit verify`` compares every grant with
# the latest snapshot of it in its chain.
GRANT_SNAPSHOT_FUNCTION = """
CREATE OR REPLACE FUNCTION govshare_grant_snapshot(g anyelement)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'grant_id', g.id, 'state', g.state, 'user_id', g.user_id,
        'package_id', g.package_id, 'resource_ids', to_jsonb(g.resource_ids),
        'valid_from', g.valid_from, 'valid_until', g.valid_until));
END $$
"""

GRANT_FUNCTION = """
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


def upgrade():
    op.add_column(EVENT, sa.Column("seq", sa.Integer))
    op.add_column(EVENT, sa.Column("recorded_at", sa.DateTime))
    op.add_column(EVENT, sa.Column("prev_hash", sa.UnicodeText))
    op.add_column(EVENT, sa.Column("hash", sa.UnicodeText))
    op.execute(HASH_FUNCTION)

    # Chain the rows already there, in the order they were written; when they
    # were really written is unknown: their own time (never earlier than the
    # event before). The append-only trigger is off for this one UPDATE.
    op.execute(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_application_event_append_only")
    op.execute(f"""
        UPDATE {EVENT} e SET seq = s.n, recorded_at = s.written
        FROM (SELECT id,
                     row_number() OVER (PARTITION BY application_id ORDER BY id) AS n,
                     max(at) OVER (PARTITION BY application_id ORDER BY id
                                   ROWS UNBOUNDED PRECEDING) AS written
              FROM {EVENT}) s
        WHERE s.id = e.id
    """)
    op.execute(f"""
        DO $$
        DECLARE
            r {EVENT};
            prev text;
            chain text;
        BEGIN
            FOR r IN SELECT * FROM {EVENT} ORDER BY application_id, seq LOOP
                IF chain IS DISTINCT FROM r.application_id THEN
                    chain := r.application_id;
                    prev := NULL;
                END IF;
                r.prev_hash := prev;
                prev := govshare_application_event_hash(r);
                UPDATE {EVENT} SET prev_hash = r.prev_hash, hash = prev WHERE id = r.id;
            END LOOP;
        END $$
    """)
    op.execute(f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_application_event_append_only")
    for column in ("seq", "recorded_at", "hash"):
        op.alter_column(EVENT, column, nullable=False)
    op.drop_index("govshare_application_event_app_idx", table_name=EVENT)
    op.create_index("govshare_application_event_chain_idx", EVENT,
                    ["application_id", "seq"], unique=True)

    op.execute(CHAIN_FUNCTION)
    op.execute(f"""
        CREATE TRIGGER govshare_application_event_chain BEFORE INSERT ON {EVENT}
        FOR EACH ROW EXECUTE FUNCTION govshare_application_event_chain()
    """)
    op.execute(GRANT_SNAPSHOT_FUNCTION)
    op.execute(GRANT_FUNCTION)
    # the grants there already, as they stand, at the end of their chains
    op.execute(f"""
        INSERT INTO {EVENT} (application_id, at, move, from_state, to_state, details)
        SELECT g.application_id, clock_timestamp() AT TIME ZONE 'UTC', 'grant_recorded',
               a.state, a.state, govshare_grant_snapshot(g)
        FROM govshare_grant g JOIN govshare_application a ON a.id = g.application_id
        ORDER BY g.application_id
    """)
    op.execute("""
        CREATE TRIGGER govshare_grant_issued AFTER INSERT ON govshare_grant
        FOR EACH ROW EXECUTE FUNCTION govshare_grant_event()
    """)
    op.execute("""
        CREATE TRIGGER govshare_grant_changed AFTER UPDATE ON govshare_grant
        FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
        EXECUTE FUNCTION govshare_grant_event()
    """)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS govshare_grant_changed ON govshare_grant")
    op.execute("DROP TRIGGER IF EXISTS govshare_grant_issued ON govshare_grant")
    op.execute("DROP FUNCTION IF EXISTS govshare_grant_event()")
    op.execute("DROP FUNCTION IF EXISTS govshare_grant_snapshot(anyelement)")
    op.execute(f"DROP TRIGGER IF EXISTS govshare_application_event_chain ON {EVENT}")
    op.execute("DROP FUNCTION IF EXISTS govshare_application_event_chain()")
    op.drop_index("govshare_application_event_chain_idx", table_name=EVENT)
    op.create_index("govshare_application_event_app_idx", EVENT, ["application_id", "id"])
    op.execute("DROP FUNCTION IF EXISTS govshare_application_event_hash(anyelement)")
    for column in ("hash", "prev_hash", "recorded_at", "seq"):
        op.drop_column(EVENT, column)
