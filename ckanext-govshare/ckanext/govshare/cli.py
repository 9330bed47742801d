"""``ckan govshare ...`` commands. Each capability adds its own sub-group."""
from __future__ import annotations

import click


@click.group(short_help="GovShare portal commands")
def govshare() -> None:
    """GovShare: demo data, search engine and portal maintenance."""


def get_commands() -> list[click.Command]:
    from ckanext.govshare.search.cli import search
    from ckanext.govshare.demo.cli import demo
    from ckanext.govshare.catalog_review.cli import catalog
    from ckanext.govshare.workdays_cli import cli as workdays

    govshare.add_command(search)
    govshare.add_command(demo)
    govshare.add_command(catalog)
    govshare.add_command(workdays)
    from ckanext.govshare.applications.cli import applications
    govshare.add_command(applications)
    return [govshare]
