from __future__ import annotations

from typing import Optional

import click

import ckan.plugins.toolkit as tk


@click.group(short_help="Demo catalog")
def demo() -> None:
    """The demo catalog."""


_catalog_option = click.option(
    "--catalog", "catalog_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Catalog YAML to use (default: the shipped demo catalog; files are read "
         "from a 'files' directory next to it).")


@demo.command(short_help="Load the demo catalog (idempotent)")
@_catalog_option
@click.pass_context
def load(ctx: click.Context, catalog_path: Optional[str]) -> None:
    """Create the demo organizations, groups, datasets and uploaded resources.

    Anything that already exists (by name) is skipped, so running it again
    creates nothing twice; a dataset missing some of its resources gets them.
    """
    from ckanext.govshare.demo import loader

    with _request_context(ctx):
        try:
            report = loader.load(echo=click.echo, catalog_path=catalog_path)
        except ValueError as e:
            raise click.ClickException(str(e))
        if report.failures:
            click.secho(tk.ungettext("{count} failure:", "{count} failures:",
                                     len(report.failures)).format(count=len(report.failures)),
                        fg="red", err=True)
            for failure in report.failures:
                click.echo(f"  {failure}", err=True)
    if report.failures:
        ctx.exit(1)


@demo.command(short_help="Purge the demo catalog")
@_catalog_option
@click.option("--yes", is_flag=True, help="Confirm the action without prompting.")
@click.pass_context
def clear(ctx: click.Context, catalog_path: Optional[str], yes: bool) -> None:
    """Purge the demo datasets (and their uploaded files), then the demo groups
    and organizations that hold nothing outside the demo catalog."""
    from ckanext.govshare.demo import loader

    with _request_context(ctx):
        # Asked here rather than with click.confirmation_option so that the
        # prompt is translated (the request context selects the locale).
        if not yes:
            click.confirm(tk._("Purge the demo datasets, groups and organizations?"),
                          abort=True)
        report = loader.clear(echo=click.echo, catalog_path=catalog_path)
    if report.failures:
        ctx.exit(1)


def _request_context(ctx: click.Context):
    """Actions may use Flask's request globals; CKAN's own commands run them
    inside a test request context too."""
    import contextlib

    app = ctx.meta.get("flask_app")
    return app.test_request_context() if app is not None else contextlib.nullcontext()
