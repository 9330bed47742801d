"""Background jobs: send the outbox's notices by mail (CKAN mailer).

:func:`send_notices` runs on CKAN's worker (queue ``govshare``: ``ckan jobs
worker default govshare``). For each notice it is given it

* first delivers every notice of the job in the site's message centre
  (:mod:`ckanext.govshare.notifications`), one row per recipient user, and
  sets ``delivered_at``: the mail below, whatever becomes of it, never holds
  that back;
* locks the notice (``FOR UPDATE SKIP LOCKED``: two jobs holding the same id
  never both send it) and skips it when it was sent already or has used up
  its ``ckanext.govshare.application.mail_attempts``;
* works out the recipients *now* (:mod:`.mail`): the organization's
  reviewers, its admins and the sysadmins, or the applicant;
* sends one mail per recipient with CKAN's mailer, in the portal's default
  language (no mail server or sender configured: recorded as
  ``NotConfigured``, see :mod:`ckanext.govshare.notifications.mailer`);
* on success sets ``sent_at``; on failure adds one to ``attempts``, keeps the
  error in ``last_error`` and leaves it unsent. The job itself does not fail
  (rq would not retry it anyway): ``ckan govshare applications tick`` queues
  unsent notices again until they run out of attempts.

Each notice is committed on its own, so a job that dies half-way loses
nothing, and the decision the notice tells of was committed long before: a
mail server that is down never touches it.
"""
from __future__ import annotations

import logging
from typing import Iterable

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.applications import mail
from ckanext.govshare.applications.model import Notice, utcnow
from ckanext.govshare.notifications import inbox
from ckanext.govshare.notifications import mailer as site_mailer

log = logging.getLogger(__name__)

QUEUE = "govshare"
#: the message centre's name for this outbox
SOURCE = "application"
#: notice ids per job: 100,000 notices make 200 jobs, not 100,000
CHUNK = 500
#: seconds a job may take per notice (rq's timeout: CKAN's ``ckan.jobs.timeout``
#: at least); a job that runs out leaves its unsent notices to the next tick
SECONDS_PER_NOTICE = 2
#: a job leaves the rest of its chunk to the next tick after this many
#: failures in a row (the mail server is down: no point in trying 500 times)
GIVE_UP_AFTER = 3

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
LEFT = "left"
DELIVERED = "delivered"


def max_attempts() -> int:
    return int(tk.config.get(options.APPLICATION_MAIL_ATTEMPTS))


def register() -> None:
    """How this outbox's notices read in the message centre."""
    inbox.register(SOURCE, mail.render_in_site)


def enqueue(notice_ids: Iterable[int], force: bool = False) -> int:
    """Queue :func:`send_notices` for ``notice_ids``, :data:`CHUNK` ids per
    job (``force``: one more attempt even for those out of attempts).
    Returns the number of jobs queued."""
    ids = list(notice_ids)
    least = int(tk.config.get("ckan.jobs.timeout") or 180)
    jobs = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        tk.enqueue_job(send_notices, [chunk], {"force": True} if force else None,
                       queue=QUEUE,
                       title=f"govshare: send application notices ({len(chunk)})",
                       rq_kwargs={"timeout": max(least, SECONDS_PER_NOTICE * len(chunk))})
        jobs += 1
    return jobs


def dispatch(notice_ids: Iterable[int]) -> None:
    """Hand committed notices to the background worker (in chunks, see
    :func:`enqueue`). Never raises: a notice that cannot be queued now
    stays unsent in the outbox, and the next ``ckan govshare applications
    tick`` queues it again."""
    ids = list(dict.fromkeys(i for i in notice_ids if i is not None))
    if not ids:
        return
    try:
        enqueue(ids)
    except Exception:  # Redis down: the outbox keeps them
        log.exception("Could not queue %d notice(s) (first %s); the tick will retry",
                      len(ids), ids[:10])


