"""Fuzz benchmark: malformed calls through the Action API, counted by action.

    .venv/bin/python bench/fuzz.py [--calls 10000] [--seed N] [--show 10]

Uses its own database (govshare_bench_fuzz, dropped and created again on
every run, since sysadmin calls with random data may create objects) and
Redis db 14. Sends at least ``--calls`` calls drawn by hypothesis from the
strategies of ``tests/fuzzing.py`` (the same as ``tests/test_fuzz.py``, with
more examples): every ``govshare_*`` action, the core actions GovShare
chains and the core actions issue 11 found 500s in, as anonymous, a user and
a sysadmin. Prints the calls sent and the 5xx answers by action, then the
first ``--show`` calls that got a 5xx or an answer outside CKAN's error
shape. Exits 1 unless there are none. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import collections
import logging
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
# before CKAN loads: it puts its own package first on sys.path, and its
# ``tests`` package would shadow ours
from tests import fuzzing  # noqa: E402

DATABASE = "govshare_bench_fuzz"
REDIS_DB = 14


def drop_database(name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="govshare", password="govshare",
                            dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10_000, help="at least this many calls")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (printed)")
    parser.add_argument("--show", type=int, default=10, help="failing calls to print")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)

    _env.use_database(DATABASE, redis_db=REDIS_DB)
    drop_database(DATABASE)
    _env.ensure_database(DATABASE)
    app = _env.load_ckan()
    flask_app = app._wsgi_app
    # a line per request would bury the tracebacks of the calls that fail
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("ckan").setLevel(logging.WARNING)

    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    from ckanext.govshare import options

    # the targets are created published, as the suite's are (test.ini keeps
    # review off), so that an application can be filed for them
    tk.config[options.PUBLICATION_REVIEW] = False
    with flask_app.test_request_context():
        targets = fuzzing.make_targets()
    actions = fuzzing.fuzzed_actions()
    examples = math.ceil(args.calls / (len(actions) * len(fuzzing.ROLES)))
    client = CKANTestApp(flask_app)
    sent: collections.Counter[str] = collections.Counter()
    server_errors: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    seconds: collections.Counter[str] = collections.Counter()
    slowest = [(0.0, "")] * 5

    def sender(role: str, action: str):
        def send(call: fuzzing.Call) -> None:
            began = time.perf_counter()
            found = fuzzing.problem_of(client, call, targets["tokens"][role])
            took = time.perf_counter() - began
            sent[action] += 1
            seconds[action] += took
            if took > slowest[0][0]:
                slowest[0] = (took, f"{role:9} {call.describe()}")
                slowest.sort()
            if found:
                if found.startswith(("HTTP 5", "raised")):
                    server_errors[action] += 1
                failures.append(f"{role:9} {call.describe()}: {found}")
        return send

    print(f"{len(actions)} actions x {len(fuzzing.ROLES)} roles x {examples} examples, "
          f"hypothesis seed {seed}", flush=True)
    started = time.perf_counter()
    for role in fuzzing.ROLES:
        for action in actions:
            fuzzing.run(action, targets["known"], examples, sender(role, action), seed)
    elapsed = time.perf_counter() - started
    print(f"\n{'action':45} {'calls':>7} {'5xx':>5} {'ms/call':>8}")
    for action in actions:
        print(f"{action:45} {sent[action]:7d} {server_errors[action]:5d} "
              f"{1000 * seconds[action] / max(sent[action], 1):8.1f}")
    total = sum(sent.values())
    print(f"{'total':45} {total:7d} {sum(server_errors.values()):5d}")
    print(f"\n{total} calls in {elapsed:.0f} s ({total / elapsed:.0f} calls/s); "
          f"{sum(server_errors.values())} answered 5xx; "
          f"{len(failures)} not a 4xx/2xx in CKAN's shape")
    print("slowest calls:")
    for took, line in reversed(slowest):
        print(f"  {took:6.2f} s  {line}")
    for line in failures[:args.show]:
        print(line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
