"""The catalog's own words: for keeping query words whole, and for
correcting typos.

Read from CKAN's tables (so it serves Solr and the embedded engine alike),
only from what every visitor may see: the tags and titles of public active
datasets, and the names and short names of organizations and groups. A
private or closed entry's words are never suggested or expanded to.

Each process keeps them for ``REFRESH_SECONDS``; a new tag or agency is
known to every process within that time, and at once to the process that
indexed it (:func:`forget`).
"""
from __future__ import annotations

import logging
import re
import threading
import time
from typing import NamedTuple

from ckanext.govshare.search import analysis

log = logging.getLogger(__name__)

REFRESH_SECONDS = 600.0
_LATIN_RE = re.compile(rf"[^\W_{analysis.CJK}]+")

_loaded_at: dict[str, float] = {}
_catalog_words: frozenset[str] = frozenset()


class Terms(NamedTuple):
    #: whole tags, titles and agency names (lower case), for the whole query
    phrases: tuple[str, ...]
    #: Latin words of those, for one word at a time
    latin_words: tuple[str, ...]
    latin_set: frozenset[str]


_terms: Terms | None = None
_terms_lock = threading.Lock()


def forget() -> None:
    """Read the words again at the next need (a dataset was indexed)."""
    _loaded_at.clear()


def _stale(what: str) -> bool:
    return time.monotonic() - _loaded_at.get(what, -REFRESH_SECONDS) >= REFRESH_SECONDS


def _rows(sql: str) -> list[str]:
    import ckan.model as model
    import sqlalchemy as sa

    return [row[0] for row in model.Session.execute(sa.text(sql)) if row[0]]


_PUBLIC = ("package.state = 'active' AND NOT package.private"
           " AND package.type = 'dataset'")
_TAGS_SQL = ("SELECT DISTINCT tag.name FROM tag JOIN package_tag pt ON pt.tag_id = tag.id"
             " AND pt.state = 'active' JOIN package ON package.id = pt.package_id"
             f" WHERE {_PUBLIC}")
_GROUP_TITLES_SQL = "SELECT title FROM \"group\" WHERE state = 'active'"
_ALIASES_SQL = ("SELECT value FROM group_extra e JOIN \"group\" g ON g.id = e.group_id"
                " WHERE e.key = 'alias' AND e.state = 'active' AND g.state = 'active'")
_TITLES_SQL = f"SELECT title FROM package WHERE {_PUBLIC}"
# Latin words of descriptions, found by the database (only distinct words
# come back, however many datasets there are)
_NOTES_WORDS_SQL = ("SELECT DISTINCT lower(w[1]) FROM package,"
                    " regexp_matches(package.notes, '([A-Za-z]{3,})', 'g') w"
                    f" WHERE {_PUBLIC} LIMIT 200000")


def _agency_names() -> list[str]:
    """Organization and group titles, and organizations' short names."""
    from ckanext.govshare.catalog.logic.validators import aliases

    return _rows(_GROUP_TITLES_SQL) + [a for v in _rows(_ALIASES_SQL) for a in aliases(v)]


def catalog_words() -> frozenset[str]:
    """The catalog's Chinese tags and agency names and short names, which a
    query keeps whole (read at most every ``REFRESH_SECONDS``)."""
    global _catalog_words
    if not _stale("words"):
        return _catalog_words
    _loaded_at["words"] = time.monotonic()
    try:
        words = _rows(_TAGS_SQL) + _agency_names()
    except Exception:  # no database (tests of the analysis alone): none
        log.debug("Catalog vocabulary not read", exc_info=True)
        return _catalog_words
    _catalog_words = frozenset(analysis.normalise(w) for w in words
                               if len(w) > 1 and analysis.has_cjk(w))
    return _catalog_words


def terms() -> Terms:
    """What typos are corrected to (read at most every ``REFRESH_SECONDS``)."""
    global _terms
    if _terms is not None and not _stale("terms"):
        return _terms
    with _terms_lock:
        if _terms is None or _stale("terms"):
            phrases = {analysis.normalise(x).lower().strip()
                       for x in _rows(_TAGS_SQL) + _agency_names() + _rows(_TITLES_SQL)}
            phrases.discard("")
            latin = {w for p in phrases for w in _LATIN_RE.findall(p)
                     if not analysis.has_cjk(w) and not w.isdigit() and len(w) > 2}
            latin.update(_rows(_NOTES_WORDS_SQL))
            _terms = Terms(tuple(sorted(phrases)), tuple(sorted(latin)), frozenset(latin))
            _loaded_at["terms"] = time.monotonic()
    return _terms


def max_edits(word: str) -> int:
    """Solr's fuzzy default is two edits; short words take one (``bus``
    would otherwise match ``gdp``)."""
    return 1 if len(word) <= 4 else 2


def similar_words(word: str, edits: int | None = None, limit: int = 20) -> list[str]:
    """Latin words of the catalog within ``edits`` edits of ``word`` (``word~``)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    word = analysis.normalise(word).lower()
    edits = max_edits(word) if edits is None else edits
    found = process.extract(word, terms().latin_words, scorer=Levenshtein.distance,
                            score_cutoff=edits, limit=limit)
    return [match for match, _distance, _index in sorted(found, key=lambda m: (m[1], m[0]))]


def correct(query: str) -> str | None:
    """A query as the catalog spells it (``air qualty`` -> ``air quality``,
    ``公交战点`` -> ``公交站点``), or None when nothing is close enough.

    The whole query is compared with tags, titles and agency names first;
    then each Latin word the catalog does not have with its Latin words.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    text = " ".join(analysis.normalise(query).lower().split())
    if not text:
        return None
    known = terms()
    if len(text) >= 3:
        found = process.extractOne(text, known.phrases, scorer=Levenshtein.distance,
                                   score_cutoff=max_edits(text))
        if found and found[0] != text:
            return found[0]
    changed = False
    words = []
    for word in text.split():
        if _LATIN_RE.fullmatch(word) and not analysis.has_cjk(word) and len(word) > 2 \
                and word not in known.latin_set and not word.isdigit():
            close = similar_words(word, limit=1)
            if close:
                word, changed = close[0], True
        words.append(word)
    return " ".join(words) if changed else None
