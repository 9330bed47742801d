"""The audit trail's hash chains, and how they are checked.

Every application has one chain: its events (``govshare_application_event``)
numbered 1, 2, 3 … (``seq``), each carrying the hash of the event before it
(``prev_hash``) and its own (``hash``: SHA-256 over the application, the
place in the chain, the move, the states, the actor, the time, the time the
database wrote it, reason, basis, terms, details and the previous hash). The
database computes them on INSERT (migration ``e7b2d9c4a6f1``: the functions
``govshare_application_event_hash`` and ``govshare_grant_snapshot`` are the
one definition of what is hashed and of what the trail says of a grant).

:func:`verify` walks chains and reports, for each broken one, its first
broken link (:data:`PROBLEMS`; their messages are in :mod:`.logic.action`);
:func:`safeguards` reports what would let the trail be rewritten quietly (a
trigger off, the portal's role allowed more than to append and read).

A chain shows that nothing was changed, removed or slipped in *without
recomputing every later hash*. The owner role can recompute them; what it
cannot do is make a chain agree with a copy of its head kept elsewhere
(:func:`heads`, ``ckan govshare audit verify --heads``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Iterable, Optional, Sequence

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare.database import roles

#: tables the portal's role may only append to and read (publication events
#: are append-only too, though not chained: :mod:`ckanext.govshare.publication`)
AUDIT_TABLES = ("govshare_application_event", "govshare_publication_event")
#: the triggers that keep the trail append-only and chained, on their tables
TRIGGERS = (
    ("govshare_application_event", "govshare_application_event_append_only"),
    ("govshare_application_event", "govshare_application_event_chain"),
    ("govshare_grant", "govshare_grant_issued"),
    ("govshare_grant", "govshare_grant_changed"),
    ("govshare_publication_event", "govshare_publication_event_append_only"),
)
#: what the portal's role must not be able to do to an audit table
FORBIDDEN_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
#: an event dated further back than this before the database wrote it was
#: back-dated (the actions date an event a moment before they write it)
BACKDATING_TOLERANCE = dt.timedelta(minutes=5)

# the kinds of broken link
MISSING = "missing"            # a place in the chain is empty
UNLINKED = "unlinked"          # prev_hash is not the hash of the event before
ALTERED = "altered"            # the hash does not match the event's content
OUT_OF_ORDER = "out_of_order"  # written before the event before it
BACKDATED = "backdated"        # dated well before it was written
NO_EVENTS = "no_events"        # an application without any event
NO_APPLICATION = "no_application"  # events of an application that is gone
STATE_DIFFERS = "state_differs"    # the last event's state is not the application's
GRANT_DIFFERS = "grant_differs"    # a grant is not as its chain last recorded it
HEAD_DIFFERS = "head_differs"      # a kept head is no longer in the chain
# the kinds of weakness
TRIGGER_OFF = "trigger_off"
PORTAL_MAY = "portal_may"
PROBLEMS = (MISSING, UNLINKED, ALTERED, OUT_OF_ORDER, BACKDATED, NO_EVENTS,
            NO_APPLICATION, STATE_DIFFERS, GRANT_DIFFERS, HEAD_DIFFERS)

#: the events the database appends for a grant (the move table's moves
#: are the others)
GRANT_EVENTS = ("grant_issued", "grant_revoked", "grant_expired", "grant_changed",
                "grant_recorded")


@dataclasses.dataclass(frozen=True)
class Break:
    """The first broken link of one chain."""
    application_id: str
    problem: str
    #: the link's place in the chain and the event's id (None: the chain as
    #: a whole, e.g. no events at all)
    seq: Optional[int] = None
    event_id: Optional[int] = None
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Result:
    chains: int = 0
    events: int = 0
    breaks: list[Break] = dataclasses.field(default_factory=list)


# ------------------------------------------------------------ which chains
# the next ids of each table, read from their indexes, merged: a page costs
# the same at the end of 100,000 chains as at the start
_CHAIN_IDS = """
    SELECT id FROM (
        (SELECT id FROM govshare_application
         WHERE :after IS NULL OR id > :after ORDER BY id LIMIT :limit)
        UNION
        (SELECT DISTINCT application_id FROM govshare_application_event
         WHERE :after IS NULL OR application_id > :after ORDER BY application_id LIMIT :limit)
    ) ids ORDER BY id LIMIT :limit
