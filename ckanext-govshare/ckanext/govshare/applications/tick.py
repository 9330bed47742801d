"""The tick: what happens to applications with the passing of time.

``ckan govshare applications tick`` (cron, e.g. every 10 minutes) calls the
``govshare_application_tick`` action, which calls :func:`tick`:

a. **expiry**: grants still ``active`` (or still awaiting the applicant's
   acceptance of the terms) whose term has ended become
   ``expired``, their applications ``approved`` → ``expired`` with an
   ``expire`` event (actor: nobody, the system) and an ``expired`` notice to
   the applicant; interested parties' grants (a data request's answer, no
   application) become ``expired`` with an ``expired`` notice to the
   requester (:func:`..data_requests.parties.expire`). (The tier check
   already refuses a grant past its end on every request; the tick records
   it.)
b. **reminders**: applications and data requests waiting for an answer
   (:func:`waiting_cases`) with at most N working days left, for each N of
   ``ckanext.govshare.application.reminder_working_days`` (5 1), get one
   ``reminder_N`` notice to the reviewers per due date. Only the tightest
   one applies: a case the tick first sees with 1 day left gets
   ``reminder_1`` and never ``reminder_5``.
c. **overdue**: applications and data requests waiting for an answer past
   their due date get one ``overdue`` notice to the organization's admins
   and the sysadmins per due date.
d. **retries**: unsent notices that failed before (or were never picked up
   for 10 minutes: Redis was down) and still have attempts left
   (``ckanext.govshare.application.mail_attempts``), and any not yet
   delivered in the site's message centre, are queued again, unless
   jobs are still waiting on the queue (the worker is behind or stopped).

Everything is set-based SQL (``UPDATE … RETURNING``, ``INSERT … SELECT …
ON CONFLICT DO NOTHING``) in one transaction, committed once; the notices are
then handed to the worker, 500 to a job. It is idempotent: the unique indexes
``govshare_application_notice_once_idx`` on (application, kind, due date)
and ``govshare_data_request_notice_once_idx`` on (data request, kind, due
date) let each reminder and overdue notice be written once, expired grants are
no longer active, and a transaction-level advisory lock keeps two ticks from
running at once.

The other clock job, counting due dates again when the working-day calendar
changes, is :mod:`.recompute`.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, NamedTuple, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

import ckan.model as model

from ckanext.govshare import workdays
from ckanext.govshare.applications import deadline, jobs, notices, workflow
from ckanext.govshare.applications.model import Application, Notice, utcnow
from ckanext.govshare.data_requests import parties
from ckanext.govshare.data_requests.model import SUBMITTED as REQUEST_SUBMITTED, DataRequest

log = logging.getLogger(__name__)

#: unsent notices that never failed are queued again after this long (their
#: job was lost, e.g. Redis was down when they were written)
REQUEUE_AFTER = dt.timedelta(minutes=10)
#: pg_try_advisory_xact_lock key: one tick at a time
LOCK_KEY = 0x676F_7673_7469_636B & 0x7FFF_FFFF_FFFF_FFFF

_EXPIRE = sa.text("""
WITH ended AS (
    SELECT g.id AS grant_id, a.id AS application_id
    FROM govshare_grant g
    JOIN govshare_application a ON a.id = g.application_id
    WHERE g.state IN ('active', 'awaiting_acceptance') AND g.valid_until <= :now
      AND a.state = :approved
    FOR UPDATE OF g, a SKIP LOCKED
), grants AS (
    UPDATE govshare_grant g
    SET state = 'expired', ended_at = :now
    FROM ended WHERE g.id = ended.grant_id
    RETURNING g.id
), applications AS (
    UPDATE govshare_application a
    SET state = :expired, modified_at = :now
    FROM ended WHERE a.id = ended.application_id
    RETURNING a.id, ended.grant_id
), events AS (
    INSERT INTO govshare_application_event
        (application_id, at, actor_id, move, from_state, to_state, details)
    SELECT id, :now, NULL, :move, :approved, :expired,
           jsonb_build_object('grant_id', grant_id)
    FROM applications
    RETURNING id
)
INSERT INTO govshare_application_notice (application_id, kind, created_at, attempts)
SELECT id, :kind, :now, 0 FROM applications
RETURNING id
""")


class Waiting(NamedTuple):
    """A kind of case with an answer period: the outbox column its notices
    name it by, its id and due date columns, and which of its rows wait for
    an answer."""
    column: str
    id: Any
    due_date: Any
    waiting: Any


def waiting_cases() -> tuple[Waiting, ...]:
    """The cases the tick reminds of and escalates, all on the same days:
    applications (every kind: error reports too) and data requests."""
    app = Application.__table__.c
    request = DataRequest.__table__.c
    return (Waiting("application_id", app.id, app.due_date,
                    app.state.in_(workflow.WAITING_FOR_ANSWER)),
            Waiting("data_request_id", request.id, request.due_date,
                    request.state == REQUEST_SUBMITTED))


def _once(select: Any, column: str = "application_id") -> Any:
    """INSERT the notices ``select`` yields unless already written for that
    case (``column``: application or data request), kind and due date;
    RETURNING the new ids."""
    columns = [column, "kind", "due_date", "created_at", "attempts"]
    return (pg_insert(Notice.__table__).from_select(columns, select)
            .on_conflict_do_nothing(index_elements=[column, "kind", "due_date"],
                                    index_where=sa.text("due_date IS NOT NULL"))
            .returning(Notice.__table__.c.id))


def _ids(statement: Any, **params: Any) -> list[int]:
    return [row[0] for row in model.Session.execute(statement, params)]


def expire(now: dt.datetime) -> list[int]:
    """(a) End the grants whose term is over; the ``expired`` notices' ids."""
    return _ids(_EXPIRE, now=now, approved=workflow.APPROVED, expired=workflow.EXPIRED,
                move=workflow.EXPIRE, kind=notices.EXPIRED)


