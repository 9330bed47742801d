"""Review before publication (目录审核, 保密审查): states and moves, in one table.

Liaoning 2019 art. 10, Qingyang 2021 arts. 8, 14 and 23, Shanxi 2024 art. 9:
a catalog entry is reviewed, confidentiality included, before it is opened.

* ``draft`` → ``submitted`` (an editor of the organization: ``submit``)
* ``returned`` → ``submitted`` (an editor, after fixing what the reason says)
* ``submitted`` → ``published`` | ``returned`` (a reviewer: an admin of the
  organization or a sysadmin, never the one who submitted it)
* ``change_submitted`` → ``published`` (a reviewer publishes the change, or
  returns it with a reason and the entry stays as approved): a published
  entry whose editor made a change that widens access (:mod:`.widening`).
  It is not stored: the entry stays ``published`` with its approved values
  while a ``submit_change`` event awaits a decision.

Only ``published`` entries are visible outside their organization (the
permission labels of :func:`ckanext.govshare.tiers.policy.dataset_labels`).
The actions, the pages and the tests read :data:`MOVES`.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

import ckan.plugins.toolkit as tk

DRAFT = "draft"
SUBMITTED = "submitted"
PUBLISHED = "published"
RETURNED = "returned"
CHANGE_SUBMITTED = "change_submitted"


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; translated where shown."""
    return message


@dataclasses.dataclass(frozen=True)
class StateInfo:
    label: str   # an msgid
    badge: str   # Bootstrap classes


STATE_INFO: dict[str, StateInfo] = {
    DRAFT: StateInfo(N_("Not yet published"), "bg-secondary"),
    SUBMITTED: StateInfo(N_("Awaiting review"), "bg-primary"),
    PUBLISHED: StateInfo(N_("Published"), "bg-success"),
    RETURNED: StateInfo(N_("Returned"), "bg-warning text-dark"),
    CHANGE_SUBMITTED: StateInfo(N_("Change awaiting review"), "bg-info text-dark"),
}
STATES = tuple(STATE_INFO)

# who moves
EDITOR = "editor"        # editor or admin of the organization, sysadmin
REVIEWER = "reviewer"    # admin of the organization, sysadmin
ROLES = (EDITOR, REVIEWER)

SUBMIT = "submit"
PUBLISH = "publish"
RETURN = "return"
#: the decisions ``govshare_publication_decide`` takes
DECISIONS = (PUBLISH, RETURN)
#: recorded when the submitter tries to decide their own submission
OWN_CASE_REFUSED = "own_case_refused"
#: recorded when a dataset is created (its first state)
CREATE = "create"
#: recorded when an edit of a published entry widens access (held for review)
SUBMIT_CHANGE = "submit_change"

#: the checklist a reviewer confirms before publishing (field name, msgid)
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("confidentiality_reviewed", N_("Confidentiality reviewed (保密审查)")),
    ("personal_data_checked", N_("Personal data checked")),
    ("formats_machine_readable", N_("Formats are machine-readable")),
)
CHECKLIST_FIELDS = tuple(name for name, _label in CHECKLIST)


@dataclasses.dataclass(frozen=True)
class Move:
    name: str
    source: str
    target: str
    actor: str
    needs_reason: bool = False
    needs_checklist: bool = False


MOVES: tuple[Move, ...] = (
    Move(SUBMIT, DRAFT, SUBMITTED, EDITOR),
    Move(SUBMIT, RETURNED, SUBMITTED, EDITOR),
    Move(PUBLISH, SUBMITTED, PUBLISHED, REVIEWER, needs_checklist=True),
    Move(RETURN, SUBMITTED, RETURNED, REVIEWER, needs_reason=True),
    Move(PUBLISH, CHANGE_SUBMITTED, PUBLISHED, REVIEWER, needs_checklist=True),
    Move(RETURN, CHANGE_SUBMITTED, PUBLISHED, REVIEWER, needs_reason=True),
)
MOVE_NAMES = tuple(dict.fromkeys(m.name for m in MOVES))


def state_label(state: str) -> str:
    info = STATE_INFO.get(state)
    return tk._(info.label) if info else state


def state_view(state: str) -> dict[str, str]:
    """``name``, translated ``label`` and ``badge`` classes of a state."""
    info = STATE_INFO.get(state, StateInfo(state, "bg-secondary"))
    return {"name": state, "label": state_label(state), "badge": info.badge}


def checklist_view() -> list[dict[str, str]]:
    return [{"name": name, "label": tk._(label)} for name, label in CHECKLIST]


def find_move(name: str, source: Optional[str]) -> Optional[Move]:
    for move in MOVES:
        if move.name == name and move.source == source:
            return move
    return None


def actor_of(name: str) -> str:
    return next(m.actor for m in MOVES if m.name == name)


def sources_of(name: str) -> tuple[str, ...]:
    return tuple(m.source for m in MOVES if m.name == name)


def moves_for(state: str, roles: Iterable[str]) -> list[Move]:
    roles = set(roles)
    return [m for m in MOVES if m.source == state and m.actor in roles]
