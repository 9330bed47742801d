"""Scanning a file for personal data, streaming: constant memory whatever
its size.

* CSV: the ``csv`` module, line by line, the first row as column names
  (UTF-8, with or without BOM; else GB 18030, the encoding of files saved
  by Chinese spreadsheet programs);
* XLSX: openpyxl in read-only mode, row by row, sheet by sheet; columns are
  ``sheet!name`` from each sheet's first row;
* JSON: ijson's event stream; a column is the path of a value's key
  (``item.name`` for ``[{"name": …}]``).

A :class:`Report` keeps counts and a few masked samples per column and kind,
never a value in clear.
"""
from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterator

import ijson
import openpyxl

from ckanext.govshare.personal_data import detectors

CSV, XLSX, JSON = "CSV", "XLSX", "JSON"
#: the formats scanned (a resource's format, upper-cased), and by which reader
FORMATS = {"CSV": CSV, "TXT": CSV, "TSV": CSV, "XLSX": XLSX, "JSON": JSON, "GEOJSON": JSON}
#: masked samples kept per column and kind
SAMPLES = 3

Cell = tuple[str, Any]
#: the column of a (count of) cells passed over unread: nothing to find in them
SKIPPED = ""


@dataclass
class Report:
    """Hits by column: ``{column: {kind: {"count": n, "samples": [masked]}}}``."""

    columns: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    cells: int = 0

    def add(self, column: str, kind: str, value: str) -> None:
        entry = self.columns.setdefault(column, {}).setdefault(
            kind, {"count": 0, "samples": []})
        entry["count"] += 1
        masked = detectors.mask(kind, value)
        if len(entry["samples"]) < SAMPLES and masked not in entry["samples"]:
            entry["samples"].append(masked)

    @property
    def hits(self) -> int:
        return sum(e["count"] for kinds in self.columns.values() for e in kinds.values())

    def as_dict(self) -> dict[str, Any]:
        return {"cells": self.cells, "hits": self.hits, "columns": self.columns}


def scan_cells(cells: Iterator[Cell]) -> Report:
    report = Report()
    find = detectors.find
    for column, value in cells:
        if column is SKIPPED:
            report.cells += value
            continue
        report.cells += 1
        if value is None or isinstance(value, (bool, float)):
            continue
        text = value if isinstance(value, str) else str(value)
        for kind, hit in find(text):
            report.add(column, kind, hit)
    return report


def scan(stream: BinaryIO, fmt: str) -> Report:
    """Scan ``stream`` (binary, read from the start) as ``fmt`` (a resource
    format); :data:`FORMATS` says which are read."""
    reader = FORMATS[fmt.strip().upper()]
    if reader == CSV:
        return scan_cells(csv_cells(stream))
    if reader == XLSX:
        return scan_cells(xlsx_cells(stream))
    return scan_cells(json_cells(stream))


def scannable(fmt: Any) -> bool:
    return str(fmt or "").strip().upper() in FORMATS


# --------------------------------------------------------------------------- readers
#: bytes to a shape: digits to 0, separators to s, everything else to x
_SHAPE = bytes(ord("0") if chr(b).isdigit() and b < 128 else
               ord("s") if b in b"- " else ord("@") if b == ord("@") else ord("x")
               for b in range(256))
#: what a line's shape must contain to hold anything :mod:`.detectors` finds:
#: eleven digits in a row, digits grouped as in "138 1234 5678" or
#: "6222 0202 …", or an @
_NEEDLES = (b"0" * 11, b"0s0000s0000", b"@")
#: bytes read at a time (then up to the end of the line)
BLOCK = 1 << 20


def _encoding(stream: BinaryIO) -> str:
    head = stream.read(64 * 1024)
    stream.seek(0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"  # what Chinese spreadsheet programs save
    return "utf-8-sig"


def _marked_lines(stream: BinaryIO) -> Iterator[tuple[str, bool]]:
    """Each line, decoded, and whether it may hold anything to find: decided
    a block at a time by ``bytes.translate`` and ``bytes.find`` (C speed), so
    that most lines are never looked at twice."""
    encoding = _encoding(stream)
    first = True
    while True:
        block = stream.read(BLOCK)
        if not block:
            return
        block += stream.readline()
        shape = block.translate(_SHAPE)
        marks: list[int] = []
        for needle in _NEEDLES:
            at = shape.find(needle)
            while at != -1:
                marks.append(at)
                at = shape.find(needle, block.find(b"\n", at) + 1 or len(block))
        marks.sort()
        offset, next_mark = 0, 0
        for line in block.splitlines(keepends=True):
            end = offset + len(line)
            while next_mark < len(marks) and marks[next_mark] < offset:
                next_mark += 1
            marked = next_mark < len(marks) and marks[next_mark] < end
            text = line.decode(encoding if first else encoding.replace("-sig", ""),
                               errors="replace")
            first = False
            yield text, marked
            offset = end


def csv_cells(stream: BinaryIO) -> Iterator[Cell]:
    """The cells of a CSV file (UTF-8 with or without BOM, else GB 18030).
    A row whose raw text has nothing to find is counted, not split into
    cells: most rows of most files."""
    consumed: list[bool] = []

    def lines() -> Iterator[str]:
        for text, marked in _marked_lines(stream):
            consumed.append(marked)
            yield text

    rows = csv.reader(lines())
    header = next(rows, None)
    if header is None:
        return
    consumed.clear()
    names = [name.strip() or f"#{n + 1}" for n, name in enumerate(header)]
    # a header cell may itself be personal data (a file without a header row)
    yield from (("(header)", name) for name in header)
    for row in rows:
        marked = True in consumed
        consumed.clear()
        if not marked:
            yield SKIPPED, len(row)
            continue
        for n, value in enumerate(row):
            yield (names[n] if n < len(names) else f"#{n + 1}"), value


def xlsx_cells(stream: BinaryIO) -> Iterator[Cell]:
    book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            names = [f"{sheet.title}!{h if h not in (None, '') else '#' + str(n + 1)}"
                     for n, h in enumerate(header)]
            yield from ((f"{sheet.title}!(header)", h) for h in header)
            for row in rows:
                for n, value in enumerate(row):
                    yield (names[n] if n < len(names) else f"{sheet.title}!#{n + 1}"), value
    finally:
        book.close()


def json_cells(stream: BinaryIO) -> Iterator[Cell]:
    for prefix, event, value in ijson.parse(stream, use_float=True):
        if event in ("string", "number"):
            yield prefix or "(value)", value
        elif event == "map_key":
            yield "(key)", value
