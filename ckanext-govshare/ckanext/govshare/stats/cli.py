"""``ckan govshare stats count``: every figure of ``/stats`` and of the
supervisor's dashboard that is out of date counted ahead of the visits, so
that no visitor waits for a count nor gets an old one; for cron::

    # every five minutes, and just after midnight in China (a new day's figures)
    */5 * * * *  ckan -c /etc/ckan/production.ini govshare stats count
    1 16 * * *   ckan -c /etc/ckan/production.ini govshare stats count
"""
from __future__ import annotations

import time

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare.cli import progressbar


@click.group(short_help="Public statistics and the supervisor's dashboard")
def stats() -> None:
    """Public statistics (/stats) and the supervisor's dashboard."""


@stats.command(short_help="Count every figure ahead of the visits")
@click.pass_context
def count(ctx: click.Context) -> None:
    """Count every figure that is out of date (or never counted) and keep it
    in the statistics cache."""
    from ckanext.govshare.cli import request_context, site_context
    from ckanext.govshare.stats import cache

    with request_context(ctx), cache.counting_now():
        show = tk.get_action("govshare_stats_show")
        names = show(site_context(), {})["figures"]
        started = time.monotonic()
        with progressbar(names, label=tk._("Counting figures"),
                         item_show_func=lambda name: name or "") as bar:
            for name in bar:
                show(site_context(), {"figure": name})
        click.echo(tk._("Counted {count} figures in {seconds:.1f} s").format(
            count=len(names), seconds=time.monotonic() - started))
