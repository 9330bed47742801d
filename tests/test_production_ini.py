"""config/production.ini.tmpl (docker, make prod) loads the same catalog
schemas as the development and test configurations: a schema missing there
made the production home page answer 500 (its data products link)."""
from __future__ import annotations

import configparser
import os
import pathlib
import subprocess

from ckanext.govshare import options as govshare_options

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


def test_the_operators_files_are_found_from_the_rendered_production_ini(tmp_path):
    """Relative, they would be read from the rendered ini's own directory
    (/etc/ckan, var/prod), where they are not: production ran without its
    synonyms, stop words and working-day overrides."""
    environment = {"PATH": os.environ["PATH"], "CKAN_SITE_URL": "http://portal.example",
                   "CKAN_SECRET_KEY": "s" * 32, "CKAN_JWT_SECRET": "j" * 32,
                   "CKAN_SQLALCHEMY_URL": "postgresql://u:p@db/govshare",
                   "CKAN_REDIS_URL": "redis://redis:6379/0", "CKAN_STORAGE_PATH": "/var/lib/ckan"}
    rendered = tmp_path / "production.ini"
    subprocess.run([str(ROOT / "scripts" / "render-production-ini.sh"),
                    "config/production.ini.tmpl", str(rendered)],
                   env=environment, check=True, cwd=tmp_path)
    production = options(rendered)
    for option in (govshare_options.SEARCH_SYNONYMS_FILE, govshare_options.SEARCH_STOPWORDS_FILE,
                   govshare_options.WORKDAYS_OVERRIDE_FILE):
        path = pathlib.Path(production[option])
        assert path.is_absolute() and path.is_file(), (option, path)
    assert production[govshare_options.SEARCH_SYNONYMS_FILE] == str(
        ROOT / "config" / "search" / "synonyms.txt")
