"""``ckan govshare audit verify|heads``: check the audit trails' hash chains
(applications and grants; the publication review).

::

    # nightly: exit status 1 (and the broken links on stdout) when a chain
    # is broken or the trail is not protected
    ckan -c /etc/ckan/production.ini govshare audit verify

    # keep the chains' heads outside the database, and check against them
    ckan -c /etc/ckan/production.ini govshare audit heads > heads-$(date +%F).jsonl
    ckan -c /etc/ckan/production.ini govshare audit verify --heads heads-2026-12-01.jsonl
"""
from __future__ import annotations

import json
import sys
from typing import Any, Optional, TextIO

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare.audit import chain
from ckanext.govshare.audit.logic.schema import DEFAULT_CHAINS
from ckanext.govshare.cli import progressbar, request_context, site_context


def _trail_label(trail: str) -> str:
    return {chain.APPLICATIONS.name: tk._("Applications and grants"),
            chain.PUBLICATION.name: tk._("Publication review")}[trail]


def _broken_line(item: dict[str, Any]) -> str:
    if item["trail"] == chain.PUBLICATION.name:
        line = tk._("Dataset {id}, publication event {seq}: {message}")
    else:
        line = tk._("Application {id}, event {seq}: {message}")
    return line.format(id=item["chain_id"], seq=item["seq"] or "-", message=item["message"])


@click.group(short_help="The audit trail: check its hash chains")
def audit() -> None:
    """The audit trails of applications and grants and of the publication
    review (append-only, hash-chained)."""


@audit.command(short_help="Check every hash chain; exit 1 if one is broken")
@click.option("--heads", "heads_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Chain heads kept from 'audit heads': each must still be in its chain.")
@click.option("--batch", default=DEFAULT_CHAINS, show_default=True,
              type=click.IntRange(1, 1000), help="Chains checked per call.")
@click.pass_context
def verify(ctx: click.Context, heads_file: Optional[TextIO], batch: int) -> None:
    """Walk every chain of events of both trails (one per application, one
    per dataset's publication review), recompute each hash and report the
    first broken link of each broken chain (a changed, deleted, slipped-in
    or back-dated event; an application, a grant or a publication state
    changed without an event), and whether the trails are protected (their
    triggers on, the portal's database role only allowed to insert and
    read). Progress goes to stderr, the findings to stdout; exit status 1
    when anything is wrong."""
    with request_context(ctx):
        action = tk.get_action("govshare_audit_verify")
        kept = None
        if heads_file is not None:
            try:
                kept = chain.read_heads(heads_file)
            except (ValueError, KeyError, TypeError) as error:
                raise click.BadParameter(tk._("Not a chain head kept from 'audit heads': "
                                              "{line}").format(line=error),
                                         param_hint="--heads")
        first = {}
        for trail in chain.TRAILS:
            query: dict[str, Any] = {"trail": trail, "limit": batch}
            if kept is not None:
                query["heads"] = kept
            first[trail] = action(site_context(), query)
        findings = [w["message"] for page in first.values() for w in page["weaknesses"]]
        broken: list[dict[str, Any]] = []
        summaries = []
        with progressbar(length=sum(page["total"] for page in first.values()),
                         label=tk._("Checking the audit trail"), file=sys.stderr) as bar:
            for trail, page in first.items():
                found, chains, events = list(page["broken"]), page["chains"], page["events"]
                bar.update(page["chains"])
                while page["next"]:
                    page = action(site_context(), {"trail": trail, "after": page["next"],
                                                   "limit": batch})
                    found += page["broken"]
                    chains, events = chains + page["chains"], events + page["events"]
                    bar.update(page["chains"])
                broken += found
                summaries.append(tk._("{trail}: {summary}").format(
                    trail=_trail_label(trail),
                    summary=tk._("{chains} chains, {events} events checked: {broken} broken")
                    .format(chains=chains, events=events,
                            broken=len({b["chain_id"] for b in found}))))
        for message in findings:
            click.echo(tk._("Not protected: {message}").format(message=message))
        for item in broken:
            click.echo(_broken_line(item))
        for summary in summaries:
            click.echo(summary)
        if broken or findings:
            ctx.exit(1)


@audit.command(short_help="Print each chain's last link (JSON lines) to keep elsewhere")
@click.option("--batch", default=DEFAULT_CHAINS, show_default=True,
              type=click.IntRange(1, 1000), help="Chains read per call.")
@click.pass_context
def heads(ctx: click.Context, batch: int) -> None:
    """Print the last link of every chain of both trails (application id or,
    for the publication review, dataset id; place; hash), one JSON object a
    line, to keep outside the database: 'audit verify --heads FILE' later
    finds any chain rewritten since, even with its hashes computed again."""
    with request_context(ctx):
        action = tk.get_action("govshare_audit_heads")
        for trail in chain.TRAILS:
            query: dict[str, Any] = {"trail": trail, "limit": batch}
            while True:
                page = action(site_context(), query)
                for head in page["heads"]:
                    click.echo(json.dumps(head))
                if not page["next"]:
                    break
                query["after"] = page["next"]
