"""audit trail: the publication review's events hash-chained, one chain per dataset

Revision ID: f3a8c1d5b9e2
Revises: b2d4f6a8c0e3
Create Date: 2026-12-03 06:00:00

The applications' trail is chained by a trigger (``e7b2d9c4a6f1``); this
makes that trigger one function for every trail, ``govshare_event_chain``,
told by its arguments which column names the chain, which row to lock and
which function hashes an event:

* ``govshare_application_event``: a chain per application, the
  application's row locked, hashed by ``govshare_application_event_hash``
  (unchanged: the hashes already written stay valid);
* ``govshare_publication_event``: a chain per dataset (``package_id``), its
  ``govshare_publication`` row locked (the review's moves lock it already),
  hashed by ``govshare_publication_event_hash``.

Each publication event gets ``seq``, ``prev_hash`` and ``hash``;
``recorded_at`` becomes the database's clock at the insert, never earlier
than the event before. Events already there are chained in the order they
were written. Datasets with a publication state but no event (those that
existed before the review) get one ``state_recorded`` event, so that a
trail deleted later shows. ``ckan govshare audit verify`` checks both trails
(``ckanext.govshare.audit.chain.TRAILS``).
"""
import importlib.util
import pathlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a8c1d5b9e2"
down_revision = "b2d4f6a8c0e3"
branch_labels = None
depends_on = None

EVENT = "govshare_publication_event"
APPLICATION_EVENT = "govshare_application_event"

# What a publication event's hash covers, as for the applications' events
# (jsonb's text form is deterministic; a version tag first). The row is taken
# as ``anyelement`` so that the function does not depend on the table's type.
HASH_FUNCTION = """
CREATE OR REPLACE FUNCTION govshare_publication_event_hash(e anyelement)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN encode(sha256(convert_to(jsonb_build_array(
        'govshare-publication-event-v1', e.package_id, e.seq, e.owner_org, e.move,
        e.from_state, e.to_state, e.actor_id, to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(e.recorded_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.reason, e.details, e.prev_hash)::text, 'UTF8')), 'hex');
END $$
"""

# One chaining trigger for every trail. Arguments: the column naming the
# chain, the table of what the chain is about and its key column (its row is
# locked: one writer per chain, the second waits for the first to commit),
# whether that row must exist ('required') or is locked when it does
# ('optional': a dataset's first event may be flushed before its publication
# row), and the trail's hash function.
CHAIN_FUNCTION = """
CREATE OR REPLACE FUNCTION govshare_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    chain text := to_jsonb(NEW) ->> TG_ARGV[0];
    locked integer;
    last_seq integer;
    last_hash text;
    last_recorded timestamp;
BEGIN
    EXECUTE format('SELECT 1 FROM %I WHERE %I = $1 FOR UPDATE', TG_ARGV[1], TG_ARGV[2])
        INTO locked USING chain;
    IF locked IS NULL AND TG_ARGV[3] = 'required' THEN
        RAISE EXCEPTION '%: no % %', TG_TABLE_NAME, TG_ARGV[1], chain
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE format('SELECT seq, hash, recorded_at FROM %I.%I WHERE %I = $1'
                   ' ORDER BY seq DESC LIMIT 1', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0])
        INTO last_seq, last_hash, last_recorded USING chain;
    NEW.seq := COALESCE(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    -- the database's clock, never earlier than the event before
    NEW.recorded_at := GREATEST(clock_timestamp() AT TIME ZONE 'UTC', last_recorded);
    EXECUTE format('SELECT %I($1)', TG_ARGV[4]) INTO NEW.hash USING NEW;
    RETURN NEW;
END $$
"""

#: the triggers' arguments (see CHAIN_FUNCTION)
CHAIN_ARGUMENTS = {
    APPLICATION_EVENT: ("application_id", "govshare_application", "id", "required",
                        "govshare_application_event_hash"),
    EVENT: ("package_id", "govshare_publication", "package_id", "optional",
            "govshare_publication_event_hash"),
}


def _create_chain_trigger(table: str) -> None:
    arguments = ", ".join(f"'{a}'" for a in CHAIN_ARGUMENTS[table])
    op.execute(f"""
        CREATE TRIGGER {table}_chain BEFORE INSERT ON {table}
        FOR EACH ROW EXECUTE FUNCTION govshare_event_chain({arguments})
    """)


