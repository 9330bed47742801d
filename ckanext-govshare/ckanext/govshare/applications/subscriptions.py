"""Signal subscriptions of the applications (``ISignal``).

When ``ckan govshare workdays recompute`` has read an updated working-day
calendar it sends ``govshare_workdays_calendar_updated``; the applications'
due dates (and whether their answers were on time) are then counted again
from their events and the command prints the result.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays

log = logging.getLogger(__name__)


def recompute_application_due_dates(sender: Any, **kwargs: Any) -> str:
    """Count the applications' due dates again (through the
    ``govshare_application_recompute_due`` action, as the site user)."""
    from ckanext.govshare.applications.cli import summary

    try:
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        result = tk.get_action("govshare_application_recompute_due")(
            {"user": site_user["name"]}, {})
    except Exception as error:  # the other subscribers still get their turn
        model.Session.rollback()
        log.exception("Recomputing the applications' due dates failed")
        return tk._("FAILED: {error}").format(error=error)
    return summary(result)


def get_subscriptions() -> dict[Any, list[Callable[..., Any]]]:
    return {workdays.calendar_updated: [recompute_application_due_dates]}
