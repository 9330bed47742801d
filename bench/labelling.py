"""Labelling benchmark: what download receipts cost, and labels at scale.

    .venv/bin/python bench/labelling.py [--small-calls 50] [--big-mb 50]
        [--rounds 16] [--receipts 1000000] [--calls 300] [--explain]

Uses its own database (govshare_bench_labels) and Redis db 12, created and
migrated here. Not part of the test suite.

(a) Download throughput with receipts recorded and not
    (``ckanext.govshare.labelling.record_receipts`` true/false, toggled in
    this process), the same user (an API token) and the same files, in
    alternating batches (median of each): a 10 KB file (many requests a
    second, where the per-download cost shows) and a ``--big-mb`` one; and
    the time spent in the receipt write itself. Target: the receipts cost
    <= 5%.
(b) ``--receipts`` rows COPYed into ``govshare_download_receipt`` (once;
    about 10,000 users and 1,000 datasets, of which the measured user has a
    few thousand receipts over the benchmark's real datasets), then "My
    downloads" (``/dashboard/downloads``, random pages) and
    ``govshare_label_show`` (random datasets and resources of the measured
    user's) p50/p95 over ``--calls`` calls each, both through the Action API
    with the user's token. Target: p95 < 50 ms. The HTML page of My downloads
    is timed beside CKAN's own "My datasets" tab and About page of the same
    user: any logged-in CKAN page pays for its header (the dashboard badge's
    activity query, the user's organizations), which the page cannot go
    under. ``--explain`` prints EXPLAIN ANALYZE of the receipt queries.
"""
from __future__ import annotations

import argparse
import io
import itertools
import random
import statistics
import sys
import time
import uuid
from typing import Any
from pathlib import Path
from ckanext.govshare import options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _env  # noqa: E402
# before CKAN loads: it puts its own package first on sys.path, where
# "tests" is CKAN's
from tests import factories as govshare_factories  # noqa: E402

DATABASE = "govshare_bench_labels"
SMALL_KB = 10
#: real datasets of the benchmark (two resources each); the receipts of other
#: users spread over these and fake dataset ids, up to DATASETS in all
REAL_DATASETS = 40
DATASETS = 1000
USERS = 10_000
#: the measured user's share of the receipts
READER_RECEIPTS = 3000


def ensure_user(tk, admin: dict, name: str) -> dict:
    try:
        return tk.get_action("user_show")(dict(admin), {"id": name})
    except tk.ObjectNotFound:
        return tk.get_action("user_create")(dict(admin), {
            "name": name, "email": f"{name}@bench.example",
            "password": f"{name}-password-1"})


def ensure_dataset(tk, admin: dict, org_id: str, name: str, title: str,
                   resources: list[dict]) -> dict:
    from werkzeug.datastructures import FileStorage

    try:
        return tk.get_action("package_show")(dict(admin), {"id": name})
    except tk.ObjectNotFound:
        pass
    dataset = tk.get_action("package_create")(dict(admin), {
        "name": name, "title": title, "notes": "标注基准测试用的数据集。",
        "owner_org": org_id, **govshare_factories.catalog_fields(resource_code=f"GS-BENCH-{name}")})
    for resource in resources:
        if "path" in resource:
            with open(resource["path"], "rb") as stream:
                tk.get_action("resource_create")(dict(admin), {
                    "package_id": dataset["id"], "name": resource["name"],
                    "upload": FileStorage(stream, filename=resource["name"])})
        else:
            tk.get_action("resource_create")(dict(admin), {
                "package_id": dataset["id"], "name": resource["name"],
                "url": resource["url"], "format": "CSV"})
    return tk.get_action("package_show")(dict(admin), {"id": dataset["id"]})


def token_for(tk, name: str) -> str:
    return tk.get_action("api_token_create")(
        {"user": name}, {"user": name, "name": "bench"})["token"]


