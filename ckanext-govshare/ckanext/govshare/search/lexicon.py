"""How a search box query is cut into words, and which words mean the same.

People type Chinese without spaces (``公交数据``). A query is cut into words
by jieba; words the catalog has (tags, agency names and short names, the
synonym lists; :mod:`.vocabulary`) are then put back together where jieba
cut them (``生态环境`` + ``局``), so ``卫健委`` or ``生态环境局`` stay whole.
(jieba's dictionary itself is never changed: documents are analysed the
same way whatever a process has seen.) Each word is then one clause of CKAN's ``mm``
(minimum should match) instead of every character pair of the string being
required.

The operator's lists live in ``config/search/`` (Solr's formats, so Solr's
configset links the same files):

* ``synonyms.txt``: ``a, b, c`` (equivalent) and ``a => b`` (one way);
* ``stopwords.txt``: words a query may carry that say nothing about which
  data is wanted (``数据``, ``查询``): not required, still ranked.

Both are re-read when they change.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from pathlib import Path
from typing import Iterable, NamedTuple

import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.search import analysis

log = logging.getLogger(__name__)

_CJK_RUN_RE = re.compile(rf"([{analysis.CJK}]+)")


class Lexicon(NamedTuple):
    #: a query word's key -> the words it also finds (Solr's expansion)
    synonyms: dict[str, tuple[str, ...]]
    #: a synonym key -> how many query words it spans (``air quality``: 2)
    longest: int
    stopwords: frozenset[str]
    #: the Chinese words of the synonym list, kept whole in queries
    words: frozenset[str]


def key(text: str) -> str:
    """What a word is compared as: NFKC, lower case, words as typed.

    Not stemmed: Solr's configset matches the same lists before its stemmer
    (``schools`` is not ``school`` there), and both engines must expand and
    drop the same words; the lists name the forms people type."""
    return " ".join(analysis.normalise(text).lower().split())


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        log.warning("Search word list %s cannot be read; searching without it", path)
        return []
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _split(items: str) -> list[str]:
    return [x.strip() for x in re.split(r"(?<!\\),", items) if x.strip()]


def parse_synonyms(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Solr's synonyms format: ``a, b, c`` expands each to all; ``a, b => c``
    replaces ``a`` and ``b`` by ``c``."""
    found: dict[str, list[str]] = {}
    for line in lines:
        if "=>" in line:
            left, _, right = line.partition("=>")
            targets = _split(right)
            for source in _split(left):
                found.setdefault(key(source), []).extend(targets)
        else:
            group = _split(line)
            for source in group:
                found.setdefault(key(source), []).extend(group)
    return {k: tuple(dict.fromkeys(v)) for k, v in found.items()}


def _configured(option: str) -> Path | None:
    return options.config_file(tk.config.get(option))


_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Lexicon] | None = None


def current() -> Lexicon:
    """The operator's lists, re-read when a file changes."""
    global _cached
    synonyms_path = _configured(options.SEARCH_SYNONYMS_FILE)
    stopwords_path = _configured(options.SEARCH_STOPWORDS_FILE)
    stamp = options.file_stamp(synonyms_path) + options.file_stamp(stopwords_path)
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        synonyms = parse_synonyms(_lines(synonyms_path))
        stopwords = frozenset(key(w) for w in _lines(stopwords_path))
        longest = max((len(k.split()) for k in synonyms), default=1)
        words = frozenset(w for k, v in synonyms.items() for w in (k, *v)
                          if analysis.has_cjk(w) and " " not in w)
        lexicon = Lexicon(synonyms, longest, stopwords, words)
        _cached = (stamp, lexicon)
    return lexicon


def query_words(text: str) -> list[str]:
    """A query token (what the user typed between spaces) cut into words.

    Runs of Chinese are cut by jieba (the catalog's vocabulary included);
    characters jieba leaves alone side by side stay together as typed
    (``通交``, an unknown short name); everything else stays as typed
    (``PM2.5``, ``city-bus-routes``).
    """
    from ckanext.govshare.search import vocabulary

    known = vocabulary.catalog_words() | current().words
    words: list[str] = []
    for piece in _CJK_RUN_RE.split(analysis.normalise(text)):
        if not piece.strip():
            continue
        if analysis.has_cjk(piece):
            cut = [w for w in analysis.segmenter().lcut(piece, HMM=False) if w.strip()]
            words.extend(_join_single_characters(_join_known(cut, known)))
        else:
            words.append(piece.strip())
    return words


def is_optional(word: str, lexicon: Lexicon | None = None) -> bool:
    """Stop words and lone Chinese characters (市, 局, 的): a search box word
    that is one of them is not required when the query has others."""
    lexicon = lexicon or current()
    return key(word) in lexicon.stopwords or (len(word) == 1 and analysis.has_cjk(word))


def search_box_words(text: str) -> str:
    """A plain search box query as words for Solr: runs of Chinese cut into
    words (``公交数据`` -> ``公交 数据``), stop words and lone characters left
    out when other words remain (``公交``).

    Solr's dismax counts the words between spaces (``mm``) and matches a word
    by any one of its bigrams, so ``水质监测`` found whatever says ``监测``;
    cut, each word is required, as in the embedded engine, and a stop word
    no longer has to be in the tags or the name (the string fields of
    ``qf``, which no stop filter reads)."""
    lexicon = current()
    words = [word for token in text.split() for word in query_words(token)]
    required = [word for word in words if not is_optional(word, lexicon)]
    return " ".join(required or words)


def _join_known(words: list[str], known: frozenset[str], span: int = 4) -> list[str]:
    """Adjacent words that together make a word the catalog has, joined
    (the longest first)."""
    joined: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(span, len(words) - index), 0, -1):
            candidate = "".join(words[index:index + size])
            if size == 1 or candidate in known:
                joined.append(candidate)
                index += size
                break
    return joined


def _join_single_characters(words: Iterable[str]) -> list[str]:
    joined: list[str] = []
    previous_single = False
    for word in words:
        if len(word) == 1 and previous_single:
            joined[-1] += word
        else:
            joined.append(word)
            previous_single = len(word) == 1
    return joined


@functools.lru_cache(maxsize=4096)
def cover(word: str) -> tuple[str, ...]:
    """A Chinese word of three or more characters as the shorter dictionary
    words it is made of (``公交车站`` -> ``公交``, ``车站``; ``消费者`` ->
    ``消费``), or () when it has none: a dataset that says ``公交站点`` is
    still found for ``公交车站`` through the synonym ``车站``/``站点``. A
    character left over is dropped, as a lone character of a query is
    optional."""
    if len(word) < 3 or not analysis.has_cjk(word):
        return ()
    spans = [(b, e) for _w, b, e in analysis.segmenter().tokenize(
        word, mode="search", HMM=False) if 1 < e - b < len(word)]
    parts: list[str] = []
    position = 0
    while position < len(word):
        # the shortest dictionary word starting here (Chinese words are
        # mostly two characters), else the character alone, dropped
        ends = [e for b, e in spans if b == position]
        if ends:
            parts.append(word[position:min(ends)])
            position = min(ends)
        else:
            position += 1
    return tuple(parts)
