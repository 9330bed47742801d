"""The audit trails' hash chains, and how they are checked.

Two trails, each a set of chains (:data:`TRAILS`, one description each):

* ``applications``: every application has one chain, its events
  (``govshare_application_event``), grants' changes included;
* ``publication``: every dataset has one chain, the steps of its review
  before publication (``govshare_publication_event``).

A chain's events are numbered 1, 2, 3 … (``seq``), each carrying the hash of
the event before it (``prev_hash``) and its own (``hash``: SHA-256 over
every field of the event, its place in the chain, the time the database
wrote it and the previous hash). The database computes them on INSERT: one
trigger function for both trails, ``govshare_event_chain`` (migration
``f3a8c1d5b9e2``), told by its arguments which column names the chain, which
row to lock and which function hashes an event. Those SQL functions
(``govshare_application_event_hash``, ``govshare_publication_event_hash``;
``govshare_grant_snapshot`` for what the trail says of a grant) are the one
definition of what is hashed; :func:`verify` calls them too.

:func:`verify` walks chains and reports, for each broken one, its first
broken link (:data:`PROBLEMS`; their messages are in :mod:`.logic.action`);
:func:`safeguards` reports what would let a trail be rewritten quietly (a
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
from typing import Any, Callable, Iterable, Optional, Sequence

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare.database import roles

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
NO_EVENTS = "no_events"        # an application (a dataset's state) without any event
NO_APPLICATION = "no_application"  # events of an application that is gone
NO_PUBLICATION = "no_publication"  # events of a dataset whose publication state is gone
STATE_DIFFERS = "state_differs"    # the last event's state is not the current one
GRANT_DIFFERS = "grant_differs"    # a grant is not as its chain last recorded it
HEAD_DIFFERS = "head_differs"      # a kept head is no longer in the chain
# the kinds of weakness
TRIGGER_OFF = "trigger_off"
PORTAL_MAY = "portal_may"
PROBLEMS = (MISSING, UNLINKED, ALTERED, OUT_OF_ORDER, BACKDATED, NO_EVENTS,
            NO_APPLICATION, NO_PUBLICATION, STATE_DIFFERS, GRANT_DIFFERS, HEAD_DIFFERS)

#: the events the database appends for a grant (the move table's moves
#: are the others)
GRANT_EVENTS = ("grant_issued", "grant_opened", "grant_revoked", "grant_expired",
                "grant_changed", "grant_recorded")


@dataclasses.dataclass(frozen=True)
class Break:
    """The first broken link of one chain."""
    trail: str       # a name in TRAILS
    chain_id: str    # the application's id, the dataset's id
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


@dataclasses.dataclass(frozen=True)
class Trail:
    """One trail: where its events are, what names a chain, what hashes an
    event. Every chain is about one row of ``subject`` (its key
    ``subject_key`` equal to the events' ``key``), whose ``state`` the last
    event must leave it in."""
    name: str
    events: str                 # the append-only event table
    key: str                    # its column naming the chain (and a kept head's key)
    subject: str                # the table of what the chains are about
    subject_key: str
    hash_function: str          # the SQL function: the one definition of the hash
    gone: str                   # the problem when the subject's row is gone
    #: the triggers that keep the trail append-only and chained, on their tables
    triggers: tuple[tuple[str, str], ...]
    #: further checks of a page of chains: the first broken link of each
    checks: tuple[Callable[["Trail", list[str]], Iterable[Break]], ...] = ()


# ------------------------------------------------------------ grants
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


def _grants_differing(trail: "Trail", ids: list[str]) -> Iterable[Break]:
    """Grants that are not as the latest grant event of their chain says."""
    for row in model.Session.execute(sa.text(_GRANTS_DIFFERING),
                                     {"ids": ids, "kinds": list(GRANT_EVENTS)}):
        yield Break(trail.name, row.application_id, GRANT_DIFFERS, row.seq, row.event_id,
                    {"grant_id": row.id})


# ------------------------------------------------------------ the trails
APPLICATIONS = Trail(
    name="applications", events="govshare_application_event", key="application_id",
    subject="govshare_application", subject_key="id",
    hash_function="govshare_application_event_hash", gone=NO_APPLICATION,
    triggers=(("govshare_application_event", "govshare_application_event_append_only"),
              ("govshare_application_event", "govshare_application_event_chain"),
              ("govshare_grant", "govshare_grant_issued"),
              ("govshare_grant", "govshare_grant_changed")),
    checks=(_grants_differing,))
PUBLICATION = Trail(
    name="publication", events="govshare_publication_event", key="package_id",
    subject="govshare_publication", subject_key="package_id",
    hash_function="govshare_publication_event_hash", gone=NO_PUBLICATION,
    triggers=(("govshare_publication_event", "govshare_publication_event_append_only"),
              ("govshare_publication_event", "govshare_publication_event_chain")))
#: every trail, by name, in the order they are checked
TRAILS: dict[str, Trail] = {t.name: t for t in (APPLICATIONS, PUBLICATION)}

#: tables the portal's role may only append to and read
AUDIT_TABLES = tuple(t.events for t in TRAILS.values())
#: the triggers that keep the trails append-only and chained, on their tables
TRIGGERS = tuple(trigger for t in TRAILS.values() for trigger in t.triggers)


# ------------------------------------------------------------ which chains
# the next ids of each table, read from their indexes, merged: a page costs
# the same at the end of 100,000 chains as at the start
_CHAIN_IDS = """
    SELECT id FROM (
        (SELECT {subject_key} AS id FROM {subject}
         WHERE :after IS NULL OR {subject_key} > :after ORDER BY {subject_key} LIMIT :limit)
        UNION
        (SELECT DISTINCT {key} FROM {events}
         WHERE :after IS NULL OR {key} > :after ORDER BY {key} LIMIT :limit)
    ) ids ORDER BY id LIMIT :limit
"""


def _sql(template: str, trail: Trail) -> sa.TextClause:
    return sa.text(template.format(**{f.name: getattr(trail, f.name)
                                      for f in dataclasses.fields(trail)}))


def chain_ids(trail: Trail, after: Optional[str], limit: int) -> list[str]:
    """The ids of the next ``limit`` chains of ``trail`` after ``after``
    (every subject, e.g. every application, and every id events name)."""
    return list(model.Session.execute(_sql(_CHAIN_IDS, trail),
                                      {"after": after, "limit": limit}).scalars())


def count_chains(trail: Trail) -> int:
    return int(model.Session.execute(_sql(
        "SELECT count(*) FROM (SELECT {subject_key} FROM {subject}"
        " UNION SELECT {key} FROM {events}) ids", trail)).scalar())


# ------------------------------------------------------------ the walk
_EVENTS = """
    SELECT e.id, e.{key} AS chain_id, e.seq, e.prev_hash, e.hash, e.at, e.recorded_at,
           e.to_state, {hash_function}(e) AS computed
    FROM {events} e
    WHERE e.{key} = ANY(:ids) ORDER BY e.{key}, e.seq
"""


def verify(trail: Trail, chain_ids: Sequence[str]) -> Result:
    """Walk the chains ``chain_ids`` of ``trail``: the first broken link of
    each broken chain, and how many chains and events were checked."""
    result = Result(chains=len(chain_ids))
    if not chain_ids:
        return result
    ids = list(chain_ids)
    states = dict(model.Session.execute(_sql(
        "SELECT {subject_key}, state FROM {subject} WHERE {subject_key} = ANY(:ids)", trail),
        {"ids": ids}).all())
    broken: dict[str, Break] = {}
    chain: Optional[str] = None
    expected_seq, previous = 1, None
    last_state: dict[str, str] = {}
    for row in model.Session.execute(_sql(_EVENTS, trail), {"ids": ids}):
        result.events += 1
        if row.chain_id != chain:
            chain, expected_seq, previous = row.chain_id, 1, None
        if chain not in broken:
            problem = _link_problem(row, expected_seq, previous)
            if problem:
                broken[chain] = Break(trail.name, chain, problem[0], row.seq, row.id,
                                      problem[1])
        expected_seq, previous = row.seq + 1, row
        last_state[chain] = row.to_state
    for chain_id in ids:
        if chain_id in broken:
            continue
        if chain_id not in states:
            broken[chain_id] = Break(trail.name, chain_id, trail.gone)
        elif chain_id not in last_state:
            broken[chain_id] = Break(trail.name, chain_id, NO_EVENTS)
        elif last_state[chain_id] != states[chain_id]:
            broken[chain_id] = Break(
                trail.name, chain_id, STATE_DIFFERS,
                facts={"recorded": last_state[chain_id], "actual": states[chain_id]})
    for check in trail.checks:
        for found in check(trail, ids):
            broken.setdefault(found.chain_id, found)
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
def heads(trail: Trail, chain_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The last link of the chains ``chain_ids`` of ``trail`` (those that
    have events), each ``{trail.key: id, "seq", "hash"}``: what an operator
    keeps elsewhere to check the chains against later."""
    rows = model.Session.execute(_sql(
        "SELECT DISTINCT ON ({key}) {key} AS chain_id, seq, hash FROM {events}"
        " WHERE {key} = ANY(:ids) ORDER BY {key}, seq DESC", trail),
        {"ids": list(chain_ids)})
    return [{trail.key: r.chain_id, "seq": r.seq, "hash": r.hash} for r in rows]


def trail_of(head: dict[str, Any]) -> Optional[Trail]:
    """The trail a kept head belongs to (by its key), if any."""
    return next((t for t in TRAILS.values() if t.key in head), None)


def check_heads(trail: Trail, kept: Iterable[dict[str, Any]]) -> list[Break]:
    """The kept heads of ``trail`` (others are left out) whose link is no
    longer in its chain as it was: the chain was rewritten from there (or
    before) and its hashes recomputed."""
    kept = [h for h in kept if trail_of(h) is trail]
    if not kept:
        return []
    found = {(r.chain_id, r.seq): r.hash for r in model.Session.execute(_sql(
        "SELECT {key} AS chain_id, seq, hash FROM {events}"
        " WHERE ({key}, seq) IN (SELECT * FROM unnest("
        "CAST(:ids AS text[]), CAST(:seqs AS int[])))", trail),
        {"ids": [h[trail.key] for h in kept], "seqs": [h["seq"] for h in kept]})}
    return [Break(trail.name, h[trail.key], HEAD_DIFFERS, h["seq"], None, {"kept": h["hash"]})
            for h in kept if found.get((h[trail.key], h["seq"])) != h["hash"]]


def read_heads(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Heads as :func:`heads` gives them, one JSON object a line, of any
    trail."""
    kept = []
    for line in lines:
        if line.strip():
            item = json.loads(line)
            trail = trail_of(item)
            if trail is None:
                raise ValueError(line)
            kept.append({trail.key: str(item[trail.key]), "seq": int(item["seq"]),
                         "hash": str(item["hash"])})
    return kept


# ------------------------------------------------------------ safeguards
@dataclasses.dataclass(frozen=True)
class Weakness:
    """Something that would let a trail be rewritten without a trace."""
    problem: str   # TRIGGER_OFF or PORTAL_MAY
    facts: dict[str, Any]


def safeguards(trail: Optional[Trail] = None) -> list[Weakness]:
    """The triggers of ``trail`` (default: of every trail) missing or
    disabled, and what the portal's role (the user of ``sqlalchemy.url``)
    may do to its event table beyond appending and reading (or whether it
    owns it)."""
    trails = [trail] if trail is not None else list(TRAILS.values())
    found: list[Weakness] = []
    enabled = {(r.table, r.name) for r in model.Session.execute(sa.text(
        "SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgenabled <> 'D'"))}
    for table, name in (trigger for t in trails for trigger in t.triggers):
        if (table, name) not in enabled:
            found.append(Weakness(TRIGGER_OFF, {"table": table, "trigger": name}))
    portal = roles.portal_role()
    for table in (t.events for t in trails):
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
