"""The applications' clock as actions: the tick (cron) and recomputing
due dates (when the working-day calendar changes).

``ckan govshare applications tick`` / ``recompute-due`` and the
calendar-updated signal call these with the site user.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.applications import recompute, tick


def govshare_application_tick(context: Context, data_dict: DataDict) -> dict[str, int]:
    """Expire grants whose term has ended (their applications become
    ``expired``), write the reminders due (5 and 1 working days before the
    due date, ``ckanext.govshare.application.reminder_working_days``) and the
    overdue notices, queue again the notices that could not be sent, and
    hand them all to the background worker. Idempotent: run it from cron.

    Sysadmins only.

    :returns: ``expired`` (grants ended), ``reminders`` and ``overdue``
        (notices written) and ``requeued`` (unsent notices queued again)
    :rtype: dictionary
    """
    tk.check_access("govshare_application_tick", context, data_dict)
    return tick.tick(commit=not context.get("defer_commit"))


def govshare_application_recompute_due(context: Context,
                                       data_dict: DataDict) -> dict[str, int]:
    """Count again, on the current working-day calendar, every
    application's due date from its events: the last (re)submission day +
    the answer period it was given + the extensions granted after it (an
    extension does not outlive a supplement). For decided applications,
    whether they were answered late, and the working days from the last
    complete submission and from the first one to the decision, are counted
    again too. With an unchanged calendar nothing changes; after a change
    (a year learned, a holiday corrected in the override file) the dates
    move by the calendar alone.

    Sysadmins only.

    :returns: ``checked`` (applications with a submission), ``changed``
        (due date or its provisional flag changed), ``provisional`` (open
        ones still provisional), ``answered`` (decided ones),
        ``answers_changed`` (on time or late, or working days, changed),
        ``skipped`` (moved by someone else while counted: left to that move)
    :rtype: dictionary
    """
    tk.check_access("govshare_application_recompute_due", context, data_dict)
    result = recompute.recompute_due_dates()
    if context.get("defer_commit"):
        model.Session.flush()
    else:
        model.repo.commit()
    return result


def get_actions() -> dict[str, Any]:
    return {"govshare_application_tick": govshare_application_tick,
            "govshare_application_recompute_due": govshare_application_recompute_due}


# ------------------------------------------------------------------ auth
def auth_govshare_application_recompute_due(context: Context,
                                            data_dict: DataDict) -> AuthResult:
    # sysadmins only (CKAN lets them through before this is asked)
    return {"success": False,
            "msg": tk._("Only sysadmins may recompute the applications' due dates")}


def get_auth_functions() -> dict[str, Any]:
    """The auth function of :func:`govshare_application_recompute_due` (the
    tick's, ``govshare_application_tick``, is in :mod:`.auth`)."""
    return {"govshare_application_recompute_due": auth_govshare_application_recompute_due}
