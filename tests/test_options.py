"""Each configuration option is named once: ``options.py`` names the options
that ``config_declaration.yaml`` declares, and no other module spells one out."""
from __future__ import annotations

import pathlib
import re

import yaml

from ckanext.govshare import options

PACKAGE = pathlib.Path(options.__file__).parent


def _declared() -> set[str]:
    declaration = yaml.safe_load((PACKAGE / "config_declaration.yaml").read_text("utf-8"))
    return {option["key"] for group in declaration["groups"] for option in group["options"]}


def test_options_are_the_declared_ones():
    named = {value for name, value in vars(options).items() if name.isupper()}
    assert named == _declared()


def test_no_module_spells_an_option_name_out():
    pattern = re.compile(r"""["']ckanext\.govshare\.[a-z_]+\.[a-z_.]+["']""")
    roots = [PACKAGE, PACKAGE.parents[2] / "tests", PACKAGE.parents[2] / "bench"]
    offenders = [f"{path}:{n}" for root in roots for path in root.rglob("*.py")
                 if path.name != "options.py"
                 for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []
