"""Counting the applications' clocks again on the current working-day
calendar (``ckan govshare workdays recompute``, ``ckan govshare applications
recompute-due``, the ``govshare_application_recompute_due`` action).

Nothing is counted from columns that a later step may have made stale: each
application's due date, and for a decided one whether it was answered late
and in how many working days, are derived from its events
(:func:`ckanext.govshare.applications.deadline.replay`): the last
(re)submission day + the answer period that submission got + the extensions
granted after it. An extension granted before a supplement (补正) does not
outlive it, although ``extension_days`` keeps it (an answer period is
extended once per application). So with an unchanged calendar a recompute
reproduces every stored value, and with a changed one it moves them by the
calendar alone.

The table is read in chunks of applications by id, with their clock events
(one range scan of the events' ``(application_id, seq)`` index each); the
rows that differ are written with one ``UPDATE … FROM unnest(…)`` per chunk,
only where the row has not moved since it was read (``modified_at``), so a
concurrent decision is never overwritten: it is counted as ``skipped`` and
was counted by its own action. Applications without a ``submit`` event (not
made by the actions) are left alone.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.applications import deadline, workflow
from ckanext.govshare.applications.model import Application, ApplicationEvent, utcnow

log = logging.getLogger(__name__)

#: applications read (with their events) and written at a time
CHUNK = 5000

#: what a recompute may change, in the order of :data:`_UPDATE`'s arrays
FIELDS = ("due_date", "due_date_provisional", "answer_working_days", "answered_late",
          "wait_working_days")

_UPDATE = sa.text("""
UPDATE govshare_application AS a
SET due_date = v.due_date, due_date_provisional = v.provisional,
    answer_working_days = v.answer_working_days, answered_late = v.answered_late,
    wait_working_days = v.wait_working_days, modified_at = :now
FROM unnest(CAST(:ids AS text[]), CAST(:due_dates AS date[]),
            CAST(:provisional AS boolean[]), CAST(:answers AS integer[]),
            CAST(:late AS boolean[]), CAST(:waits AS integer[]),
            CAST(:seen AS timestamp[]))
     AS v(id, due_date, provisional, answer_working_days, answered_late,
          wait_working_days, seen)
WHERE a.id = v.id AND a.modified_at = v.seen
RETURNING a.id
""")


class _Calendar:
    """The calendar of one recompute, its answers remembered (a few hundred
    distinct start days serve a hundred thousand applications)."""

    def __init__(self, calendar: workdays.WorkdayCalendar) -> None:
        self.calendar = calendar
        self.add_workdays = functools.lru_cache(maxsize=None)(calendar.add_workdays)
        self.workdays_between = functools.lru_cache(maxsize=None)(
            calendar.workdays_between)


def derive(steps: list[deadline.Step], calendar: Any) -> Optional[tuple[Any, ...]]:
    """The values of :data:`FIELDS` that an application's events give on
    ``calendar`` (a :class:`~ckanext.govshare.workdays.WorkdayCalendar`), or
    None when they say nothing (no submission)."""
    history = deadline.replay(steps)
    if history.first_submitted is None or history.submitted is None:
        return None
    due = (calendar.add_workdays(history.submitted, history.period + history.extension_days)
           if history.running else None)
    answered: tuple[Any, ...] = (None, None, None)
    if history.decided is not None:
        answered = tuple(deadline.answer(history.first_submitted, history.submitted,
                                         due.date if due else None, history.decided,
                                         calendar))
    return (due.date if due else None, bool(due and due.provisional), *answered)


def _steps(after: str, last: str) -> dict[str, list[deadline.Step]]:
    """The clock events of the applications with ``after < id <= last``, in
    order."""
    event = ApplicationEvent.__table__.c
    details = event.details
    days = sa.case(
        (event.move == workflow.EXTEND, details["days"].astext),
        else_=details["answer_working_days"].astext).cast(sa.Integer)
    rows = model.Session.execute(
        sa.select(event.application_id, event.move, event.at, days)
        .where(event.application_id > after, event.application_id <= last,
               event.move.in_(deadline.CLOCK_MOVES))
        .order_by(event.application_id, event.seq))
    steps: dict[str, list[deadline.Step]] = {}
    for application_id, move, at, number in rows:
        steps.setdefault(application_id, []).append(deadline.Step(move, at, number))
    return steps


def recompute_due_dates(*, chunk: int = CHUNK,
                        calendar: Optional[workdays.WorkdayCalendar] = None
                        ) -> dict[str, int]:
    """Derive every application's due date, and every decision's figures,
    from its events on the current calendar and store those that differ.
    Does not commit.

    :param chunk: applications per read and write
    :param calendar: the calendar to count on (default: the process's)
    :returns: ``checked`` (applications with a submission), ``changed``
        (due date or its provisional flag changed), ``provisional`` (open
        ones still provisional), ``answered`` (decisions), ``answers_changed``
        (on time or late, or the working days, changed) and ``skipped``
        (moved by someone else meanwhile: left to that move)
    """
    counting = _Calendar(calendar or workdays.get_calendar())
    app = Application.__table__.c
    counts = dict.fromkeys(("checked", "changed", "provisional", "answered",
                            "answers_changed", "skipped"), 0)
    now = utcnow()
    after = ""
    while True:
        rows = model.Session.execute(
            sa.select(app.id, app.state, app.modified_at,
                      *(getattr(app, name) for name in FIELDS))
            .where(app.id > after).order_by(app.id).limit(chunk)).all()
        if not rows:
            break
        steps = _steps(after, rows[-1].id)
        after = rows[-1].id
        changes: list[tuple[Any, ...]] = []
        for row in rows:
            derived = derive(steps.get(row.id, []), counting)
            if derived is None:
                continue
            stored = tuple(getattr(row, name) for name in FIELDS)
            counts["checked"] += 1
            decided = derived[2] is not None
            counts["answered"] += decided
            if row.state in workflow.WAITING_FOR_ANSWER and derived[1]:
                counts["provisional"] += 1
            if derived == stored:
                continue
            counts["changed"] += derived[:2] != stored[:2]
            counts["answers_changed"] += derived[2:] != stored[2:]
            log.info("Application %s: %s → %s", row.id,
                     dict(zip(FIELDS, stored)), dict(zip(FIELDS, derived)))
            changes.append((row.id, *derived, row.modified_at))
        if changes:
            columns = list(zip(*changes))
            written = model.Session.execute(_UPDATE, {
                "now": now, "ids": list(columns[0]), "due_dates": list(columns[1]),
                "provisional": list(columns[2]), "answers": list(columns[3]),
                "late": list(columns[4]), "waits": list(columns[5]),
                "seen": list(columns[6])}).rowcount
            counts["skipped"] += len(changes) - written
    model.Session.flush()
    return counts

