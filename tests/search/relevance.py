"""The relevance test set (``relevance.yaml``) and how a run of it is scored.

Shared by the suite (``tests/search/test_relevance.py``) and the benchmark
against a running portal (``bench/relevance.py``); no CKAN import, so the
benchmark runs without CKAN's environment.

* hit@3: a relevant dataset among the first 3 results; P@3 is the share of
  queries that are hits.
* MRR: the mean of 1/rank of the first relevant result within the first 10
  (0 when there is none).
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Sequence

import yaml

SET_PATH = Path(__file__).resolve().parent / "relevance.yaml"

#: how many results are asked for and looked at (MRR's cut-off)
ROWS = 10
#: P@3's cut-off
TOP = 3
#: what the set must reach
MIN_PRECISION_AT_3 = 0.9
MIN_MRR = 0.9


@dataclasses.dataclass(frozen=True)
class Query:
    q: str
    kind: str
    relevant: tuple[str, ...]
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the portal answered to one query."""
    query: Query
    count: int
    names: tuple[str, ...]
    corrected_q: str | None = None

    @property
    def rank(self) -> int | None:
        """1-based rank of the first relevant result within the first ``ROWS``."""
        for n, name in enumerate(self.names[:ROWS], start=1):
            if name in self.query.relevant:
                return n
        return None

    @property
    def hit(self) -> bool:
        return self.rank is not None and self.rank <= TOP

    @property
    def reciprocal_rank(self) -> float:
        return 1 / self.rank if self.rank else 0.0


@dataclasses.dataclass(frozen=True)
class Figures:
    precision_at_3: float
    mrr: float
    zero_results: tuple[str, ...]
    #: kind -> (hits@3, queries)
    by_kind: dict[str, tuple[int, int]]

    @property
    def kinds_without_a_hit(self) -> list[str]:
        return sorted(kind for kind, (hits, _n) in self.by_kind.items() if not hits)


def load_set(path: Path = SET_PATH) -> tuple[dict[str, str], list[Query]]:
    """The set's kinds (name -> description) and its queries."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    queries = [Query(q=str(item["q"]), kind=item["kind"], relevant=tuple(item["relevant"]),
                     note=str(item.get("note") or "").strip())
               for item in data["queries"]]
    return dict(data["kinds"]), queries


def figures(outcomes: Sequence[Outcome]) -> Figures:
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        by_kind[outcome.query.kind][0] += outcome.hit
        by_kind[outcome.query.kind][1] += 1
    n = len(outcomes) or 1
    return Figures(
        precision_at_3=sum(o.hit for o in outcomes) / n,
        mrr=sum(o.reciprocal_rank for o in outcomes) / n,
        zero_results=tuple(o.query.q for o in outcomes if not o.count),
        by_kind={kind: (hits, total) for kind, (hits, total) in by_kind.items()},
    )


def table(outcomes: Iterable[Outcome]) -> str:
    """One line a query: the query, its kind, the rank of the first relevant
    result ("-" for none in the first 10), the result count, the first 3
    names, the corrected query when the portal corrected it; misses marked."""
    lines = [f"   {'query':<24} {'kind':<16} {'rank':>4} {'count':>5}  top 3"]
    for o in outcomes:
        mark = "  " if o.hit else "✗ "
        top = ", ".join(o.names[:TOP]) or "(none)"
        corrected = f"  [corrected_q: {o.corrected_q}]" if o.corrected_q else ""
        lines.append(f"{mark} {_pad(o.query.q, 24)} {o.query.kind:<16} "
                     f"{o.rank or '-':>4} {o.count:>5}  {top}{corrected}")
    return "\n".join(lines)


def summary(result: Figures) -> str:
    lines = [f"P@3 {result.precision_at_3:.3f} (at least {MIN_PRECISION_AT_3}), "
             f"MRR {result.mrr:.3f} (at least {MIN_MRR}), "
             f"zero results: {len(result.zero_results)}"
             + (f" ({', '.join(result.zero_results)})" if result.zero_results else "")]
    lines.append("hits@3 by kind: " + ", ".join(
        f"{kind} {hits}/{total}" for kind, (hits, total) in sorted(result.by_kind.items())))
    return "\n".join(lines)


def report(outcomes: Sequence[Outcome]) -> str:
    return table(outcomes) + "\n" + summary(figures(outcomes))


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    columns = sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1
                  for ch in text)
    return text + " " * max(0, width - columns)