"""


def chain_ids(after: Optional[str], limit: int) -> list[str]:
    """The ids of the next ``limit`` chains after ``after`` (every
    application, and every application id events name)."""
    return list(model.Session.execute(sa.text(_CHAIN_IDS),
                                      {"after": after, "limit": limit}).scalars())


def count_chains() -> int:
    return int(model.Session.execute(sa.text(
        "SELECT count(*) FROM (SELECT id FROM govshare_application"
        " UNION SELECT application_id FROM govshare_application_event) ids")).scalar())


# ------------------------------------------------------------ the walk
_EVENTS = """
    SELECT e.id, e.application_id, e.seq, e.prev_hash, e.hash, e.at, e.recorded_at,
           e.to_state, govshare_application_event_hash(e) AS computed
    FROM govshare_application_event e
    WHERE e.application_id = ANY(:ids) ORDER BY e.application_id, e.seq
"""
_GRANTS_DIFFERING = """
    SELECT g.application_id, g.id, last.seq, last.id AS event_id
    FROM govshare_grant g
    LEFT JOIN LATERAL (
        SELECT e.seq, e.id, e.details FROM govshare_application_event e
        WHERE e.application_id = g.application_id AND e.move = ANY(:kinds)
          AND e.details->>'grant_id' = g.id
        ORDER BY e.seq DESC LIMIT 1) last ON true
    WHERE g.application_id = ANY(:ids)
      AND (last.details IS NULL
           OR last.details - 'was' - 'db_role' IS DISTINCT FROM govshare_grant_snapshot(g))
"""


def verify(application_ids: Sequence[str]) -> Result:
    """Walk the chains of ``application_ids``: the first broken link of each
    broken chain, and how many chains and events were checked."""
    result = Result(chains=len(application_ids))
    if not application_ids:
        return result
    ids = list(application_ids)
    states = dict(model.Session.execute(sa.text(
        "SELECT id, state FROM govshare_application WHERE id = ANY(:ids)"),
        {"ids": ids}).all())
    broken: dict[str, Break] = {}
    chain: Optional[str] = None
    expected_seq, previous = 1, None
    last_state: dict[str, str] = {}
    for row in model.Session.execute(sa.text(_EVENTS), {"ids": ids}):
        result.events += 1
        if row.application_id != chain:
            chain, expected_seq, previous = row.application_id, 1, None
        if chain not in broken:
            problem = _link_problem(row, expected_seq, previous)
            if problem:
                broken[chain] = Break(chain, problem[0], row.seq, row.id, problem[1])
        expected_seq, previous = row.seq + 1, row
        last_state[chain] = row.to_state
    for application_id in ids:
        if application_id in broken:
            continue
        if application_id not in states:
            broken[application_id] = Break(application_id, NO_APPLICATION)
        elif application_id not in last_state:
            broken[application_id] = Break(application_id, NO_EVENTS)
        elif last_state[application_id] != states[application_id]:
            broken[application_id] = Break(
                application_id, STATE_DIFFERS,
                facts={"recorded": last_state[application_id],
                       "actual": states[application_id]})
    for row in model.Session.execute(sa.text(_GRANTS_DIFFERING),
                                     {"ids": ids, "kinds": list(GRANT_EVENTS)}):
        broken.setdefault(row.application_id, Break(
            row.application_id, GRANT_DIFFERS, row.seq, row.event_id,
            {"grant_id": row.id}))
    result.breaks = [broken[i] for i in ids if i in broken]
    return result


def _link_problem(row: Any, expected_seq: int,
                  previous: Any) -> Optional[tuple[str, dict[str, Any]]]:
    """What is wrong with one link, given the one before it (None: first)."""
    if row.seq != expected_seq:
        return MISSING, {"expected": expected_seq, "found": row.seq}
    if row.prev_hash != (previous.hash if previous is not None else None):
        return UNLINKED, {}
    if row.hash != row.computed:
        return ALTERED, {}
    if previous is not None and row.recorded_at < previous.recorded_at:
        return OUT_OF_ORDER, {"recorded_at": row.recorded_at.isoformat(),
                              "previous": previous.recorded_at.isoformat()}
    if row.at < row.recorded_at - BACKDATING_TOLERANCE:
        return BACKDATED, {"at": row.at.isoformat(),
                           "recorded_at": row.recorded_at.isoformat()}
    return None


# ------------------------------------------------------------ kept heads
def heads(application_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The last link of the chains of ``application_ids`` (those that have
    events): what an operator keeps elsewhere to check the chains against
    later."""
    rows = model.Session.execute(sa.text("""
        SELECT DISTINCT ON (application_id) application_id, seq, hash
        FROM govshare_application_event WHERE application_id = ANY(:ids)
        ORDER BY application_id, seq DESC"""), {"ids": list(application_ids)})
    return [{"application_id": r.application_id, "seq": r.seq, "hash": r.hash}
            for r in rows]


