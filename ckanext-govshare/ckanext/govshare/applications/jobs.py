"""Background jobs: send the outbox's notices by mail (CKAN mailer)."""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

QUEUE = "govshare"


def enqueue(notice_ids: list[int]) -> None:
    tk.enqueue_job(send_notices, [notice_ids], queue=QUEUE,
                   title="govshare: send application notices")


def send_notices(notice_ids: list[int]) -> None:
    """Send each unsent notice (placeholder; see the notifications work)."""
    log.info("notices to send: %s", notice_ids)
