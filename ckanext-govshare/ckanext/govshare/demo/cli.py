from __future__ import annotations

import click


@click.group(short_help="Demo catalog")
def demo() -> None:
    """The demo catalog."""
