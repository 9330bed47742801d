"""Placeholder client while the engine is written: accepts writes, finds nothing."""
from __future__ import annotations

from typing import Any


class Results:
    def __init__(self) -> None:
        self.hits = 0
        self.docs: list[dict[str, Any]] = []
        self.facets: dict[str, Any] = {"facet_fields": {}}


class PostgresSearchClient:
    url = "postgresql://embedded"

    def add(self, docs: Any, commit: bool = True, **kw: Any) -> None:
        pass

    def delete(self, **kw: Any) -> None:
        pass

    def commit(self, **kw: Any) -> None:
        pass

    def search(self, q: str = "*:*", **kw: Any) -> Results:
        return Results()


def make_connection(decode_dates: bool = True) -> PostgresSearchClient:
    return PostgresSearchClient()


def check_schema_version(schema_file: Any = None) -> bool:
    return True
