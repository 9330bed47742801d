"""``ckan govshare applications ...``: the applications' clock, for cron.

::

    # every 10 minutes: expire grants, send reminders, flag overdue ones,
    # retry failed mails (idempotent)
    */10 * * * *  ckan -c /etc/ckan/production.ini govshare applications tick

    # after the working-day calendar changed (``ckan govshare workdays
    # recompute`` does this too, through the calendar-updated signal)
    ckan -c /etc/ckan/production.ini govshare applications recompute-due

The mails themselves are sent by the background worker (``ckan jobs worker
default govshare``).
"""
from __future__ import annotations

import contextlib
import json
from typing import Any

import click

import ckan.plugins.toolkit as tk


@click.group(short_help="Conditional-access applications")
def applications() -> None:
    """Conditional-access applications: the tick (cron) and due dates."""


def _request_context(ctx: click.Context) -> Any:
    """Actions and messages use Flask's request globals (and the configured
    language)."""
    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()


def _site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"]}


@applications.command(short_help="Expire grants, send reminders, flag overdue ones")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def tick(ctx: click.Context, as_json: bool) -> None:
    """Expire the grants whose term has ended, write the reminders due and
    the overdue notices, queue again the mails that could not be sent, and
    print how many of each. Idempotent: run it from cron."""
    with _request_context(ctx):
        counts = tk.get_action("govshare_application_tick")(_site_context(), {})
        if as_json:
            click.echo(json.dumps(counts))
            return
        for key in ("expired", "reminders", "overdue", "requeued"):
            click.echo(f"{key}: {counts[key]}")


@applications.command("recompute-due",
                      short_help="Recompute due dates on the current calendar")
@click.pass_context
def recompute_due(ctx: click.Context) -> None:
    """Count every application's due date again from its events on the
    current working-day calendar, and whether each decision was on time,
    and print how many changed."""
    with _request_context(ctx):
        result = tk.get_action("govshare_application_recompute_due")(_site_context(), {})
        click.echo(summary(result))


def summary(result: dict[str, int]) -> str:
    """One line about a recomputation (the command and the signal print it)."""
    return tk._("{changed} of {checked} due dates changed, {provisional} open and still "
                "provisional; {answers_changed} of {answered} answers changed (on time or "
                "late, working days)").format(**result)
