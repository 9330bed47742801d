"""The personal-data scanner's figure: MB/s and peak RSS on a 200 MB CSV.

    .venv/bin/python bench/scanner.py [--mb 200]

Writes ``var/bench-scanner-<N>mb.csv`` (a catalog-like table: ids, names,
dates, amounts, addresses, and one row in a thousand with an ID number, a
mobile number, a bank card and an e-mail), then scans it with
``personal_data.scan`` as the background job does. Peak RSS is measured
after a 20 MB scan and after the full one: the same peak means constant
memory. Not part of the test suite; no database needed.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "ckanext-govshare"))

from stdnum import luhn  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from ckanext.govshare.personal_data import scan  # noqa: E402

HEADER = "编号,单位名称,登记日期,金额,地址,联系方式,备注\n"


def make_csv(path: Path, megabytes: int) -> int:
    """Write the file (streamed) unless it is there with the right size."""
    target = megabytes * 1024 * 1024
    if path.exists() and path.stat().st_size >= target:
        return path.stat().st_size
    rng = random.Random(20261202)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        written, n = 0, 0
        while written < target:
            n += 1
            contact = "0571-8765" + f"{n % 10000:04d}"
            note = "按月更新"
            if n % 1000 == 0:
                birth = f"1990{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
                first17 = f"330106{birth}{n % 1000:03d}"
                card = f"62220202{n:010d}"[:18]
                contact = f"1381234{n % 10000:04d}"
                note = (f"{first17}{ric.calc_check_digit(first17 + '0')} "
                        f"{card}{luhn.calc_check_digit(card)} user{n}@example.com")
            line = (f"GS-{n:09d},某市第{n % 97}公共服务中心,2024-{n % 12 + 1:02d}-{n % 28 + 1:02d},"
                    f"{rng.randrange(100, 10**7) / 100:.2f},城南区人民路 {n % 500} 号,"
                    f"{contact},{note}\n")
            out.write(line)
            written += len(line.encode())
    return path.stat().st_size


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_scan(path: Path) -> tuple[float, scan.Report]:
    start = time.perf_counter()
    with open(path, "rb") as stream:
        report = scan.scan(stream, "CSV")
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    small, big = var / "bench-scanner-20mb.csv", var / f"bench-scanner-{args.mb}mb.csv"
    make_csv(small, 20)
    size = make_csv(big, args.mb)
    print(f"file: {big} ({size / 1e6:.0f} MB)")
    seconds, _report = timed_scan(small)
    after_small = peak_rss_mb()
    print(f"20 MB: {small.stat().st_size / 1e6 / seconds:.1f} MB/s; peak RSS {after_small:.1f} MB")
    seconds, report = timed_scan(big)
    after_big = peak_rss_mb()
    print(f"{size / 1e6:.0f} MB: {seconds:.1f} s, {size / 1e6 / seconds:.1f} MB/s "
          f"(target >= 20 MB/s); peak RSS {after_big:.1f} MB "
          f"(+{after_big - after_small:.1f} MB over the 20 MB scan)")
    print(f"cells {report.cells:,}, hits {report.hits:,}: "
          + ", ".join(f"{column} {sorted(kinds)}" for column, kinds in report.columns.items()))


if __name__ == "__main__":
    main()
