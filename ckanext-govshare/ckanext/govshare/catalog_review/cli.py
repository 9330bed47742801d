"""``ckan govshare catalog review-report``: what needs review, per organization;
``ckan govshare catalog tick``: the catalog's clock, for cron::

    # daily, after midnight in China: overdue entries re-indexed
    5 0 * * *  ckan -c /etc/ckan/production.ini govshare catalog tick
"""
from __future__ import annotations

import csv
import json
import sys
from typing import Any, Optional

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare.cli import progressbar


@click.group(short_help="Catalog maintenance")
def catalog() -> None:
    """Catalog maintenance: reviews and change records."""


@catalog.command("review-report", short_help="List the catalog entries that need review")
@click.option("--org", "org_name", default=None,
              help="Only this organization (name or id); default: all of them.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="Output format.")
@click.option("--include-pending", is_flag=True,
              help="Also list open changes that are not overdue yet.")
@click.pass_context
def review_report(ctx: click.Context, org_name: Optional[str], fmt: str,
                  include_pending: bool) -> None:
    """List the catalog entries that need review: not reviewed for over a year,
    or with a recorded change unanswered after the allowed working days.
    Progress goes to stderr, the report to stdout."""
    with _request_context(ctx):
        listings = _collect(org_name, include_pending)
        if fmt == "json":
            click.echo(json.dumps(listings, ensure_ascii=False, indent=2))
        elif fmt == "csv":
            _write_csv(listings)
        else:
            _write_table(listings)


@catalog.command(short_help="Re-index entries whose update became overdue")
@click.pass_context
def tick(ctx: click.Context) -> None:
    """The catalog's clock: index again the entries whose update has become
    overdue since they were indexed, and print the counts. Idempotent: run
    it from cron."""
    from ckanext.govshare.cli import site_context

    with _request_context(ctx):
        counts = tk.get_action("govshare_catalog_tick")(site_context(), {})
        for key, value in counts.items():
            click.echo(f"{key}: {value}")


def _collect(org_name: Optional[str], include_pending: bool) -> list[dict[str, Any]]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site_user}
    if org_name:
        try:
            org = tk.get_action("organization_show")(
                dict(context), {"id": org_name, "include_datasets": False,
                                "include_users": False})
        except tk.ObjectNotFound:
            raise click.ClickException(
                tk._("Organization not found: {name}").format(name=org_name))
        names = [org["name"]]
    else:
        names = tk.get_action("organization_list")(dict(context), {"all_fields": False,
                                                                   "limit": 1000000})
    listings = []
    with progressbar(names, label=tk._("Checking organizations"), file=sys.stderr) as bar:
        for name in bar:
            listings.append(tk.get_action("govshare_catalog_review_list")(
                dict(context), {"id": name, "include_pending": include_pending}))
    return listings


def _write_csv(listings: list[dict[str, Any]]) -> None:
    out = csv.writer(click.get_text_stream("stdout"))
    out.writerow(["organization", "dataset", "title", "last_reviewed", "needs_review",
                  "due", "provisional", "reasons"])
    for listing in listings:
        for entry in listing["results"]:
            out.writerow([
                listing["organization"]["name"], entry["name"], entry["title"],
                entry["last_reviewed"] or "", "yes" if entry["needs_review"] else "no",
                entry["due"], "yes" if entry["provisional"] else "no",
                " | ".join(r["message"] for r in entry["reasons"]),
            ])


def _write_table(listings: list[dict[str, Any]]) -> None:
    total = 0
    for listing in listings:
        org = listing["organization"]
        count = listing["count"]
        total += count
        if not listing["results"]:
            continue
        click.secho(tk.ungettext(
            "{org} ({name}): {count} entry needs review",
            "{org} ({name}): {count} entries need review", count).format(
                org=org["title"], name=org["name"], count=count), bold=True)
        for entry in listing["results"]:
            due = entry["due"] + ("*" if entry["provisional"] else "")
            mark = "!" if entry["needs_review"] else " "
            click.echo(f"  {mark} {due:<11} {entry['name']}  {entry['title']}")
            for reason in entry["reasons"]:
                click.echo(f"      - {reason['message']}")
    click.echo(tk.ungettext(
        "{count} entry needs review in {orgs} organizations checked.",
        "{count} entries need review in {orgs} organizations checked.",
        total).format(count=total, orgs=len(listings)))
    if any(entry["provisional"] for listing in listings for entry in listing["results"]):
        click.echo(tk._("* provisional: counted with weekends only for a year the "
                        "working-day calendar does not know yet"))


def _request_context(ctx: click.Context) -> Any:
    """Actions use Flask's request globals; a request context also selects
    the configured language for the messages."""
    import contextlib

    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()
