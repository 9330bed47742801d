from __future__ import annotations

import click


@click.group(short_help="Embedded search engine")
def search() -> None:
    """The embedded PostgreSQL search engine."""
