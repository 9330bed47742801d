"""Page benchmark: server time of the home, search and dataset pages with the
demo catalog, against CKAN's own Action API for the same data, in the same
process.

    .venv/bin/python bench/pages.py [--requests 200] [--profile PAGE]

Uses its own database (govshare_bench_pages, created and migrated when
missing) and Redis db 13, and loads the demo catalog into it
(``ckan govshare demo load``'s loader: idempotent). Every request goes
through the WSGI app in-process (CKAN's test client: no socket, no browser),
as an anonymous visitor in the default language (Chinese), so what is timed
is the server's work. The pages are requested round-robin, ``--requests``
times each after a warm-up, so a busy moment of the machine falls on all of
them alike:

* ``/``: the home page (two searches as the viewer, counts by tier, topics,
  newest and most downloaded);
* ``/dataset/``: the search page (every entry, CKAN's facets);
* ``/dataset/?q=公交``: the search page with a query;
* ``/dataset/<name>``: each demo dataset in turn;

and, as the baseline, CKAN's own ``/api/3/action/package_search`` (the
facets and rows the search page asks for) and ``package_show`` (each demo
dataset in turn). Prints p50 and p95 per page, the ratio of each page's to
its baseline's, and whether the p95 meets the target (150 ms).
``--profile home|search|query|dataset`` prints cProfile's top functions for
that page instead. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402

DATABASE = "govshare_bench_pages"
REDIS_DB = 13
#: the issue's target for the home, search and dataset pages
TARGET_P95_MS = 150.0
QUERY = "公交"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", choices=["home", "search", "query", "dataset"])
    args = parser.parse_args()

    app, admin = _env.site(DATABASE, redis_db=REDIS_DB)
    flask_app = app._wsgi_app

    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    from ckanext.govshare.demo import loader

    with flask_app.test_request_context():
        report = loader.load(echo=lambda *a, **k: None)
        if report.failures:
            sys.exit("demo catalog: " + "; ".join(report.failures))
        # what an anonymous visitor may open (closed entries are not)
        names = sorted(p["name"] for p in tk.get_action("package_search")(
            {"user": "", "ignore_auth": False},
            {"fq": "+dataset_type:dataset", "rows": 1000})["results"])
    print(f"demo catalog: {len(names)} public datasets")

    # one line per request would be timed too
    logging.getLogger("ckan").setLevel(logging.WARNING)
    client = CKANTestApp(app)
    turn = {"dataset": 0, "show": 0}

    def get(url: str, **params: Any) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url, query_string=params)
            assert response.status_code == 200, (url, response.status_code)
        return call

    def next_name(key: str) -> str:
        turn[key] = (turn[key] + 1) % len(names)
        return names[turn[key]]

    def dataset_page() -> None:
        get(f"/dataset/{next_name('dataset')}")()

    def package_show() -> None:
        get("/api/3/action/package_show", id=next_name("show"))()

    # what the search page asks package_search for (CKAN's dataset.search:
    # the facets every plugin adds, 20 rows), asked of the API instead
    with flask_app.test_request_context():
        facets = list(_search_facets(tk))
    api_search = get("/api/3/action/package_search", rows=20,
                     **{"facet.field": json.dumps(facets), "facet.limit": 50})

    pages: dict[str, Callable[[], None]] = {
        "home": get("/"),
        "search": get("/dataset/"),
        "query": get("/dataset/", q=QUERY),
        "dataset": dataset_page,
    }
    baselines: dict[str, Callable[[], None]] = {
        "api package_search": api_search,
        "api package_show": package_show,
    }
    compare = {"home": "api package_search", "search": "api package_search",
               "query": "api package_search", "dataset": "api package_show"}

    # the pages are the real ones, in Chinese (not an error page or a redirect)
    for url, marker in (("/", "govshare-home"), ("/dataset/", "dataset-list"),
                        (f"/dataset/{names[0]}", "govshare-label")):
        body = client.get(url).get_data(as_text=True)
        assert marker in body and 'lang="zh-Hans-CN"' in body, url

    everything = {**pages, **baselines}
    for call in everything.values():      # templates compiled, caches warm
        for _ in range(3):
            call()

    if args.profile:
        profile(pages[args.profile], args.requests)
        return

    times: dict[str, list[float]] = {name: [] for name in everything}
    for _ in range(args.requests):
        for name, call in everything.items():
            started = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - started) * 1000)

    print(f"\n{args.requests} requests each, in-process, anonymous, Chinese (ms)\n")
    print(f"{'page':<22}{'p50':>8}{'p95':>8}   {'baseline':<20}{'p50':>8}{'p95':>8}"
          f"{'p95 ratio':>11}  target p95 ≤ {TARGET_P95_MS:.0f}")
    for name in pages:
        base = compare[name]
        p50, p95 = _env.percentile(times[name], 50), _env.percentile(times[name], 95)
        b50, b95 = _env.percentile(times[base], 50), _env.percentile(times[base], 95)
        verdict = "yes" if p95 <= TARGET_P95_MS else "NO"
        print(f"{label(name):<22}{p50:8.1f}{p95:8.1f}   {base:<20}{b50:8.1f}{b95:8.1f}"
              f"{p95 / b95:10.2f}×  {verdict}")


def _search_facets(tk: Any) -> dict[str, str]:
    """The facets the dataset search page asks for: CKAN's defaults passed
    through every IFacets plugin, as ``dataset.search`` does."""
    from collections import OrderedDict

    import ckan.plugins as p

    facets: dict[str, str] = OrderedDict()
    for facet in tk.config.get("search.facets"):
        facets[facet] = facet
    for plugin in p.PluginImplementations(p.IFacets):
        facets = plugin.dataset_facets(facets, "dataset")
    return facets


def label(name: str) -> str:
    return {"home": "/", "search": "/dataset/", "query": f"/dataset/?q={QUERY}",
            "dataset": "/dataset/<name>"}[name]


def profile(call: Callable[[], None], n: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    main()