def remind(now: dt.datetime, today: dt.date) -> list[int]:
    """(b) One reminder per case and due date at the tightest threshold it
    has reached; the new notices' ids."""
    days = sorted(set(deadline.reminder_days()))
    if not days:
        return []
    # working_days_left(due) <= n  <=>  due <= the last date leaving n days
    cutoffs = [(n, deadline.date_range_for_days_left(n, today)[1]) for n in days]
    ids: list[int] = []
    for case in waiting_cases():
        kind: Any = sa.case(*[(case.due_date <= cutoff,
                               sa.literal(notices.reminder_kind(n))) for n, cutoff in cutoffs])
        select = sa.select(case.id, kind, case.due_date, sa.literal(now, sa.DateTime),
                           sa.literal(0)).where(
            case.waiting, case.due_date >= today, case.due_date <= cutoffs[-1][1])
        ids += _ids(_once(select, case.column))
    return ids


def flag_overdue(now: dt.datetime, today: dt.date) -> list[int]:
    """(c) One ``overdue`` notice per case and due date past it."""
    ids: list[int] = []
    for case in waiting_cases():
        select = sa.select(case.id, sa.literal(notices.OVERDUE), case.due_date,
                           sa.literal(now, sa.DateTime), sa.literal(0)).where(
            case.waiting, case.due_date < today)
        ids += _ids(_once(select, case.column))
    return ids


def _backlog() -> int:
    """Jobs waiting on the ``govshare`` queue (-1: Redis cannot say)."""
    try:
        from ckan.lib import jobs as ckan_jobs
        return int(ckan_jobs.get_queue(jobs.QUEUE).count)
    except Exception:  # noqa: BLE001 - dispatching will say what is wrong
        return -1


def retry(now: dt.datetime) -> list[int]:
    """(d) Unsent notices to queue again; none while jobs are still waiting on
    the queue (the worker is behind or stopped: queuing the same notices
    again every tick would only pile up jobs)."""
    waiting = _backlog()
    if waiting > 0:
        log.info("%d jobs still waiting on the %r queue: no notices queued again",
                 waiting, jobs.QUEUE)
        return []
    query = sa.select(Notice.id).where(
        sa.or_(sa.and_(Notice.sent_at.is_(None), Notice.attempts < jobs.max_attempts()),
               Notice.delivered_at.is_(None)),  # the site's copy has no attempts to run out
        sa.or_(Notice.attempts > 0, Notice.created_at <= now - REQUEUE_AFTER)
    ).order_by(Notice.id)
    return _ids(query)


def run(now: Optional[dt.datetime] = None) -> tuple[dict[str, int], list[int]]:
    """Do the tick's work in the current transaction, without committing:
    the counts and the ids of the notices to send."""
    now = now or utcnow()
    today = workdays.local_date(now)
    session = model.Session
    counts = {"expired": 0, "reminders": 0, "overdue": 0, "requeued": 0}
    if not session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar():
        log.info("Another tick is running; this one does nothing")
        return counts, []
    expired = expire(now)
    ended = parties.expire(now)
    reminders = remind(now, today)
    overdue = flag_overdue(now, today)
    requeued = retry(now)
    counts.update(expired=len(expired) + len(ended), reminders=len(reminders),
                  overdue=len(overdue), requeued=len(requeued))
    return counts, [*expired, *ended, *reminders, *overdue, *requeued]


def tick(now: Optional[dt.datetime] = None, *, commit: bool = True) -> dict[str, int]:
    """Expire grants, write due reminders and overdue notices, queue the
    unsent ones again (see the module's docstring); commit once and hand the
    notices to the worker.

    :param now: the time to tick at (naive UTC; default: now)
    :param commit: False: flush only, and queue nothing (the caller commits;
        the next tick queues the notices)
    :returns: ``expired``, ``reminders``, ``overdue`` and ``requeued`` counts
    """
    counts, ids = run(now)
    if not commit:
        model.Session.flush()
        return counts
    model.repo.commit()
    jobs.dispatch(ids)
    log.info("Applications tick: %s", counts)
    return counts

