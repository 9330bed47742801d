"""HTTP benchmark: concurrent clients against running portals, same mix, same run.

    .venv/bin/python bench/http_load.py [--clients 32] [--seconds 30]
        [--target prod=http://127.0.0.1:8080] [--target run=http://127.0.0.1:5000]

Each ``--target LABEL=URL`` is a running portal (``make prod``, ``make
run``, or any other topology on the same data); the first is the baseline.
``--stock LABEL`` marks a target as stock CKAN (``STOCK=1 make prod``):
it has no tiers, so its answer to the conditional file (a redirect to the
file's address, or the file) counts as expected when it is not an error
(below 400).
Each is driven in turn by ``--clients`` threads (a keep-alive connection
each) for ``--seconds`` after a short warm-up, cycling through one mix:
the home page, the dataset search page, a dataset page, API package_search,
an unconditional file download and a conditional file's refusal (403). The
mix is read from the first target's API (the demo catalog). Prints, per
target and per request kind, requests/s, p50/p95 and errors (a status
other than the one expected), the machine's load average, and each
target's throughput as a ratio to the baseline. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from typing import Any, Optional

#: (kind, path, expected status)
Request = tuple[str, str, int]


def api(base: str, action: str, **params: Any) -> Any:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}/api/3/action/{action}?{query}", timeout=60) as r:
        return json.loads(r.read())["result"]


def build_mix(base: str) -> list[Request]:
    """The request mix, from the catalog the first target serves."""
    def upload_path(tier: str) -> Optional[tuple[str, str]]:
        found = api(base, "package_search", fq=f"open_tier:{tier}", rows=100)["results"]
        for dataset in found:
            for resource in dataset["resources"]:
                if resource.get("url_type") == "upload" or (
                        resource.get("url_type") == "govshare_restricted" and resource.get("size")):
                    path = f"/dataset/{dataset['id']}/resource/{resource['id']}/download"
                    return dataset["name"], path
        return None

    opened = upload_path("unconditional")
    conditional = upload_path("conditional")
    if opened is None or conditional is None:
        raise SystemExit("the first target has no demo files: load the demo (make run / make prod)")
    query = urllib.parse.quote("公交")
    return [
        ("home", "/", 200),
        ("search page", f"/dataset/?q={query}", 200),
        ("dataset page", f"/dataset/{opened[0]}", 200),
        ("API search", f"/api/3/action/package_search?q={query}&rows=10", 200),
        ("open download", opened[1], 200),
        (CONDITIONAL, conditional[1], 403),
    ]


#: the request kind stock CKAN answers without a tier check
CONDITIONAL = "conditional 403"


def drive(base: str, mix: list[Request], clients: int, seconds: float,
          warmup: float, stock: bool = False) -> dict[str, Any]:
    """Run the clients; the timings of requests that began after the warm-up."""
    parsed = urllib.parse.urlparse(base)
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    timings: dict[str, list[float]] = {kind: [] for kind, _p, _s in mix}
    errors: dict[str, int] = {kind: 0 for kind, _p, _s in mix}
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=60)
        i = offset
        while True:
            kind, path, expected = mix[i % len(mix)]
            i += 1
            began = time.monotonic()
            if began >= stop_at:
                break
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip",
                                                   "Accept-Language": "zh-CN"})
                response = conn.getresponse()
                response.read()
                ok = response.status == expected or (
                    stock and kind == CONDITIONAL and response.status < 400)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80,
                                                      timeout=60)
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=60)
            took = time.monotonic() - began
            if began >= measure_from:
                with lock:
                    timings[kind].append(took)
                    if not ok:
                        errors[kind] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"timings": timings, "errors": errors, "seconds": seconds,
            "load": os.getloadavg()[0]}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(label: str, result: dict[str, Any]) -> float:
    timings, errors = result["timings"], result["errors"]
    every = [t for values in timings.values() for t in values]
    rate = len(every) / result["seconds"]
    print(f"\n{label}: {rate:.1f} requests/s, p50 {percentile(every, .5) * 1000:.0f} ms, "
          f"p95 {percentile(every, .95) * 1000:.0f} ms, errors {sum(errors.values())} "
          f"(load average {result['load']:.1f})")
    print(f"  {'kind':<16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for kind, values in timings.items():
        print(f"  {kind:<16} {len(values):>6} {percentile(values, .5) * 1000:>8.0f} "
              f"{percentile(values, .95) * 1000:>8.0f} {errors[kind]:>7}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", action="append", default=[],
                        help="LABEL=URL of a running portal; the first is the baseline")
    parser.add_argument("--stock", action="append", default=[],
                        help="LABEL of a target that is stock CKAN (no tier check)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    targets = [t.split("=", 1) for t in args.target] or [["prod", "http://127.0.0.1:8080"],
                                                        ["run", "http://127.0.0.1:5000"]]
    mix = build_mix(targets[0][1].rstrip("/"))
    print(f"{args.clients} clients, {args.seconds:.0f} s each after {args.warmup:.0f} s of "
          f"warm-up; mix: {', '.join(kind for kind, _p, _s in mix)}")
    rates = []
    for label, base in targets:
        rates.append(report(label, drive(base.rstrip("/"), mix, args.clients, args.seconds,
                                         args.warmup, stock=label in args.stock)))
    if len(rates) > 1:
        print()
        for (label, _base), rate in zip(targets[1:], rates[1:]):
            ratio = rates[0] / rate if rate else float("inf")
            print(f"{targets[0][0]} / {label} throughput: {ratio:.2f}×"
                  f" ({label} / {targets[0][0]}: {1 / ratio if ratio else float('inf'):.2f}×)")


if __name__ == "__main__":
    main()
