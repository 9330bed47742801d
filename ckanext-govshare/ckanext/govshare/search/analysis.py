"""Text analysis shared by indexing and querying.

PostgreSQL's parser does not segment Chinese, so tokens are made here, in
Python, and handed to PostgreSQL as ready ``tsvector`` / ``tsquery`` literals:
the same code analyses documents and queries, so they always agree.

* Latin-script runs (letters and digits) become lower-cased words stemmed with
  the Snowball English stemmer (as Solr's ``text`` field does).
* Each CJK character is a token of its own, one position each, so any Chinese
  substring can be matched as an exact phrase of characters (``交`` <-> ``通``).
* ``jieba`` segments each CJK run in search mode; its words (two characters or
  more) are indexed at the position of their first character. They cost no
  recall (queries match on characters) but let ranking prefer documents where
  the query is a whole word (``公交`` in 城市公交线路 over 外公交给).

Positions run across a field; values of multi-valued fields and separate
fields are kept ``GAP`` positions apart so a phrase never spans two values.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import defaultdict
from typing import Iterable, Iterator, NamedTuple

import snowballstemmer

# CJK Unified Ideographs (+ extension A, compatibility ideographs, ext. B-F).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN_RE = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_CJK_RE = re.compile(rf"[{_CJK}]")

GAP = 100
MAX_POSITION = 16383  # PostgreSQL's limit for a tsvector position
MAX_POSITIONS_PER_LEXEME = 255
MAX_LEXEME_BYTES = 2000

_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("english")
_jieba_lock = threading.Lock()
_jieba = None


class Token(NamedTuple):
    lexeme: str
    position: int  # 0-based within the analysed text
    is_char: bool  # a CJK character (always emitted) rather than a word


def _segmenter():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    with _stemmer_lock:
        return _stemmer.stemWord(word)


def normalise(text: str) -> str:
    """NFKC folds full-width letters and digits (ＡＢＣ１２３) to ASCII."""
    return unicodedata.normalize("NFKC", text)


def tokens(text: str, with_words: bool = True) -> Iterator[Token]:
    """Tokens of ``text`` with 0-based positions, in position order.

    ``with_words=False`` leaves out jieba's words (queries match characters).
    """
    position = 0
    for match in _TOKEN_RE.finditer(normalise(text)):
        cjk, latin = match.groups()
        if latin:
            yield Token(stem(latin.lower()), position, False)
            position += 1
            continue
        start = position
        for offset, char in enumerate(cjk):
            yield Token(char, start + offset, True)
        if with_words and len(cjk) > 1:
            for word, begin, _end in _segmenter().tokenize(cjk, mode="search"):
                if len(word) > 1:
                    yield Token(word, start + begin, False)
        position += len(cjk)


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


class VectorBuilder:
    """Accumulates weighted tokens of several fields into one tsvector literal."""

    def __init__(self) -> None:
        self._positions: dict[str, dict[int, str]] = defaultdict(dict)
        self._next = 1

    def add(self, values: Iterable[str], weight: str = "D") -> None:
        for value in values:
            if not value:
                continue
            base = self._next
            last = -1
            for token in tokens(value):
                position = min(base + token.position, MAX_POSITION)
                slots = self._positions[token.lexeme]
                if len(slots) < MAX_POSITIONS_PER_LEXEME:
                    # the strongest weight wins where two fields share a slot
                    if slots.get(position, "D") >= weight:
                        slots[position] = weight
                last = max(last, token.position)
            self._next = min(base + last + 1 + GAP, MAX_POSITION)

    def literal(self) -> str:
        parts = []
        for lexeme, slots in self._positions.items():
            if len(lexeme.encode()) > MAX_LEXEME_BYTES:
                continue
            where = ",".join(f"{pos}{w if w != 'D' else ''}" for pos, w in sorted(slots.items()))
            parts.append(f"{quote_lexeme(lexeme)}:{where}")
        return " ".join(parts)

    def __bool__(self) -> bool:
        return bool(self._positions)


def quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexeme_query(lexeme: str, weights: str, prefix: bool) -> str:
    suffix = weights + ("*" if prefix else "")
    return quote_lexeme(lexeme) + (":" + suffix if suffix else "")


def term_query(text: str, weights: str = "", phrase: bool = False,
               prefix: bool = False) -> str | None:
    """A tsquery literal matching ``text`` in a field, or None if it has no tokens.

    Chinese runs always match as exact character sequences. Latin words of a
    bare term are all required; in a quoted phrase they must also be adjacent.
    ``prefix`` makes the last Latin word a prefix match (``bus*``).
    """
    toks = list(tokens(text, with_words=False))
    if not toks:
        return None
    # group tokens into runs that must be adjacent: a whole phrase, or each
    # CJK run and each Latin word on its own
    groups: list[list[Token]] = []
    for token in toks:
        previous = groups[-1][-1] if groups else None
        adjacent = previous is not None and token.position == previous.position + 1
        if groups and adjacent and (phrase or (token.is_char and previous.is_char)):
            groups[-1].append(token)
        else:
            groups.append([token])
    last_latin = max((i for i, t in enumerate(toks) if not t.is_char), default=None)
    parts = []
    index = 0
    for group in groups:
        items = []
        for token in group:
            is_prefix = prefix and index == last_latin
            items.append(_lexeme_query(token.lexeme, weights, is_prefix))
            index += 1
        parts.append(items[0] if len(items) == 1 else "(" + " <-> ".join(items) + ")")
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def rank_query(text: str) -> str | None:
    """A tsquery literal OR-ing every token and jieba word of ``text``, for ranking."""
    lexemes = {t.lexeme for t in tokens(text)}
    if not lexemes:
        return None
    return " | ".join(quote_lexeme(x) for x in sorted(lexemes))
