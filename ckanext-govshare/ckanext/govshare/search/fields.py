"""What kind each index field is, mirroring CKAN's Solr schema (schema.xml).

The kind decides how a query on the field is answered: from a column of the
narrow ``govshare_search_doc`` table, from the integer-coded facet values, from
the full-text vectors, or from the JSONB copy of every field.
"""
from __future__ import annotations

import datetime
import re
from typing import Any, Iterable

# Solr ``text`` / ``text_general`` fields: analysed, matched by words.
TEXT_FIELDS = frozenset({
    "text", "title", "notes", "urls", "author", "author_email", "maintainer",
    "maintainer_email", "res_name", "res_description", "title_ngram", "name_ngram",
    "depends_on", "dependency_of", "derives_from", "has_derivation", "links_to",
    "linked_from", "child_of", "parent_of", "organization_title", "organization_alias",
})
TEXT_PREFIXES = ("extras_", "res_extras_")
# Solr's ``text_general`` fields: analysed like ``text`` but not stemmed
# (each has its own vector, of the words as written)
UNSTEMMED_FIELDS = frozenset({
    "author", "author_email", "maintainer", "maintainer_email", "res_name", "res_description",
})

# CKAN's autocomplete fields (Solr: n-grams of the whole value), answered
# from these columns
NGRAM_FIELDS = {"title_ngram": "d.title_string", "name_ngram": "d.name"}

# string fields promoted to columns of govshare_search_doc
COLUMN_FIELDS = frozenset({
    "index_id", "id", "name", "site_id", "entity_type", "dataset_type", "state",
    "capacity", "title_string",
})
DATE_COLUMN_FIELDS = frozenset({"metadata_created", "metadata_modified"})
LABELS_FIELD = "permission_labels"
# numbers promoted to columns: search results are ordered by downloads
NUMBER_COLUMN_FIELDS = frozenset({"resources_accessed_total"})
NUMBER_FIELDS = frozenset({
    "views_total", "views_recent", "resources_accessed_total",
    "resources_accessed_recent",
})

# Fields Solr stores (returned by ``fl``); the catch-all ``*`` is not stored.
STORED_FIELDS = frozenset({
    "index_id", "id", "site_id", "title", "title_ngram", "entity_type",
    "dataset_type", "state", "name", "name_ngram", "revision_id", "version", "url",
    "ckan_url", "download_url", "notes", "author", "author_email", "maintainer",
    "maintainer_email", "license", "license_id", "tags", "groups", "organization",
    "capacity", "res_name", "res_description", "res_format", "res_url", "res_type",
    "metadata_created", "metadata_modified", "indexed_ts",
})
STORED_PREFIXES = ("extras_", "res_extras_", "vocab_")
BIG_FIELDS = frozenset({"data_dict", "validated_data_dict"})

# Full-text weights (ts_rank weights are D, C, B, A): CKAN's dismax ``qf`` is
# ``name^4 title^4 tags^2 groups^2 text``; GovShare's (search/logic) adds the
# agency's title and short names beside the tags, and the description and
# resources above the rest of ``text``.
WEIGHT_A = ("title", "name")
WEIGHT_B = ("tags", "groups", "organization", "organization_title", "organization_alias")
WEIGHT_C = ("notes", "res_name", "res_description")
# what Solr copies into the catch-all ``text`` field besides the above. Not
# the URLs: the schema copies them into ``urls`` and ``urls`` into ``text``,
# but Solr never copies a copy again (copyField does not chain), so ``text``
# holds only a document's own ``urls`` values, which CKAN does not send.
TEXT_COPY_SOURCES = ("urls", "text", "license", "maintainer", "author")
TEXT_COPY_PREFIXES = ("extras_", "res_extras_", "vocab_")
#: what Solr copies into the text field ``urls``
URL_SOURCES = ("url", "ckan_url", "download_url", "res_url")

# Ranking reads a vector of the A, B and C fields only (what CKAN's ``qf``
# weighs), so scoring many matches never reads the large catch-all vector of
# resource URLs and extras.
RANK_WEIGHTS = frozenset({"A", "B", "C"})

FIELD_NAME_RE = re.compile(r"^[A-Za-z_][\w.\-]*$")


def is_text(field: str) -> bool:
    return field in TEXT_FIELDS or field.startswith(TEXT_PREFIXES)


def is_date(field: str) -> bool:
    return field in DATE_COLUMN_FIELDS or field == "indexed_ts" or field.endswith("_date")


def is_stored(field: str) -> bool:
    return field in STORED_FIELDS or field.startswith(STORED_PREFIXES) or field.endswith("_date")


def values_of(value: Any) -> list[str]:
    """A field value as the list of strings Solr would index.

    Blank strings are dropped, as the update chain of CKAN's Solr configset
    (and ours) does, so no facet shows an empty value.
    """
    if type(value) is str:  # most values: the same as str(value) below
        return [value] if value.strip() else []
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        out: list[str] = []
        for item in value:
            out.extend(values_of(item))
        return out
    if isinstance(value, dict):
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    text = str(value)
    return [text] if text.strip() else []


def normalise_date(value: str) -> str | None:
    """A sortable UTC form (``2024-01-02T03:04:05.000000Z``) or None if not a date."""
    parsed = parse_date(value)
    if parsed is None:
        return None
    return date_text(parsed)


def date_text(parsed: datetime.datetime) -> str:
    """The sortable UTC form of a date :func:`parse_date` read."""
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# the form CKAN's dates take (``2024-01-02T03:04:05.123456Z``), which
# datetime reads the way dateutil's isoparse does, only faster
_PLAIN_ISO_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)?")


def parse_date(value: str) -> datetime.datetime | None:
    from dateutil.parser import ParserError, isoparse

    value = value.strip()
    parsed = None
    if _PLAIN_ISO_RE.fullmatch(value):
        try:
            parsed = datetime.datetime.fromisoformat(
                value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:  # hour 24 and such: dateutil's reading
            parsed = None
    if parsed is None:
        try:
            parsed = isoparse(value)
        except (ValueError, ParserError, OverflowError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def in_catch_all(field: str) -> bool:
    """Whether Solr copies all of ``field`` into the catch-all ``text``
    (``urls``: only a document's own values, not the copies of its URLs)."""
    return field != "urls" and (field in WEIGHT_A or field in WEIGHT_B or field in WEIGHT_C
            or field in TEXT_COPY_SOURCES or field.startswith(TEXT_COPY_PREFIXES))


def text_weights(doc: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """(field, weight) for every field copied into the catch-all ``text``."""
    for field in doc:
        if field in WEIGHT_A:
            yield field, "A"
        elif field in WEIGHT_B or field.startswith("vocab_"):
            yield field, "B"
        elif field in WEIGHT_C:
            yield field, "C"
        elif field in TEXT_COPY_SOURCES or field.startswith(TEXT_COPY_PREFIXES):
            yield field, "D"
