"""Shared set-up for benchmarks: a separate database, CKAN loaded in-process."""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
INI = ROOT / "config" / "development.ini"
VENV_BIN = Path(sys.executable).parent


def database_url(name: str) -> str:
    return f"postgresql://govshare:govshare@127.0.0.1:5432/{name}"


def use_database(name: str, redis_db: int) -> None:
    """Point CKAN (this process and its children) at a benchmark database."""
    os.environ["CKAN_SQLALCHEMY_URL"] = database_url(name)
    os.environ["CKAN_REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
    os.environ.setdefault("CKAN_SOLR_URL", "postgresql://embedded-govshare-search")
    os.environ["CKAN_STORAGE_PATH"] = str(ROOT / "var" / f"{name}-storage")


def ensure_database(name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="govshare", password="govshare",
                            dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    conn.close()
    # migrations run as the database's owner role (ckanext.govshare.database.roles)
    ckan("govshare", "db", "upgrade")


def ckan(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "ckan"), "-c", str(INI), *args], check=check,
                          env=os.environ.copy())


def load_ckan(plugins: str | None = None):
    """Load CKAN's environment in this process and return the app."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    config = load_config(str(INI))
    if plugins is not None:
        config["ckan.plugins"] = plugins
    return make_app(config)


def site(database: str, redis_db: int, plugins: str | None = None) -> tuple[Any, dict]:
    """CKAN loaded in this process on the benchmark's own database (created
    and migrated when missing) and Redis database: the app, and a context
    acting as the site user."""
    use_database(database, redis_db)
    ensure_database(database)
    app = load_ckan(plugins)

    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return app, {"user": site_user, "ignore_auth": True}


def ensure(admin: dict, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The ``kind`` (``user``, ``organization``, ``package``) named
    ``data["name"]``, created from ``data`` when missing (a set-up kept from
    one run to the next). Within a request context."""
    import ckan.plugins.toolkit as tk

    try:
        return tk.get_action(f"{kind}_show")(dict(admin), {"id": data["name"]})
    except tk.ObjectNotFound:
        return tk.get_action(f"{kind}_create")(dict(admin), data)


def agency(admin: dict, name: str, title: str, credit_code: str,
           **fields: Any) -> dict[str, Any]:
    """The organization ``name``, created when missing with what GovShare
    requires of one (``credit_code``: ``tests/factories.credit_code(n)``)."""
    return ensure(admin, "organization", {
        "name": name, "title": title, "unified_social_credit_code": credit_code,
        "review_contact": "基准测试", "review_contact_email": "review@bench.example",
        **fields})


def throughput(call: Callable[[], Any], n: int) -> float:
    """Calls per second of ``n`` calls."""
    started = time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - started)


def make_file(path: Path, size: int) -> None:
    """A file of ``size`` random bytes at ``path`` (kept when it has that size)."""
    if path.exists() and path.stat().st_size == size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 2**20))
            out.write(block)
            left -= len(block)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def timed(calls: list[Callable[[], Any]]) -> list[float]:
    """Milliseconds per call."""
    out = []
    for call in calls:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):7.1f} ms  p95 {percentile(values, 95):7.1f} ms"
            f"  mean {statistics.fmean(values):7.1f} ms")


def peak_rss_mb(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024
