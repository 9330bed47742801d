"""``ckan govshare audit verify|heads``: check the audit trail's hash chains.

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
from ckanext.govshare.cli import request_context, site_context


@click.group(short_help="The audit trail: check its hash chains")
def audit() -> None:
    """The audit trail of applications and grants (append-only, hash-chained)."""


@audit.command(short_help="Check every hash chain; exit 1 if one is broken")
@click.option("--heads", "heads_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Chain heads kept from 'audit heads': each must still be in its chain.")
@click.option("--batch", default=DEFAULT_CHAINS, show_default=True,
              type=click.IntRange(1, 1000), help="Chains checked per call.")
@click.pass_context
def verify(ctx: click.Context, heads_file: Optional[TextIO], batch: int) -> None:
    """Walk every application's chain of events, recompute each hash and
    report the first broken link of each broken chain (a changed, deleted,
    slipped-in or back-dated event; an application or grant changed without
    an event), and whether the trail is protected (its triggers on, the
    portal's database role only allowed to insert and read). Progress goes to
    stderr, the findings to stdout; exit status 1 when anything is wrong."""
    with request_context(ctx):
        action = tk.get_action("govshare_audit_verify")
        query: dict[str, Any] = {"limit": batch}
        if heads_file is not None:
            query["heads"] = chain.read_heads(heads_file)
        page = action(site_context(), query)
        findings = [w["message"] for w in page["weaknesses"]]
        broken, chains, events = list(page["broken"]), page["chains"], page["events"]
        with click.progressbar(length=page["total"], label=tk._("Checking the audit trail"),
                               show_pos=True, file=sys.stderr) as bar:
            bar.update(page["chains"])
            while page["next"]:
                page = action(site_context(), {"after": page["next"], "limit": batch})
                broken += page["broken"]
                chains, events = chains + page["chains"], events + page["events"]
                bar.update(page["chains"])
        for message in findings:
            click.echo(tk._("Not protected: {message}").format(message=message))
        for item in broken:
            click.echo(tk._("Application {id}, event {seq}: {message}").format(
                id=item["application_id"], seq=item["seq"] or "-", message=item["message"]))
        click.echo(tk._("{chains} chains, {events} events checked: {broken} broken").format(
            chains=chains, events=events, broken=len({b["application_id"] for b in broken})))
        if broken or findings:
            ctx.exit(1)


@audit.command(short_help="Print each chain's last link (JSON lines) to keep elsewhere")
@click.option("--batch", default=DEFAULT_CHAINS, show_default=True,
              type=click.IntRange(1, 1000), help="Chains read per call.")
@click.pass_context
def heads(ctx: click.Context, batch: int) -> None:
    """Print the last link of every chain (application id, place, hash), one
    JSON object a line, to keep outside the database: 'audit verify --heads
    FILE' later finds any chain rewritten since, even with its hashes
    computed again."""
    with request_context(ctx):
        action = tk.get_action("govshare_audit_heads")
        query: dict[str, Any] = {"limit": batch}
        while True:
            page = action(site_context(), query)
            for head in page["heads"]:
                click.echo(json.dumps(head))
            if not page["next"]:
                break
            query["after"] = page["next"]
