"""Search relevance against a running portal: the judged queries of
tests/search/relevance.yaml, searched through the Action API as an anonymous
visitor (``package_search`` with ``q`` and ``rows`` only, as the search page
asks), scored as the suite's tests/search/test_relevance.py scores them.

    .venv/bin/python bench/relevance.py [--url http://127.0.0.1:5000]

Expects the demo catalog loaded (``make run`` loads it; or ``ckan govshare
demo load``). Prints one line a query (rank of the first relevant result,
result count, the top 3, the corrected query when the portal corrected a
typo), then P@3, MRR, the queries without results and the hits by kind.
Exits 1 when the figures miss the suite's thresholds. Not part of the suite.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.search import relevance  # noqa: E402


def search(url: str, q: str) -> dict:
    query = urllib.parse.urlencode({"q": q, "rows": relevance.ROWS})
    with urllib.request.urlopen(f"{url.rstrip('/')}/api/3/action/package_search?{query}",
                                timeout=30) as response:
        return json.load(response)["result"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000",
                        help="the portal's address (default: %(default)s)")
    args = parser.parse_args()

    _kinds, queries = relevance.load_set()
    outcomes = []
    for query in queries:
        try:
            result = search(args.url, query.q)
        except urllib.error.HTTPError as error:  # a query the portal refuses (409)
            print(f"{query.q}: HTTP {error.code} {error.read()[:200]!r}", file=sys.stderr)
            result = {"count": 0, "results": []}
        outcomes.append(relevance.Outcome(
            query=query, count=result["count"],
            names=tuple(r["name"] for r in result["results"]),
            corrected_q=result.get("corrected_q")))
    print(relevance.report(outcomes))
    figures = relevance.figures(outcomes)
    passed = (figures.precision_at_3 >= relevance.MIN_PRECISION_AT_3
              and figures.mrr >= relevance.MIN_MRR
              and not figures.zero_results and not figures.kinds_without_a_hit)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
