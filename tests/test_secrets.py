"""The portal's keys are this install's own: generated into var/ by make,
never in the repository (a committed SECRET_KEY lets anyone forge a
sysadmin's session cookie)."""
from __future__ import annotations

import stat
from pathlib import Path

from ckan.common import config

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ROOT / "var" / "secrets.ini"
KEYS = ("SECRET_KEY", "WTF_CSRF_SECRET_KEY", "api_token.jwt.encode.secret",
        "api_token.jwt.decode.secret")


def test_the_keys_come_from_the_installs_own_file():
    committed = "\n".join(p.read_text("utf-8") for p in (ROOT / "config").glob("*.ini"))
    for key in KEYS:
        value = str(config[key]).removeprefix("string:")
        assert len(value) >= 32, key
        assert value not in committed, f"{key} is in a committed ini file"
        assert value in SECRETS.read_text("utf-8"), key
    assert stat.S_IMODE(SECRETS.stat().st_mode) == 0o600


def test_the_ini_files_name_no_key():
    for path in (ROOT / "config").glob("*.ini"):
        text = path.read_text("utf-8")
        assert not any(line.split("=")[0].strip() in KEYS for line in text.splitlines()
                       if not line.lstrip().startswith("#")), path.name
