"""Mail through CKAN's mailer, refusing clearly when none is configured.

CKAN's mailer needs a sender (``smtp.mail_from``): without one it fails
with ``AttributeError: 'NoneType' object has no attribute 'encode'`` deep
in :mod:`email.utils`. :func:`send` says "not configured" instead, so that
the outbox records why and the sysadmins' page can tell them what to set;
the site's copy of the notice was delivered before anyway.
"""
from __future__ import annotations

from typing import Optional

import ckan.plugins.toolkit as tk
from ckan.lib import mailer

#: the start of ``last_error`` for a notice not sent for want of a mail setup
NOT_CONFIGURED = "NotConfigured"


class NotConfigured(mailer.MailerException):
    """No mail server or sender is configured."""


def not_configured() -> Optional[str]:
    """Why mail cannot be sent at all (None: it can be tried)."""
    if not (tk.config.get("smtp.mail_from") or "").strip():
        return "smtp.mail_from is not set"
    if not (tk.config.get("smtp.server") or "").strip():
        return "smtp.server is not set"
    return None


def server() -> str:
    """The configured SMTP server, for the sysadmins' page."""
    return (tk.config.get("smtp.server") or "").strip()


def check() -> None:
    """Raise :class:`NotConfigured` when mail cannot be sent at all."""
    why = not_configured()
    if why:
        raise NotConfigured(why)


def send(name: str, email: str, subject: str, body: str,
         headers: Optional[dict[str, str]] = None) -> None:
    """Send one plain-text mail (:class:`NotConfigured`, or CKAN's
    ``MailerException`` when the server refuses or cannot be reached)."""
    check()
    mailer.mail_recipient(name, email, subject, body, headers=headers or {})
