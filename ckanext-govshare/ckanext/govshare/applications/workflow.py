"""The application workflow: its states and every allowed move, in one table.

The actions (:mod:`.logic.action`), the pages (the buttons a user is offered)
and the tests all read :data:`MOVES`; a move that is not in it is impossible.
What each state is called, how its badge looks and whether the clock runs in
it is :data:`STATE_INFO`, which the pages, the mails and the queries read.

* ``submitted`` → ``approved`` | ``rejected`` | ``needs_supplement`` (reviewer)
* ``needs_supplement`` → ``submitted`` (applicant; the clock restarts)
* ``submitted`` | ``needs_supplement`` → ``withdrawn`` (applicant)
* ``approved`` → ``expired`` (the system, when the term ends) |
  ``revoked`` (an admin of the owning organization, with a reason)
* ``approved`` → ``approved`` by ``accept_terms``: the applicant accepts the
  approval's agreement terms, where the jurisdiction profile requires it
  (``terms_acceptance_required``); until then the grant opens nothing
  (:mod:`.grants`). Only the applicant: nobody accepts for them.
* ``submitted`` → ``submitted`` by ``extend``: the reviewer extends the due
  date once, by up to the profile's extension days, with a reason.
* ``submitted`` → ``corrected`` | ``confirmed`` (reviewer, with the result):
  the answers to a verification request (数据校核, kind ``verification``):
  the data was wrong and is corrected, or no error was found. They answer
  the public's error reports (纠错, kind ``error_report``) too.
* ``submitted`` → ``submitted`` by ``forward``: an error report about data
  that is not the organization's goes to the organization it names, which
  then owes the answer (a full answer period from the forwarding day).

Each move serves the procedure kinds it names (:data:`Move.kinds`): approval,
rejection, the grant's moves and the acceptance of terms give access to data
(``open``, ``sharing``); ``correct`` and ``confirm`` answer a verification;
the rest serve every kind.

Reviewers are the admins and editors of the dataset's organization and
sysadmins; an organization admin (or sysadmin) may revoke.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare.jurisdiction import profile

SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
NEEDS_SUPPLEMENT = "needs_supplement"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
REVOKED = "revoked"
CORRECTED = "corrected"
CONFIRMED = "confirmed"

#: the procedure kinds (:mod:`.kinds`), and those that give access to data
ALL_KINDS = profile.KINDS
ACCESS_KINDS = (profile.OPEN, profile.SHARING)
VERIFICATION_KINDS = (profile.VERIFICATION,)
#: the kinds answered by the result of a check (corrected / no error found)
CHECK_KINDS = (profile.VERIFICATION, profile.ERROR_REPORT)
ERROR_REPORT_KINDS = (profile.ERROR_REPORT,)


def N_(message: str) -> str:
    """Marks ``message`` for the translation catalog; it is translated where
    it is shown (:func:`state_label`)."""
    return message


@dataclasses.dataclass(frozen=True)
class StateInfo:
    #: the state's name on pages and in mails (an msgid)
    label: str
    #: the Bootstrap classes of its badge
    badge: str
    #: the organization owes an answer, and the clock runs
    waiting: bool = False
    #: the application is still open: the due date shows, a second one is refused
    pending: bool = False


STATE_INFO: dict[str, StateInfo] = {
    SUBMITTED: StateInfo(N_("Submitted"), "bg-primary", waiting=True, pending=True),
    NEEDS_SUPPLEMENT: StateInfo(N_("Supplement needed"), "bg-warning text-dark", pending=True),
    APPROVED: StateInfo(N_("Approved"), "bg-success"),
    REJECTED: StateInfo(N_("Rejected"), "bg-danger"),
    WITHDRAWN: StateInfo(N_("Withdrawn"), "bg-secondary"),
    EXPIRED: StateInfo(N_("Expired"), "bg-secondary"),
    REVOKED: StateInfo(N_("Revoked"), "bg-dark"),
    CORRECTED: StateInfo(N_("Corrected"), "bg-success"),
    CONFIRMED: StateInfo(N_("No error found"), "bg-info text-dark"),
}

STATES = tuple(STATE_INFO)
#: states in which the organization owes an answer, and the clock runs
WAITING_FOR_ANSWER = tuple(s for s, info in STATE_INFO.items() if info.waiting)
#: states in which an application is still open (a second one is refused)
PENDING = tuple(s for s, info in STATE_INFO.items() if info.pending)

# who moves
APPLICANT = "applicant"
REVIEWER = "reviewer"          # org admin or editor, sysadmin
ORG_ADMIN = "org_admin"        # org admin, sysadmin
SYSTEM = "system"              # the tick / nobody in particular
ROLES = (APPLICANT, REVIEWER, ORG_ADMIN, SYSTEM)

# the moves' names (``submit`` creates an application)
SUBMIT = "submit"
APPROVE = "approve"
REJECT = "reject"
REQUEST_SUPPLEMENT = "request_supplement"
SUPPLEMENT = "supplement"
WITHDRAW = "withdraw"
EXTEND = "extend"
EXPIRE = "expire"
REVOKE = "revoke"
ACCEPT_TERMS = "accept_terms"
CORRECT = "correct"
CONFIRM = "confirm"
FORWARD = "forward"

#: the decisions ``govshare_application_decide`` takes
DECISIONS = (APPROVE, REJECT, REQUEST_SUPPLEMENT, CORRECT, CONFIRM)
#: the decisions that answer an application (the clock stops for good)
ANSWERS = (APPROVE, REJECT, CORRECT, CONFIRM)
#: the event recorded when an applicant tries to make a reviewer's or an
#: admin's move on their own application (not a move: the state stays)
OWN_CASE_REFUSED = "own_case_refused"
#: the event recorded when a reviewer or a sysadmin tries to accept an
#: approval's terms for the applicant (not a move: the state stays)
ACCEPTANCE_BY_OTHER_REFUSED = "acceptance_by_other_refused"


@dataclasses.dataclass(frozen=True)
class Move:
    name: str
    source: Optional[str]   # None: the application is created by this move
    target: str
    actor: str
    #: the move needs a reason from whoever makes it
    needs_reason: bool = False
    #: the procedure kinds it serves
    kinds: tuple[str, ...] = ALL_KINDS


MOVES: tuple[Move, ...] = (
    Move(SUBMIT, None, SUBMITTED, APPLICANT),
    Move(APPROVE, SUBMITTED, APPROVED, REVIEWER, kinds=ACCESS_KINDS),
    Move(REJECT, SUBMITTED, REJECTED, REVIEWER, needs_reason=True, kinds=ACCESS_KINDS),
    Move(REQUEST_SUPPLEMENT, SUBMITTED, NEEDS_SUPPLEMENT, REVIEWER, needs_reason=True),
    Move(SUPPLEMENT, NEEDS_SUPPLEMENT, SUBMITTED, APPLICANT),
    Move(WITHDRAW, SUBMITTED, WITHDRAWN, APPLICANT),
    Move(WITHDRAW, NEEDS_SUPPLEMENT, WITHDRAWN, APPLICANT),
    Move(EXTEND, SUBMITTED, SUBMITTED, REVIEWER, needs_reason=True),
    Move(EXPIRE, APPROVED, EXPIRED, SYSTEM, kinds=ACCESS_KINDS),
    Move(REVOKE, APPROVED, REVOKED, ORG_ADMIN, needs_reason=True, kinds=ACCESS_KINDS),
    Move(ACCEPT_TERMS, APPROVED, APPROVED, APPLICANT, kinds=ACCESS_KINDS),
    Move(CORRECT, SUBMITTED, CORRECTED, REVIEWER, needs_reason=True, kinds=CHECK_KINDS),
    Move(CONFIRM, SUBMITTED, CONFIRMED, REVIEWER, needs_reason=True, kinds=CHECK_KINDS),
    Move(FORWARD, SUBMITTED, SUBMITTED, REVIEWER, needs_reason=True, kinds=ERROR_REPORT_KINDS),
)

MOVE_NAMES = tuple(dict.fromkeys(m.name for m in MOVES))
#: states no move leaves
FINAL = tuple(s for s in STATES if not any(m.source == s for m in MOVES))


def state_label(state: str) -> str:
    """The state's name in the request's (or the mail's) language."""
    info = STATE_INFO.get(state)
    return tk._(info.label) if info else state


def state_view(state: str) -> dict[str, object]:
    """What a page shows of a state: ``label`` (translated), ``badge``
    classes, and whether it is ``waiting`` and ``pending``."""
    info = STATE_INFO.get(state, StateInfo(state, "bg-secondary"))
    return {"name": state, "label": state_label(state), "badge": info.badge,
            "waiting": info.waiting, "pending": info.pending}


def moves_of_kind(kind: str) -> tuple[Move, ...]:
    """The moves of the procedure ``kind``."""
    return tuple(m for m in MOVES if kind in m.kinds)


def find_move(name: str, source: Optional[str],
              kind: str = profile.OPEN) -> Optional[Move]:
    """The move ``name`` out of ``source`` in the procedure ``kind``, or None
    if there is none."""
    for move in MOVES:
        if move.name == name and move.source == source and kind in move.kinds:
            return move
    return None


def actor_of(name: str) -> str:
    """Who makes the move ``name`` (the same role from every state)."""
    return next(m.actor for m in MOVES if m.name == name)


def sources_of(name: str, kind: str = profile.OPEN) -> tuple[str, ...]:
    """The states a move may start from in the procedure ``kind`` (for error
    messages)."""
    return tuple(m.source for m in moves_of_kind(kind) if m.name == name and m.source)


def moves_for(state: str, roles: Iterable[str], kind: str = profile.OPEN) -> list[Move]:
    """The moves out of ``state`` that someone with ``roles`` may make in the
    procedure ``kind`` (what a page offers them)."""
    roles = set(roles)
    return [m for m in moves_of_kind(kind) if m.source == state and m.actor in roles]
