"""``ckan govshare db upgrade``: migrate as the owner role, then give the
portal's role what it needs and no more (:mod:`.roles`).

``make run``, ``make test`` and the Docker image's ``init`` run it instead
of ``ckan db upgrade``."""
from __future__ import annotations

import click

import ckan.plugins.toolkit as tk

from ckanext.govshare.cli import request_context
from ckanext.govshare.database import roles


@click.group(short_help="The database's owner and portal roles")
def db() -> None:
    """The database: migrations as its owner role, the portal role's privileges."""


@db.command(short_help="Migrate as the owner role, then set the portal role's privileges")
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Run CKAN's and every enabled plugin's migrations (as 'ckan db upgrade')
    connected as the owner role (GOVSHARE_DB_OWNER_URL, or sqlalchemy.url's
    user with '_owner' appended), take over whatever the portal role still
    owns, and grant the portal role read and write on the tables but only
    insert and read on the audit tables. Idempotent."""
    roles.migrate()
    with request_context(ctx):
        click.secho(tk._("Database upgraded as the owner role; the portal role's privileges "
                         "are set"), fg="green", bold=True)
