"""``ckan govshare pages forget``: drop every page the page cache keeps for
anonymous visitors. Writes to the database and the search index do that by
themselves; a deployment does not (new templates, a setting changed in the
ini), so run it after one::

    ckan -c /etc/ckan/production.ini govshare pages forget
"""
from __future__ import annotations

import click

import ckan.plugins.toolkit as tk


@click.group(short_help="The pages kept for anonymous visitors")
def pages() -> None:
    """The pages kept for anonymous visitors (the page cache)."""


@pages.command(short_help="Drop every kept page")
@click.pass_context
def forget(ctx: click.Context) -> None:
    """Drop every kept page: the next visitors get pages rendered anew."""
    from ckanext.govshare.cli import request_context, site_context

    with request_context(ctx):
        result = tk.get_action("govshare_page_cache_forget")(site_context(), {})
        click.echo(tk._("Every kept page dropped: pages are kept from version {version}"
                        " on").format(version=result["version"]))