def _chain_existing_rows() -> None:
    """Number, date and hash the events already there, in the order they
    were written (``recorded_at`` was the writing transaction's start: never
    earlier than the event before)."""
    op.execute(f"ALTER TABLE {EVENT} DISABLE TRIGGER govshare_publication_event_append_only")
    op.execute(f"""
        UPDATE {EVENT} e SET seq = s.n, recorded_at = s.written
        FROM (SELECT id,
                     row_number() OVER (PARTITION BY package_id ORDER BY id) AS n,
                     max(recorded_at) OVER (PARTITION BY package_id ORDER BY id
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
            FOR r IN SELECT * FROM {EVENT} ORDER BY package_id, seq LOOP
                IF chain IS DISTINCT FROM r.package_id THEN
                    chain := r.package_id;
                    prev := NULL;
                END IF;
                r.prev_hash := prev;
                prev := govshare_publication_event_hash(r);
                UPDATE {EVENT} SET prev_hash = r.prev_hash, hash = prev WHERE id = r.id;
            END LOOP;
        END $$
    """)
    op.execute(f"ALTER TABLE {EVENT} ENABLE TRIGGER govshare_publication_event_append_only")


def upgrade():
    op.add_column(EVENT, sa.Column("seq", sa.Integer))
    op.add_column(EVENT, sa.Column("prev_hash", sa.UnicodeText))
    op.add_column(EVENT, sa.Column("hash", sa.UnicodeText))
    op.execute(HASH_FUNCTION)
    _chain_existing_rows()
    for column in ("seq", "hash"):
        op.alter_column(EVENT, column, nullable=False)
    op.drop_index("govshare_publication_event_pkg_idx", table_name=EVENT)
    op.create_index("govshare_publication_event_chain_idx", EVENT,
                    ["package_id", "seq"], unique=True)

    op.execute(CHAIN_FUNCTION)
    # the applications' trail: the same chain, now by the shared function
    op.execute(f"DROP TRIGGER govshare_application_event_chain ON {APPLICATION_EVENT}")
    op.execute("DROP FUNCTION govshare_application_event_chain()")
    _create_chain_trigger(APPLICATION_EVENT)
    _create_chain_trigger(EVENT)

    # datasets whose state no event records (those from before the review)
    op.execute(f"""
        INSERT INTO {EVENT} (package_id, owner_org, at, move, from_state, to_state)
        SELECT p.package_id, p.owner_org, clock_timestamp() AT TIME ZONE 'UTC',
               'state_recorded', p.state, p.state
        FROM govshare_publication p
        WHERE NOT EXISTS (SELECT 1 FROM {EVENT} e WHERE e.package_id = p.package_id)
        ORDER BY p.package_id
    """)


def _revision_before() -> object:
    """Migration ``e7b2d9c4a6f1`` (its trigger function, for the downgrade)."""
    path = pathlib.Path(__file__).with_name("e7b2d9c4a6f1_audit_hash_chain.py")
    spec = importlib.util.spec_from_file_location("govshare_e7b2d9c4a6f1", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade():
    op.execute(f"DROP TRIGGER IF EXISTS govshare_publication_event_chain ON {EVENT}")
    op.execute(f"DROP TRIGGER IF EXISTS govshare_application_event_chain ON {APPLICATION_EVENT}")
    op.execute("DROP FUNCTION IF EXISTS govshare_event_chain()")
    op.execute(_revision_before().CHAIN_FUNCTION)
    op.execute(f"""
        CREATE TRIGGER govshare_application_event_chain BEFORE INSERT ON {APPLICATION_EVENT}
        FOR EACH ROW EXECUTE FUNCTION govshare_application_event_chain()
    """)
    op.drop_index("govshare_publication_event_chain_idx", table_name=EVENT)
    op.create_index("govshare_publication_event_pkg_idx", EVENT, ["package_id", "id"])
    op.execute("DROP FUNCTION IF EXISTS govshare_publication_event_hash(anyelement)")
    for column in ("hash", "prev_hash", "seq"):
        op.drop_column(EVENT, column)