# ----------------------------------------------------------------------- (a)
def bench_downloads(args, flask_app, client, tk, token: str,
                    files: dict[str, tuple[str, int]]) -> None:
    """Alternate the two modes batch by batch (``--rounds`` batches each), so
    that the load of the machine, which drifts, falls on both alike; compare
    the median batch rates. The time spent in the receipt write itself is
    measured too (a wrapper around it), which no drift can blur."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.govshare.labelling import receipts

    writes: list[float] = []
    record = receipts.record

    def timed_record(*a, **kw):
        started = time.perf_counter()
        try:
            return record(*a, **kw)
        finally:
            writes.append(time.perf_counter() - started)

    def download(url: str, size: int) -> None:
        response = client.get(url, headers={"Authorization": token})
        assert response.status_code == 200 and len(response.get_data()) == size, (
            response.status_code, url)

    def rate(url: str, size: int, calls: int) -> tuple[float, float]:
        """(downloads per second, seconds)"""
        started = time.perf_counter()
        for _ in range(calls):
            download(url, size)
        seconds = time.perf_counter() - started
        return calls / seconds, seconds

    def receipts_now() -> int:
        with model.meta.engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM govshare_download_receipt")).scalar()

    plans = {"small": (files["small"], args.small_calls),
             "big": (files["big"], args.big_calls)}
    rates: dict[tuple[str, bool], list[float]] = {}
    seconds: dict[tuple[str, bool], float] = {}
    write_seconds: dict[str, float] = {}
    receipts.record = timed_record
    try:
        for (url, size), _calls in plans.values():
            download(url, size)  # warm up (and the page cache)
        for kind, ((url, size), calls) in plans.items():
            writes.clear()
            for turn in range(args.rounds):
                # ABBA: which mode goes first alternates too
                for on in ((True, False) if turn % 2 == 0 else (False, True)):
                    tk.config[options.LABELLING_RECORD_RECEIPTS] = on
                    before = receipts_now()
                    value, spent = rate(url, size, calls)
                    rates.setdefault((kind, on), []).append(value)
                    seconds[(kind, on)] = seconds.get((kind, on), 0.0) + spent
                    recorded = receipts_now() - before
                    assert recorded == (calls if on else 0), (on, recorded)
            write_seconds[kind] = sum(writes)
    finally:
        receipts.record = record
        tk.config[options.LABELLING_RECORD_RECEIPTS] = True

    print()
    print("(a) download throughput, receipts recorded vs not (same process, same user "
          f"and files; {args.rounds} batches of each mode, alternating ABBA; median batch)")
    for kind, ((url, size), calls) in plans.items():
        on = statistics.median(rates[(kind, True)])
        off = statistics.median(rates[(kind, False)])
        drop = 1 - on / off
        what = f"{size / 1024:.0f} KB" if size < 2**20 else f"{size / 2**20:.0f} MB"
        unit = (f"{on:7.1f}/s  off {off:7.1f}/s" if size < 2**20 else
                f"{on * size / 2**20:7.1f} MB/s  off {off * size / 2**20:7.1f} MB/s")
        share = write_seconds[kind] / seconds[(kind, True)]
        per = write_seconds[kind] / (calls * args.rounds) * 1000
        print(f"  {what:>6} {args.rounds}x{calls:<4} receipts on {unit}  ratio {on / off:.3f}"
              f"  cost {drop:6.1%}  target <= 5%: {'met' if drop <= 0.05 else 'MISSED'}")
        print(f"  {'':>6} the receipt write itself: {per:.2f} ms a download, "
              f"{share:.1%} of the time downloading with receipts on")


# ----------------------------------------------------------------------- (b)
def generate_receipts(total: int, reader_id: str, real: list[dict]) -> None:
    """COPY ``total`` receipts (once): ``READER_RECEIPTS`` of them the
    reader's, over the real datasets' resources; the rest over USERS users
    and DATASETS datasets (the real ones among them)."""
    import ckan.model as model
    import sqlalchemy as sa

    with model.meta.engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM govshare_download_receipt")
                            ).scalar()
    if have >= total:
        print(f"  {have:,} receipts already there")
        return
    rng = random.Random(20261121)
    real_pairs = [(d["id"], r["id"], d["metadata_modified"]) for d in real
                  for r in d["resources"]]
    fake = [(str(uuid.UUID(int=rng.getrandbits(128))),
             [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(3)])
            for _ in range(DATASETS - len(real))]
    users = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(USERS)]
    now = time.time()
    two_years = 2 * 365 * 86400
    started = time.perf_counter()

    def stamp(seconds: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + \
            f".{rng.randrange(1_000_000):06d}"

    def rows(n: int):
        for i in range(n):
            if i < READER_RECEIPTS:
                user = reader_id
                package_id, resource_id, modified = rng.choice(real_pairs)
            else:
                user = rng.choice(users)
                if rng.random() < 0.05:
                    package_id, resource_id, modified = rng.choice(real_pairs)
                else:
                    package_id, resources = rng.choice(fake)
                    resource_id, modified = rng.choice(resources), None
            obtained = now - rng.random() * two_years
            modified = modified or stamp(obtained - rng.random() * 86400 * 30)
            channel = "api" if rng.random() < 0.3 else "web"
            yield f"{user}\t{package_id}\t{resource_id}\t{modified}\t{modified}\t" \
                  f"{stamp(obtained)}\t{channel}\n"

    need = total - have
    generator = rows(need)
    raw = model.meta.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            done = 0
            while done < need:
                n = min(200_000, need - done)
                buffer = io.StringIO("".join(itertools.islice(generator, n)))
                cursor.copy_expert(
                    "COPY govshare_download_receipt (user_id, package_id, resource_id, "
                    "resource_modified, metadata_modified, obtained_at, channel) "
                    "FROM STDIN", buffer)
                done += n
        raw.commit()
        with raw.cursor() as cursor:
            cursor.execute("ANALYZE govshare_download_receipt")
        raw.commit()
    finally:
        raw.close()
    print(f"  COPYed {need:,} receipts in {time.perf_counter() - started:.1f} s")


def explain(sql: str, params: dict) -> str:
    import ckan.model as model
    import sqlalchemy as sa

    with model.meta.engine.connect() as conn:
        plan = conn.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params)
        return "\n".join("      " + r[0] for r in plan)


def bench_scale(args, flask_app, client, tk, reader: dict, token: str,
                real: list[dict]) -> None:
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.govshare.labelling.views import PER_PAGE

    print()
    print(f"(b) {args.receipts:,} receipts, ~{USERS:,} users, ~{DATASETS:,} datasets")
    generate_receipts(args.receipts, reader["id"], real)
    with model.meta.engine.connect() as conn:
        total, mine = conn.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE user_id = :u) "
            "FROM govshare_download_receipt"), {"u": reader["id"]}).one()
    pages = max(1, -(-mine // PER_PAGE))
    print(f"  {total:,} receipts; the measured user has {mine:,} ({pages} pages of "
          f"{PER_PAGE})")
    rng = random.Random(7)

    # with the user's API token; CKAN updates the token's last_access and
    # commits on every such request: its cost is timed apart below
    def get(url: str, token_auth: bool = True, **query: Any) -> str:
        response = client.get(url, query_string=query,
                              headers={"Authorization": token} if token_auth else {})
        assert response.status_code == 200, (url, query, response.status_code)
        return response.get_data(as_text=True)

    def my_downloads(page: int) -> None:
        assert 'data-receipt="' in get("/dashboard/downloads", page=page), page

    def receipt_list(page: int) -> None:
        get("/api/3/action/govshare_download_receipt_list", include_labels="true",
            limit=PER_PAGE, offset=(page - 1) * PER_PAGE)

    def label_show(data: dict) -> None:
        assert '"receipt": {' in get("/api/3/action/govshare_label_show", **data), data

    page_numbers = [1, 2, pages] + [rng.randint(1, pages) for _ in range(args.calls)]
    targets = [{"package_id": d["id"]} for d in real] + \
        [{"resource_id": r["id"]} for d in real for r in d["resources"]]
    label_calls = [rng.choice(targets) for _ in range(args.calls)]

    for page in page_numbers[:5]:  # warm up
        my_downloads(page)
        receipt_list(page)
    for data in label_calls[:5]:
        label_show(data)
    get("/dashboard/datasets")
    get("/about")
    measured = page_numbers[3:]
    targeted = {
        "My downloads (Action API)": _env.timed([lambda p=p: receipt_list(p)
                                                 for p in measured]),
        "govshare_label_show (API)": _env.timed([lambda d=d: label_show(d)
                                                 for d in label_calls]),
    }
    pages_html = {
        "My downloads page (HTML)": _env.timed([lambda p=p: my_downloads(p)
                                                for p in measured]),
        "  CKAN's My datasets tab": _env.timed([lambda: get("/dashboard/datasets")
                                                for _ in measured]),
        "  CKAN's About page": _env.timed([lambda: get("/about") for _ in measured]),
    }
    token_cost = _env.timed([lambda: get("/api/3/action/status_show") for _ in measured])
    no_token = _env.timed([lambda: get("/api/3/action/status_show", token_auth=False)
                           for _ in measured])
    print("  through the Action API and pages with the user's API token, in process "
          "(no network):")
    for name, values in targeted.items():
        p95 = _env.percentile(values, 95)
        print(f"  {name:<28} {_env.summary(values)}  target p95 < 50 ms: "
              f"{'met' if p95 < 50 else 'MISSED'}")
    for name, values in pages_html.items():
        print(f"  {name:<28} {_env.summary(values)}")
    print(f"  (of which CKAN's own token check and last_access update: status_show "
          f"p50 {_env.percentile(token_cost, 50):.1f} ms with the token, "
          f"{_env.percentile(no_token, 50):.1f} ms anonymous)")
    floor = _env.percentile(pages_html["  CKAN's About page"], 50)
    ours = _env.percentile(pages_html["My downloads page (HTML)"], 50)
    print(f"  (the HTML page is CKAN's logged-in page, whose header alone costs what "
          f"the About page does, p50 {floor:.1f} ms on this machine; the page adds "
          f"p50 {ours - floor:.1f} ms to it for 25 receipts with their labels)")

    if args.explain:
        some = real[0]
        deep = (pages - 1) * PER_PAGE
        print()
        print("  EXPLAIN ANALYZE: the receipt count of My downloads")
        print(explain("SELECT count(*) FROM govshare_download_receipt WHERE user_id = :u",
                      {"u": reader["id"]}))
        print(f"  EXPLAIN ANALYZE: the last page of My downloads (offset {deep})")
        print(explain("SELECT * FROM govshare_download_receipt WHERE user_id = :u "
                      "ORDER BY obtained_at DESC, id DESC LIMIT :l OFFSET :o",
                      {"u": reader["id"], "l": PER_PAGE, "o": deep}))
        print("  EXPLAIN ANALYZE: the latest receipt of a resource (govshare_label_show)")
        print(explain("SELECT * FROM govshare_download_receipt WHERE user_id = :u "
                      "AND package_id = :p AND resource_id = :r "
                      "ORDER BY obtained_at DESC LIMIT 1",
                      {"u": reader["id"], "p": some["id"],
                       "r": some["resources"][0]["id"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small-calls", type=int, default=50,
                        help="downloads of the 10 KB file per batch")
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--big-calls", type=int, default=3,
                        help="downloads of the big file per batch")
    parser.add_argument("--rounds", type=int, default=16,
                        help="batches of each mode (alternating)")
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=300,
                        help="calls of each measured page/action in (b)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-downloads", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()

    _env.use_database(DATABASE, redis_db=12)
    _env.ensure_database(DATABASE)
    app = _env.load_ckan()
    flask_app = app._wsgi_app

    import ckan.plugins.toolkit as tk
    from ckan.tests.helpers import CKANTestApp

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    admin = {"user": site_user, "ignore_auth": True}
    small = _env.ROOT / "var" / f"bench-{SMALL_KB}kb.bin"
    big = _env.ROOT / "var" / f"bench-{args.big_mb}mb.bin"
    _env.make_file(small, SMALL_KB * 1024)
    _env.make_file(big, args.big_mb * 2**20)

    with flask_app.test_request_context():
        downloader = ensure_user(tk, admin, "bench-downloader")
        reader = ensure_user(tk, admin, "bench-reader")
        try:
            org = tk.get_action("organization_show")(dict(admin), {"id": "bench-labels-org"})
        except tk.ObjectNotFound:
            org = tk.get_action("organization_create")(dict(admin), {
                "name": "bench-labels-org", "title": "标注基准测试机构",
                "unified_social_credit_code": govshare_factories.credit_code(434343),
                "review_contact": "基准测试", "review_contact_email": "review@bench.example"})
        files_ds = ensure_dataset(tk, admin, org["id"], "bench-label-files",
                                  "标注基准下载文件", [
                                      {"name": "small.bin", "path": small},
                                      {"name": f"big-{args.big_mb}mb.bin", "path": big}])
        real = []
        if not args.skip_scale:
            for i in range(REAL_DATASETS):
                real.append(ensure_dataset(
                    tk, admin, org["id"], f"bench-label-{i:03d}", f"标注基准数据集 {i:03d}",
                    [{"name": f"part-{k}.csv",
                      "url": f"http://files.example.org/bench/{i}/{k}.csv"}
                     for k in (1, 2)]))
        tokens = {"downloader": token_for(tk, downloader["name"]),
                  "reader": token_for(tk, reader["name"])}

    by_name = {r["name"]: r for r in files_ds["resources"]}
    base = f"/dataset/{files_ds['name']}/resource"
    files = {
        "small": (f"{base}/{by_name['small.bin']['id']}/download/small.bin",
                  SMALL_KB * 1024),
        "big": (f"{base}/{by_name[f'big-{args.big_mb}mb.bin']['id']}/download/big.bin",
                args.big_mb * 2**20),
    }
    client = CKANTestApp(app)
    if not args.skip_downloads:
        bench_downloads(args, flask_app, client, tk, tokens["downloader"], files)
    if not args.skip_scale:
        bench_scale(args, flask_app, client, tk, reader, tokens["reader"], real)


if __name__ == "__main__":
    main()
