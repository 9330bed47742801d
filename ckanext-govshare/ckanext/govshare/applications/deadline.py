"""The answer period: when an application is due, how many working days are
left, whether it is overdue. The numbers are the jurisdiction profile's
(:mod:`ckanext.govshare.jurisdiction.profile`), counted on the Chinese
statutory calendar of :mod:`ckanext.govshare.workdays` in China time."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Iterable, NamedTuple, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import options, workdays
from ckanext.govshare.applications import workflow
from ckanext.govshare.jurisdiction import profile


def answer_working_days(kind: str = profile.OPEN) -> int:
    return int(profile.procedure(kind).answer_working_days.value)


def max_extension_days(kind: str = profile.OPEN) -> int:
    """Working days an answer period may be extended by, once (0: never)."""
    return int(profile.procedure(kind).extension_working_days.value)


def max_supplement_requests(kind: str = profile.OPEN) -> int:
    return int(profile.procedure(kind).supplement_requests.value)


def extension_refusal(extension_days: int | None, kind: str = profile.OPEN) -> str | None:
    """Why the answer period cannot be extended, or None when it can."""
    if not max_extension_days(kind):
        return tk._("The rules of this jurisdiction provide no extension of the answer period")
    if extension_days:
        return tk._("The answer period of this application was already extended once")
    return None


def supplement_requests_made(application_id: str) -> int:
    """How many times a supplement was asked for on an application."""
    import ckan.model as model

    from ckanext.govshare.applications.model import ApplicationEvent

    return (model.Session.query(ApplicationEvent)
            .filter(ApplicationEvent.application_id == application_id,
                    ApplicationEvent.move == workflow.REQUEST_SUPPLEMENT).count())


def kind_of(application: Any) -> str:
    """The procedure an application follows (``open`` unless it says)."""
    return getattr(application, "kind", None) or profile.OPEN


def refusal(application: Any, move_name: str) -> str | None:
    """Why the jurisdiction's rules refuse ``move_name`` on this application
    (no extension, no further supplement, no terms awaiting acceptance), or
    None: one check for the actions and for the moves a page offers."""
    kind = kind_of(application)
    if move_name == workflow.EXTEND:
        return extension_refusal(application.extension_days, kind)
    if move_name == workflow.REQUEST_SUPPLEMENT:
        # where the rules allow none (error reports), nothing to count: a
        # list of reports asked it of every row
        made = supplement_requests_made(application.id) if max_supplement_requests(kind) else 0
        return supplement_refusal(made, kind)
    if move_name == workflow.ACCEPT_TERMS:
        from ckanext.govshare.applications import agreement

        return agreement.refusal(application)
    return None


def supplement_refusal(requests_made: int, kind: str = profile.OPEN) -> str | None:
    """Why no further supplement may be asked for, or None when it may."""
    allowed = max_supplement_requests(kind)
    if requests_made >= allowed:
        if not allowed:
            return tk._("The rules of this jurisdiction provide no request for a supplement")
        return tk.ungettext(
            "A supplement may be asked for {n} time only: everything missing is asked "
            "for at once", "A supplement may be asked for {n} times only", allowed
        ).format(n=allowed)
    return None


def reminder_days() -> list[int]:
    days = tk.config.get(options.APPLICATION_REMINDER_WORKING_DAYS) or []
    return sorted({int(d) for d in days}, reverse=True)


def due_after(submitted_at: dt.datetime, extension_days: int = 0,
              kind: str = profile.OPEN) -> workdays.DueDate:
    """The due date of an application of ``kind`` (re)submitted at
    ``submitted_at`` (UTC): the N-th working day after the day of submission
    in China (N: the profile's answer period for the kind), plus any extension."""
    return workdays.add_workdays(workdays.local_date(submitted_at),
                                 answer_working_days(kind) + extension_days)


# ------------------------------------------------------ from the event history
#: the moves that set an application's clock (:func:`replay` reads no other)
CLOCK_MOVES = (workflow.SUBMIT, workflow.SUPPLEMENT, workflow.REQUEST_SUPPLEMENT,
               workflow.EXTEND, workflow.FORWARD, *workflow.ANSWERS)


class Step(NamedTuple):
    """One event of an application, as far as its clock is concerned."""

    move: str
    #: when (naive UTC, as stored)
    at: dt.datetime
    #: the answer period a (re)submission was given (None: recorded before
    #: events said; the profile's), or the working days an extension added
    days: Optional[int] = None


@dataclasses.dataclass
class History:
    """What an application's events say about its clock, in China days."""

    #: the first submission
    first_submitted: Optional[dt.date] = None
    #: the last (re)submission before the decision: the answer period's start
    submitted: Optional[dt.date] = None
    #: the working days that submission was given to be answered in
    period: int = 0
    #: the extensions granted *after* that submission (a supplement starts a
    #: fresh period without them)
    extension_days: int = 0
    #: a due date stands (False before any submission and while a supplement
    #: is awaited)
    running: bool = False
    #: the decision's day (approved or rejected)
    decided: Optional[dt.date] = None


def replay(steps: Iterable[Step]) -> History:
    """The clock of an application from its events in order (``seq``).

    The due date is the last (re)submission day + that submission's answer
    period + the extensions granted after it (:func:`due_of`); a request for
    a supplement stops the clock, the supplement (or the forwarding of an
    error report to another organization) starts a full period, the
    decision fixes it. Moves outside :data:`CLOCK_MOVES` change nothing."""
    history = History()
    for step in steps:
        if history.decided is not None:
            break
        if step.move in (workflow.SUBMIT, workflow.SUPPLEMENT, workflow.FORWARD):
            day = workdays.local_date(step.at)
            if history.first_submitted is None:
                history.first_submitted = day
            history.submitted, history.running = day, True
            history.period = answer_working_days() if step.days is None else int(step.days)
            history.extension_days = 0
        elif step.move == workflow.REQUEST_SUPPLEMENT:
            history.running = False
        elif step.move == workflow.EXTEND:
            history.extension_days += int(step.days or 0)
        elif step.move in workflow.ANSWERS:
            history.decided = workdays.local_date(step.at)
    return history


def due_of(history: History, calendar: Optional[workdays.WorkdayCalendar] = None
           ) -> Optional[workdays.DueDate]:
    """The due date ``history`` gives on ``calendar`` (default: the
    process's), or None while no answer period runs."""
    if not history.running or history.submitted is None:
        return None
    return (calendar or workdays.get_calendar()).add_workdays(
        history.submitted, history.period + history.extension_days)


class Answer(NamedTuple):
    """What the report counts of a decision."""

    #: working days from the last complete (re)submission to the decision
    working_days: int
    #: decided after the due date
    late: bool
    #: working days from the first submission to the decision: the whole
    #: wait, supplement rounds included
    wait_working_days: int


def answer(first_submitted: dt.date, submitted: dt.date, due_date: Optional[dt.date],
           decided: dt.date, calendar: Optional[workdays.WorkdayCalendar] = None) -> Answer:
    """The figures of a decision taken on ``decided`` (China days), for the
    decision itself and for recomputing it on a changed calendar."""
    calendar = calendar or workdays.get_calendar()
    return Answer(int(calendar.workdays_between(submitted, decided)),
                  bool(due_date is not None and decided > due_date),
                  int(calendar.workdays_between(first_submitted, decided)))


def working_days_left(due_date: Optional[dt.date], today: Optional[dt.date] = None
                      ) -> Optional[int]:
    """Working days after today up to and including the due date; 0 on the due
    date itself, negative once overdue (the working days past it)."""
    if due_date is None:
        return None
    return int(workdays.workdays_between(today or workdays.local_today(), due_date))


def is_overdue(state: str, due_date: Optional[dt.date],
               today: Optional[dt.date] = None) -> bool:
    return bool(state in workflow.WAITING_FOR_ANSWER and due_date is not None
                and due_date < (today or workdays.local_today()))


def clock(state: str, due_date: Optional[dt.date], provisional: bool,
          today: Optional[dt.date] = None) -> dict[str, Any]:
    """The deadline fields every application dict carries."""
    waiting = state in workflow.WAITING_FOR_ANSWER
    return {
        "due_date": due_date.isoformat() if due_date else None,
        "due_date_provisional": bool(provisional),
        "working_days_left": working_days_left(due_date, today) if waiting else None,
        "overdue": is_overdue(state, due_date, today),
    }


def date_range_for_days_left(days: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """[first, last] due dates that leave exactly ``days`` working days from
    ``today`` (a due date on a weekend after the Nth working day leaves N too)."""
    first = workdays.add_workdays(today, days).date
    last = workdays.add_workdays(today, days + 1).date - dt.timedelta(days=1)
    return first, last