def send_notices(notice_ids: list[int], force: bool = False) -> dict[str, int]:
    """Deliver each notice of ``notice_ids`` in the site, then mail each one
    that is still unsent (the job).

    :param force: try even those out of attempts (a sysadmin's "retry now")
    :returns: how many were ``delivered`` in the site; how many mails were
        ``sent``, ``failed``, ``skipped`` (sent already, out of attempts,
        being sent by another job, or no longer worth sending) and ``left``
        for the next tick (the mail server is down)
    """
    counts = {DELIVERED: 0, SENT: 0, FAILED: 0, SKIPPED: 0, LEFT: 0}
    failures_in_a_row = 0
    ids = list(notice_ids)
    with mail.mail_context():
        counts[DELIVERED] = sum(deliver_in_site(notice_id) for notice_id in ids)
        for position, notice_id in enumerate(ids):
            outcome = send_notice(notice_id, force)
            counts[outcome] += 1
            if outcome == FAILED:
                failures_in_a_row += 1
            elif outcome == SENT:
                failures_in_a_row = 0
            if failures_in_a_row >= GIVE_UP_AFTER and position + 1 < len(ids):
                counts[LEFT] = len(ids) - position - 1
                log.warning("%d notices failed in a row; leaving the %d others of this "
                            "job to the next tick", failures_in_a_row, counts[LEFT])
                break
    if counts[FAILED] or counts[LEFT]:
        log.error("Application notices: %s", counts)
    else:
        log.info("Application notices: %s", counts)
    return counts


def deliver_in_site(notice_id: int) -> bool:
    """Deliver one notice in the message centre, in its own transaction,
    unless it was delivered already or is moot (:func:`.mail.not_worth_sending`:
    the same rule as the mail). False when there was nothing to do or it
    failed (``delivered_at`` stays empty: the tick queues it again). Must
    run inside :func:`.mail.mail_context`."""
    session = model.Session
    try:
        notice = (session.query(Notice)
                  .filter(Notice.id == notice_id, Notice.delivered_at.is_(None))
                  .with_for_update(skip_locked=True).populate_existing().one_or_none())
        if notice is None:
            session.rollback()
            return False
        application = mail.case_of(notice)
        if application is not None and not mail.not_worth_sending(notice, application):
            inbox.deliver(SOURCE, notice.id, mail.in_site(notice, application),
                          notice.created_at)
        notice.delivered_at = utcnow()
        session.commit()
        return True
    except Exception:  # noqa: BLE001 - the tick retries; the mail is tried anyway
        session.rollback()
        log.exception("Notice %s not delivered in the site (it will be retried)", notice_id)
        return False


def send_notice(notice_id: int, force: bool = False) -> str:
    """Send one notice in its own transaction: :data:`SENT`, :data:`FAILED`
    or :data:`SKIPPED` (``force``: even when out of attempts). Must run
    inside :func:`.mail.mail_context`."""
    from ckan.lib import mailer

    session = model.Session
    try:
        query = session.query(Notice).filter(Notice.id == notice_id,
                                             Notice.sent_at.is_(None))
        if not force:
            query = query.filter(Notice.attempts < max_attempts())
        notice = query.with_for_update(skip_locked=True).populate_existing().one_or_none()
        if notice is None:
            session.rollback()
            return SKIPPED
        application = mail.case_of(notice)
        why_not = mail.not_worth_sending(notice, application)
        if why_not:
            notice.sent_at = utcnow()
            notice.last_error = f"not sent: {why_not}"
            session.commit()
            log.info("Notice %s (%s) not sent: %s", notice.id, notice.kind, why_not)
            return SKIPPED
        assert application is not None
        site_mailer.check()
        messages = mail.compose(notice, application)
        if not messages:
            raise mail.NoRecipients(notice.kind)
        errors: list[str] = []
        for message in messages:
            try:
                site_mailer.send(message.recipient_name, message.recipient_email,
                                 message.subject, message.body, headers=message.headers)
            except mailer.MailerException as error:
                errors.append(str(error) or type(error).__name__)
        if len(errors) == len(messages):
            raise mailer.MailerException(errors[0])
        notice.attempts += 1
        notice.sent_at = utcnow()
        if errors:  # delivered to some: sending again would repeat it to them
            notice.last_error = (f"not delivered to {len(errors)} of {len(messages)} "
                                 f"recipients: {errors[0]}")[:2000]
            log.warning("Notice %s (%s): %s", notice.id, notice.kind, notice.last_error)
        session.commit()
        return SENT
    except Exception as error:  # noqa: BLE001 - every failure is recorded, none is fatal
        session.rollback()
        message = f"{type(error).__name__}: {error}"[:2000]
        log.warning("Notice %s not sent (it will be retried): %s", notice_id, message)
        _record_failure(notice_id, message)
        return FAILED


def _record_failure(notice_id: int, message: str) -> None:
    """One more attempt, and why it failed (a fresh transaction: the one that
    failed may be unusable)."""
    try:
        model.Session.execute(
            sa.update(Notice)
            .where(Notice.id == notice_id, Notice.sent_at.is_(None))
            .values(attempts=Notice.attempts + 1, last_error=message))
        model.Session.commit()
    except Exception:  # the database is gone too: the tick retries it later
        model.Session.rollback()
        log.exception("Could not record the failure of notice %s", notice_id)
