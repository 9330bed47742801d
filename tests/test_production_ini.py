"""config/production.ini.tmpl (docker, make prod) loads the same catalog
schemas as the development and test configurations: a schema missing there
made the production home page answer 500 (its data products link)."""
from __future__ import annotations

import configparser
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def options(path: pathlib.Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["app:main"])


def test_the_production_template_loads_every_schema_of_development():
    production = options(ROOT / "config" / "production.ini.tmpl")
    development = options(ROOT / "config" / "development.ini")  # test.ini uses it
    schemas = {k: v for k, v in development.items() if k.startswith("scheming.")}
    assert schemas
    assert {k: production.get(k) for k in schemas} == schemas
