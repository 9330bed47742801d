"""Publication review benchmark: what the publication state costs
``package_show`` and ``package_search``, review on vs off, in the same process.

    .venv/bin/python bench/publication.py [--datasets 200] [--calls 1000] [--rounds 3]

Uses its own database (govshare_bench_publication) and Redis db 11. Creates
``--datasets`` published datasets of one organization, then, as an anonymous
caller (who sees only published entries), times ``package_show`` round-robin
over them and ``package_search`` with a query and a filter, with
``ckanext.govshare.publication.review`` on and off in alternating rounds (best
of each, so a busy moment does not count against one side). The target: on
costs at most 5% more than off. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
# before CKAN loads (its own ``tests`` package would shadow ours)
from tests import factories as govshare_factories  # noqa: E402

DATABASE = "govshare_bench_publication"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    app, admin = _env.site(DATABASE, redis_db=11)
    flask_app = app._wsgi_app

    import ckan.plugins.toolkit as tk

    from ckanext.govshare import options

    with flask_app.test_request_context():
        org = _env.agency(admin, "bench-pub-org", "发布审核基准机构",
                          govshare_factories.credit_code(434343))
        tk.config[options.PUBLICATION_REVIEW] = False  # created published, as before review
        ids = [_env.ensure(admin, "package", {
            "name": f"bench-pub-{n:04d}", "title": f"发布审核基准数据集 {n}",
            "owner_org": org["id"], "notes": "公交 线路 站点",
            **govshare_factories.catalog_fields()})["id"] for n in range(args.datasets)]

    anonymous = {"user": "", "ignore_auth": False}
    position = [0]

    def show() -> None:
        position[0] = (position[0] + 1) % len(ids)
        with flask_app.test_request_context():
            tk.get_action("package_show")(dict(anonymous), {"id": ids[position[0]]})

    def search() -> None:
        with flask_app.test_request_context():
            result = tk.get_action("package_search")(dict(anonymous), {
                "q": "公交", "fq": "organization:bench-pub-org", "rows": 20})
            assert result["count"] >= len(ids), result["count"]

    def measure() -> dict[str, float]:
        show(), search()  # warm up
        return {"package_show": _env.throughput(show, args.calls),
                "package_search": _env.throughput(search, max(1, args.calls // 5))}

    on: dict[str, float] = {}
    off: dict[str, float] = {}
    for _ in range(args.rounds):
        for review, best in ((True, on), (False, off)):
            tk.config[options.PUBLICATION_REVIEW] = review
            for name, value in measure().items():
                best[name] = max(best.get(name, 0.0), value)

    print()
    for name in ("package_show", "package_search"):
        added = off[name] / on[name] - 1
        print(f"{name:<15} review on {on[name]:7.0f}/s  off {off[name]:7.0f}/s"
              f"  time ratio on/off {off[name] / on[name]:.3f}  added {added:6.1%}"
              f"  target <= 5%: {'met' if added <= 0.05 else 'MISSED'}")


if __name__ == "__main__":
    main()
