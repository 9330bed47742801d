"""Tier checks benchmark: the govshare plugin on vs off, in the same process.

    .venv/bin/python bench/tiers.py [--calls 2000] [--size-mb 200]

Uses its own database (govshare_bench_tiers) and Redis db 12. Measures
``package_show`` and ``resource_show`` throughput on a conditional dataset as
an organization member (who may see everything, so both runs do the same
work) with the plugin loaded and unloaded, in alternating rounds (best of
each), then streams a ``--size-mb``
uploaded file of that conditional dataset through the download route as the
member with the plugin on, against CKAN's own upload download of the same
file with the plugin off: throughput and RSS growth of this process. Not part
of the test suite.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
# before CKAN loads: it puts its own package first on sys.path, and its
# ``tests`` package would shadow ours
from tests import factories as govshare_factories  # noqa: E402

DATABASE = "govshare_bench_tiers"


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    app, admin = _env.site(DATABASE, redis_db=12)
    flask_app = app._wsgi_app

    import ckan.plugins as plugins
    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp
    from werkzeug.datastructures import FileStorage

    big = _env.ROOT / "var" / f"bench-{args.size_mb}mb.bin"
    _env.make_file(big, args.size_mb * 2**20)

    with flask_app.test_request_context():
        user = _env.ensure(admin, "user", {
            "name": "bench-member", "email": "member@bench.example",
            "password": "bench-member-password-1"})
        org = _env.agency(admin, "bench-tiers-org", "基准测试机构",
                          govshare_factories.credit_code(424242),
                          users=[{"name": "bench-member", "capacity": "member"}])
        dataset = _env.ensure(admin, "package", {
            "name": "bench-conditional", "title": "有条件开放基准数据集",
            "notes": "基准测试用的有条件开放数据集。", "owner_org": org["id"],
            # the schema's required fields
            **govshare_factories.catalog_fields(open_tier="conditional")})
        resources = dataset.get("resources") or []
        if not resources:
            with open(big, "rb") as stream:
                tk.get_action("resource_create")(dict(admin), {
                    "package_id": dataset["id"], "name": "big.bin",
                    "upload": FileStorage(stream, filename="big.bin")})
            dataset = tk.get_action("package_show")(dict(admin), {"id": dataset["id"]})
        resource_id = dataset["resources"][0]["id"]
        member = {"user": user["name"], "ignore_auth": False}

        # one request per call, as in real traffic: per-request caches of
        # either side must not carry over from one call to the next
        def show() -> None:
            with flask_app.test_request_context():
                tk.get_action("package_show")(dict(member), {"id": dataset["id"]})

        def show_resource() -> None:
            with flask_app.test_request_context():
                tk.get_action("resource_show")(dict(member), {"id": resource_id})

        def measure() -> dict[str, float]:
            show(), show_resource()  # warm up
            return {"package_show": _env.throughput(show, args.calls),
                    "resource_show": _env.throughput(show_resource, args.calls)}

        # alternate on/off rounds and keep each mode's best, so a busy
        # moment of the machine does not count against one side
        on: dict[str, float] = {}
        off: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, value in measure().items():
                on[name] = max(on.get(name, 0.0), value)
            plugins.unload("govshare")
            for name, value in measure().items():
                off[name] = max(off.get(name, 0.0), value)
            plugins.load("govshare")

    token = None
    with flask_app.test_request_context():
        token = tk.get_action("api_token_create")(
            {"user": "bench-member"}, {"user": "bench-member", "name": "bench"})["token"]
    client = CKANTestApp(app)
    url = f"/dataset/{dataset['name']}/resource/{resource_id}/download/big.bin"

    def download() -> tuple[float, float]:
        before = rss_mb()
        peak = before
        started = time.perf_counter()
        response = client.get(url, headers={"Authorization": token}, buffered=False)
        received = 0
        for chunk in response.response:
            received += len(chunk)
            peak = max(peak, rss_mb())
        response.close()
        seconds = time.perf_counter() - started
        assert response.status_code == 200 and received == args.size_mb * 2**20, (
            response.status_code, received)
        return received / 2**20 / seconds, peak - before

    download()  # warm the page cache
    on_speed = off_speed = on_growth = off_growth = 0.0
    for _ in range(args.rounds):
        speed, growth = download()
        on_speed, on_growth = max(on_speed, speed), max(on_growth, growth)
        plugins.unload("govshare")
        speed, growth = download()
        off_speed, off_growth = max(off_speed, speed), max(off_growth, growth)
        plugins.load("govshare")

    print()
    for name in ("package_show", "resource_show"):
        drop = 1 - on[name] / off[name]
        print(f"{name:<14} plugin on {on[name]:7.0f}/s  off {off[name]:7.0f}/s"
              f"  ratio {on[name] / off[name]:.2f}  drop {drop:6.1%}"
              f"  target <= 10%: {'met' if drop <= 0.10 else 'MISSED'}")
    ratio = on_speed / off_speed
    print(f"download {args.size_mb} MB  conditional, member, plugin on {on_speed:7.0f} MB/s"
          f"  CKAN's own upload download (plugin off) {off_speed:7.0f} MB/s"
          f"  ratio {ratio:.2f}  target >= 0.80: {'met' if ratio >= 0.8 else 'MISSED'}")
    print(f"RSS growth while streaming: plugin on {on_growth:.1f} MB, off {off_growth:.1f} MB"
          f"  target <= 50 MB: {'met' if on_growth <= 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
