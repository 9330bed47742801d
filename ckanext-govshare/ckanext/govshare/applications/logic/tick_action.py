"""The applications' clock as actions: the tick (cron) and recomputing
provisional due dates (when the working-day calendar learns a year).

``ckan govshare applications tick`` / ``recompute-due`` and the
calendar-updated signal call these with the site user.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.applications import tick


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
    """Count again, on the current working-day calendar, the due dates that
    were marked ``due_date_provisional`` (counted with weekends only for a
    year the calendar did not know) of applications waiting for an answer:
    (re)submission day + the jurisdiction profile's ``answer_working_days``
    + any extension.

    Sysadmins only.

    :returns: ``checked`` (provisional due dates looked at), ``changed``
        (date or provisional flag changed), ``provisional`` (still
        provisional)
    :rtype: dictionary
    """
    tk.check_access("govshare_application_recompute_due", context, data_dict)
    result = tick.recompute_provisional_due_dates()
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
