"""``ckan govshare workdays status|recompute|due``: the working-day calendar
from the command line.

The rule itself lives in :mod:`ckanext.govshare.workdays`; these commands only
read it, and ``recompute`` sends its :data:`~ckanext.govshare.workdays.calendar_updated`
signal.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Iterable

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays


def status_lines(calendar: workdays.WorkdayCalendar, years: Iterable[int]) -> list[str]:
    """What the calendar knows, for people: the override file, its years, and
    for each of ``years`` where its schedule comes from."""
    first, last = calendar.package_years
    lines = [
        tk._("chinese-calendar knows {first}–{last}").format(first=first, last=last),
        tk._("Override file: {path}").format(path=calendar.source or tk._("(none)")),
    ]
    if calendar.error:
        lines.append(tk._("The override file is NOT used: {error}").format(error=calendar.error))
    else:
        years_loaded = ", ".join(str(y) for y in sorted(calendar.overrides)) or tk._("none")
        lines.append(tk._("Years from the override file: {years}").format(years=years_loaded))
    for year in years:
        source = calendar.source_of(year)
        if source == "override":
            text = tk._("{year}: override file")
        elif source == "chinese-calendar":
            text = tk._("{year}: chinese-calendar")
        elif source == "rules":
            text = tk._("{year}: holidays computed from the State Council's rules "
                        "(make-up workdays unknown; due dates are provisional)")
        else:
            text = tk._("{year}: UNKNOWN (weekends only; due dates are provisional)")
        lines.append("  " + text.format(year=year))
    return lines


def _request_context(ctx: click.Context) -> Any:
    """A request context selects the configured language for the messages."""
    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()


def _years_around_today() -> range:
    today = workdays.local_today()
    return range(today.year - 1, today.year + 2)


@click.group("workdays", short_help="Working-day calendar")
def cli() -> None:
    """The working-day calendar: chinese-calendar plus the override file;
    other years' statutory holidays from the State Council's rules."""


@cli.command(short_help="Show which years the calendar knows")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the override file, its years, and whether last, this and next
    year are known."""
    with _request_context(ctx):
        calendar = workdays.reload_calendar()
        for line in status_lines(calendar, _years_around_today()):
            click.echo(line)
    if calendar.error:
        ctx.exit(1)


@cli.command(short_help="Re-read the calendar, recompute the stored dates")
@click.pass_context
def recompute(ctx: click.Context) -> None:
    """Re-read the override file, report the years known and unknown, and ask
    every subscriber of the calendar-updated signal to recompute the due
    dates it stored. Fails, recomputing nothing, when the override file is
    not usable."""
    with _request_context(ctx):
        calendar = workdays.reload_calendar()
        for line in status_lines(calendar, _years_around_today()):
            click.echo(line)
        if calendar.error:
            click.secho(tk._("Nothing recomputed: fix the override file first."),
                        fg="red", err=True)
            ctx.exit(1)
        replies = workdays.calendar_updated.send(calendar)
        if not replies:
            click.echo(tk._("No stored dates to recompute."))
        for receiver, report in replies:
            name = getattr(receiver, "__qualname__", repr(receiver))
            click.echo(f"{name}: {report}")


@cli.command(short_help="The n-th working day after a date")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=click.IntRange(min=0))
@click.pass_context
def due(ctx: click.Context, start: dt.datetime, days: int) -> None:
    """Print the DAYS-th working day after START (YYYY-MM-DD)."""
    with _request_context(ctx):
        result = workdays.get_calendar().add_workdays(start.date(), days)
        line = result.date.isoformat()
        if result.provisional:
            line += " " + tk._("(provisional: depends on a year whose official "
                               "holiday schedule the calendar does not have)")
        click.echo(line)
