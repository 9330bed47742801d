"""Run a ``ckan`` command in the tests' own loaded app.

``CKANCliRunner().invoke(ckan, [...])`` goes through CKAN's entry group,
whose ``-c`` callback reads the ini and builds a whole new app (every plugin
loaded again, the Flask stack, the templates): 3-5 s a call on this machine,
more than most of the commands it runs. :func:`invoke` runs the same click
command (``govshare ...``, ``search-index ...``) with its arguments parsed,
its output captured and its exit code set as on the command line, against
the app the harness already built from the same ini (``ctx.meta
["flask_app"]``, which CKAN's group sets and the commands read).

Each test module keeps at least one call through the real entry group
(``CKANCliRunner`` and ``ckan``), so the command's registration by the
plugin (``IClick``) and the ini loading stay covered.
"""
from __future__ import annotations

import click
from click.testing import Result

from ckan.tests import helpers

from tests import harness


def _loaded_group() -> click.Group:
    from ckan.cli.cli import ckan

    @click.group()
    @click.pass_context
    def loaded(ctx: click.Context) -> None:
        ctx.meta["flask_app"] = harness.ENVIRONMENT.app.flask_app

    # the commands CKAN's group has now: its own and, since the last call
    # through it (or the plugins' load), the plugins' (IClick)
    import ckan.plugins as p
    from ckan.cli.cli import _get_commands_from_plugins

    for name, command in ckan.commands.items():
        loaded.add_command(command, name)
    for command in _get_commands_from_plugins(p.PluginImplementations(p.IClick)):
        loaded.add_command(command)
    return loaded


def invoke(*args: str, mix_stderr: bool = False) -> Result:
    """``ckan ARGS`` in this process's app (see the module's description):
    stdout and stderr apart unless ``mix_stderr``."""
    runner = helpers.CKANCliRunner(mix_stderr=mix_stderr)
    return runner.invoke(_loaded_group(), list(args))