def check_heads(kept: Iterable[dict[str, Any]]) -> list[Break]:
    """The kept heads whose link is no longer in its chain as it was: the
    chain was rewritten from there (or before) and its hashes recomputed."""
    kept = list(kept)
    if not kept:
        return []
    found = {(r.application_id, r.seq): r.hash for r in model.Session.execute(sa.text(
        "SELECT application_id, seq, hash FROM govshare_application_event"
        " WHERE (application_id, seq) IN (SELECT * FROM unnest("
        "CAST(:ids AS text[]), CAST(:seqs AS int[])))"),
        {"ids": [h["application_id"] for h in kept], "seqs": [h["seq"] for h in kept]})}
    return [Break(h["application_id"], HEAD_DIFFERS, h["seq"], None, {"kept": h["hash"]})
            for h in kept if found.get((h["application_id"], h["seq"])) != h["hash"]]


def read_heads(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Heads as :func:`heads` gives them, one JSON object a line."""
    kept = []
    for line in lines:
        if line.strip():
            item = json.loads(line)
            kept.append({"application_id": str(item["application_id"]),
                         "seq": int(item["seq"]), "hash": str(item["hash"])})
    return kept


# ------------------------------------------------------------ safeguards
@dataclasses.dataclass(frozen=True)
class Weakness:
    """Something that would let the trail be rewritten without a trace."""
    problem: str   # TRIGGER_OFF or PORTAL_MAY
    facts: dict[str, Any]


def safeguards() -> list[Weakness]:
    """The triggers missing or disabled, and what the portal's role (the
    user of ``sqlalchemy.url``) may do to an audit table beyond appending
    and reading (or whether it owns it)."""
    found: list[Weakness] = []
    enabled = {(r.table, r.name) for r in model.Session.execute(sa.text(
        "SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgenabled <> 'D'"))}
    for table, name in TRIGGERS:
        if (table, name) not in enabled:
            found.append(Weakness(TRIGGER_OFF, {"table": table, "trigger": name}))
    portal = roles.portal_role()
    for table in AUDIT_TABLES:
        checks = ", ".join(
            f"has_table_privilege(:role, :table, '{p}') AS may_{p.lower()}"
            for p in FORBIDDEN_PRIVILEGES)
        row = model.Session.execute(sa.text(
            f"SELECT {checks}, pg_has_role(:role, c.relowner, 'USAGE') AS owns"
            " FROM pg_class c WHERE c.oid = to_regclass(:table)"),
            {"role": portal, "table": table}).mappings().first()
        if row is None:
            continue
        allowed = [p for p in FORBIDDEN_PRIVILEGES if row[f"may_{p.lower()}"]]
        if row["owns"]:
            allowed.insert(0, "OWNER")
        if allowed:
            found.append(Weakness(PORTAL_MAY, {"role": portal, "table": table,
                                                 "privileges": allowed}))
    return found
