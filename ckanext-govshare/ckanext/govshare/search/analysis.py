"""Text analysis shared by indexing and querying.

PostgreSQL's parser does not segment Chinese, so tokens are made here, in
Python, and handed to PostgreSQL as ready ``tsvector`` / ``tsquery`` literals:
the same code analyses documents and queries, so they always agree.

* Latin-script runs (letters and digits) become lower-cased words stemmed with
  the Snowball English stemmer (as Solr's ``text`` field does).
* Each run of CJK characters gives, at the position of each character, the
  character itself (a *unigram*) and the pair it starts (a *bigram*), as
  Lucene's CJK analysis does. A Chinese query of two or more characters
  matches as a chain of adjacent bigrams: an exact substring match that the
  GIN index answers selectively (``公交`` is rare, ``公`` is not); a single
  character matches its unigram.
* ``jieba`` segments each run in search mode; its words of three characters or
  more are indexed too (two-character words are already bigrams). They cost
  no recall, since queries match on bigrams, but ranking uses them to prefer
  documents where the query is a whole word.

Positions run across a field; values of multi-valued fields and separate
fields are kept ``GAP`` positions apart so a phrase never spans two values.
"""
from __future__ import annotations

import functools
import logging
import marshal
import os
import re
import tempfile
import threading
import unicodedata
from typing import Iterable, Iterator, NamedTuple

import snowballstemmer

# CJK Unified Ideographs (+ extension A, compatibility ideographs, ext. B-F).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN_RE = re.compile(rf"([{CJK}]+)|([^\W_{CJK}]+)")
_CJK_RE = re.compile(rf"[{CJK}]")

GAP = 20
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
    kind: str  # "latin", "unigram", "bigram" or "word" (jieba)


def segmenter():
    """jieba's tokenizer with its default dictionary, loaded once a process."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                _jieba = _load_segmenter()
    return _jieba


def forget_half_loaded() -> None:
    """In a child forked while another thread was loading (:mod:`.warm`):
    that thread is not in this process, so its locks are made anew and the
    dictionary, if it was not loaded yet, is loaded again when needed."""
    global _jieba_lock, _stemmer_lock
    _jieba_lock = threading.Lock()
    _stemmer_lock = threading.Lock()


def _load_segmenter():
    """jieba's dictionary (half a million words and prefixes) from the cache
    jieba writes the first time it reads it, kept with CKAN's files when a
    storage path is set (not in the shared temporary directory) and read in
    one piece: ``marshal.load`` of the open file, as jieba does it, takes
    two to three times as long."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    folder = _cache_folder()
    if folder is not None:
        tokenizer.tmp_dir = folder
        tokenizer.cache_file = f"jieba-{jieba.__version__}.cache"
    path = os.path.join(folder or tempfile.gettempdir(),
                        tokenizer.cache_file or "jieba.cache")
    try:
        with open(path, "rb") as cache:
            tokenizer.FREQ, tokenizer.total = marshal.loads(cache.read())
        tokenizer.initialized = True
    except (OSError, ValueError, EOFError, TypeError):
        tokenizer.initialize()  # reads the dictionary and writes the cache
    return tokenizer


def _cache_folder() -> str | None:
    """``<ckan.storage_path>/govshare/search``, created (owner only), or None
    without a storage path or without the right to create it."""
    try:
        import ckan.plugins.toolkit as tk

        storage = tk.config.get("ckan.storage_path")
    except Exception:  # no CKAN configuration (the analysis on its own)
        storage = None
    if not storage:
        return None
    folder = os.path.join(storage, "govshare", "search")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder


def words(text: str) -> list[str]:
    """``text`` cut into words by the search's own segmenter (jieba)."""
    return segmenter().lcut(text)


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    with _stemmer_lock:
        return _stemmer.stemWord(word)


def normalise(text: str) -> str:
    """NFKC folds full-width letters and digits (ＡＢＣ１２３) to ASCII."""
    return unicodedata.normalize("NFKC", text)


def tokens(text: str, with_words: bool = True) -> Iterator[Token]:
    """Tokens of ``text`` with 0-based positions.

    ``with_words=False`` leaves out jieba's words (queries match bigrams).
    """
    position = 0
    for match in _TOKEN_RE.finditer(normalise(text)):
        cjk, latin = match.groups()
        if latin:
            yield Token(stem(latin.lower()), position, "latin")
            position += 1
            continue
        for offset, char in enumerate(cjk):
            yield Token(char, position + offset, "unigram")
            if offset + 1 < len(cjk):
                yield Token(cjk[offset:offset + 2], position + offset, "bigram")
        if with_words and len(cjk) > 2:
            for word, begin in _long_words(cjk):
                yield Token(word, position + begin, "word")
        position += len(cjk)


def query_units(text: str, stemmed: bool = True, prefix_last: bool = False,
                stopwords: frozenset[str] = frozenset()) -> list[list[Token]]:
    """What a query term must match, as runs of tokens that must be adjacent.

    A CJK run becomes its chain of bigrams (a lone character, its unigram); a
    Latin word stands alone. Positions are those :func:`tokens` gives.
    ``stemmed=False`` keeps Latin words as typed (lower case), as Solr's
    unstemmed ``text_general`` fields do; ``prefix_last`` keeps the last one
    so, as the term of a wildcard query, which Solr does not stem. Tokens
    in ``stopwords`` (a Latin word in lower case, a Chinese bigram or lone
    character) are left out where they stand, as Solr's stop filter does
    after its bigrams; the others keep their positions.
    """
    units: list[list[Token]] = []
    position = 0
    matches = list(_TOKEN_RE.finditer(normalise(text)))
    last_latin = max((i for i, m in enumerate(matches) if m.group(2)), default=None)
    for index, match in enumerate(matches):
        cjk, latin = match.groups()
        if latin:
            as_typed = not stemmed or (prefix_last and index == last_latin)
            if latin.lower() not in stopwords:
                units.append([Token(latin.lower() if as_typed else stem(latin.lower()),
                                    position, "latin")])
            position += 1
        elif len(cjk) == 1:
            if cjk not in stopwords:
                units.append([Token(cjk, position, "unigram")])
            position += 1
        else:
            bigrams = [Token(cjk[i:i + 2], position + i, "bigram") for i in range(len(cjk) - 1)
                       if cjk[i:i + 2] not in stopwords]
            if bigrams:
                units.append(bigrams)
            position += len(cjk)
    return units


class Analysed(NamedTuple):
    """A field value's tokens as a document vector needs them."""

    #: (lexeme, offsets in token order), lexemes in order of first appearance
    lexemes: tuple[tuple[str, tuple[int, ...]], ...]
    #: the largest offset, -1 when the value has no token
    last: int


def analyse(text: str, stemmed: bool = True) -> Analysed:
    """All tokens of a field value, grouped by lexeme.

    Short values recur across documents (tags, formats, agencies, licences)
    and are cached; the cache is small enough that the titles and names of
    a whole catalog, which do not recur, only pass through it.
    """
    if len(text) <= 64:
        return _analyse_short(text, stemmed)
    return _analysed(text, stemmed)


def _analysed(text: str, stemmed: bool = True) -> Analysed:
    """:func:`tokens`, grouped: the same lexemes at the same offsets, met in
    the same order."""
    grouped: dict[str, list[int]] = {}

    def put(lexeme: str, offset: int) -> None:
        offsets = grouped.get(lexeme)
        if offsets is None:
            grouped[lexeme] = [offset]
        else:
            offsets.append(offset)

    position = 0
    for match in _TOKEN_RE.finditer(normalise(text)):
        cjk, latin = match.groups()
        if latin:
            put(stem(latin.lower()) if stemmed else latin.lower(), position)
            position += 1
            continue
        size = len(cjk)
        for offset in range(size - 1):
            put(cjk[offset], position + offset)
            put(cjk[offset:offset + 2], position + offset)
        put(cjk[-1], position + size - 1)
        if size > 2:
            for word, begin in _long_words(cjk):
                put(word, position + begin)
        position += size
    return Analysed(tuple((lexeme, tuple(offsets)) for lexeme, offsets in grouped.items()),
                    position - 1)


@functools.lru_cache(maxsize=16_384)
def _long_words(run: str) -> tuple[tuple[str, int], ...]:
    """jieba's words of three characters or more in a run of Chinese, with
    their offsets. Runs recur (a department's boilerplate, place names), and
    jieba's dictionary is never changed, so they are cached."""
    return tuple((word, begin) for word, begin, _end in segmenter().tokenize(
        run, mode="search", HMM=False) if len(word) > 2)


@functools.lru_cache(maxsize=8192)
def _analyse_short(text: str, stemmed: bool = True) -> Analysed:
    return _analysed(text, stemmed)


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def ranked(lexeme: str) -> bool:
    """Whether ranking reads this lexeme: bigrams, words and Latin stems are,
    single Chinese characters are not."""
    return len(lexeme) > 1 or not _CJK_RE.match(lexeme)


FieldPositions = dict[str, list[int]]
#: lexeme -> its positions as tsvector text (``3,7``, weighted ``3A,7A``)
PositionsText = dict[str, str]


class VectorBuilder:
    """Accumulates weighted tokens of several fields into one tsvector literal.

    Fields occupy separate position ranges (``GAP`` apart), so a position
    never carries two weights. Positions are kept as text, each field's
    joined once (:func:`positions_text`, :func:`weighted`).
    """

    def __init__(self, stemmed: bool = True) -> None:
        self._entries: dict[str, list[str]] = {}
        self._next = 1
        #: False for Solr's ``text_general`` fields: Latin words as written
        self.stemmed = stemmed

    def place(self, values: Iterable[str]) -> FieldPositions:
        """A field's lexemes' positions in this vector (not yet added)."""
        positions: FieldPositions = {}
        next_position = self._next
        for value in values:
            if not value:
                continue
            base = next_position
            analysed = analyse(value, self.stemmed)
            clamp = base + analysed.last > MAX_POSITION
            for lexeme, offsets in analysed.lexemes:
                places = positions.get(lexeme)
                if places is None:
                    places = positions[lexeme] = []
                if clamp:
                    places.extend([min(base + offset, MAX_POSITION) for offset in offsets])
                else:
                    places.extend([base + offset for offset in offsets])
            next_position = min(base + analysed.last + 1 + GAP, MAX_POSITION)
        self._next = next_position
        return positions

    def add(self, values: Iterable[str], weight: str = "D") -> FieldPositions:
        """Add a field's values; return its lexemes' positions (for its own vector)."""
        positions = self.place(values)
        self.merge(positions, weight)
        return positions

    def merge(self, positions: FieldPositions, weight: str) -> None:
        """Add positions already placed by another builder."""
        self.extend(weighted(positions_text(positions), weight))

    def extend(self, texts: PositionsText) -> None:
        """Add positions already placed, as text (:func:`weighted`)."""
        entries = self._entries
        for lexeme, text in texts.items():
            known = entries.get(lexeme)
            if known is None:
                entries[lexeme] = [text]
            else:
                known.append(text)

    def literal(self) -> str:
        return " ".join(
            quote_lexeme(lexeme) + ":" + _capped(texts[0] if len(texts) == 1 else ",".join(texts))
            for lexeme, texts in self._entries.items() if _keep(lexeme))

    def __bool__(self) -> bool:
        return bool(self._entries)


def positions_text(positions: FieldPositions) -> PositionsText:
    return {lexeme: ",".join(map(str, places)) for lexeme, places in positions.items()}


def weighted(texts: PositionsText, weight: str) -> PositionsText:
    """Positions as text with their weight (none is written for D)."""
    if weight == "D":
        return texts
    return {lexeme: text.replace(",", weight + ",") + weight for lexeme, text in texts.items()}


#: a lexeme this long or shorter is never over MAX_LEXEME_BYTES in UTF-8
_SURELY_SHORT = MAX_LEXEME_BYTES // 4
#: positions as text shorter than this are surely fewer than the maximum
_SURELY_FEW = 2 * MAX_POSITIONS_PER_LEXEME


def _keep(lexeme: str) -> bool:
    return len(lexeme) <= _SURELY_SHORT or len(lexeme.encode()) <= MAX_LEXEME_BYTES


def _capped(text: str) -> str:
    """The first ``MAX_POSITIONS_PER_LEXEME`` positions of ``text``."""
    if len(text) < _SURELY_FEW or text.count(",") < MAX_POSITIONS_PER_LEXEME:
        return text
    return ",".join(text.split(",")[:MAX_POSITIONS_PER_LEXEME])


def render_text(texts: PositionsText) -> str:
    """A tsvector literal of positions as text."""
    return " ".join(quote_lexeme(lexeme) + ":" + _capped(text)
                    for lexeme, text in texts.items() if _keep(lexeme))


def render(entries: FieldPositions) -> str:
    """A tsvector literal; PostgreSQL sorts and de-duplicates positions itself."""
    return render_text(positions_text(entries))


@functools.lru_cache(maxsize=65_536)
def quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexeme_query(lexeme: str, weights: str, prefix: bool) -> str:
    suffix = weights + ("*" if prefix else "")
    return quote_lexeme(lexeme) + (":" + suffix if suffix else "")


def _chain(items: list[tuple[str, int]]) -> str:
    """``a <d> b <d> c`` where each ``d`` is the distance between positions."""
    text = items[0][0]
    for (_, before), (lexeme, after) in zip(items, items[1:]):
        distance = after - before
        text += (" <-> " if distance == 1 else f" <{distance}> ") + lexeme
    return text if len(items) == 1 else "(" + text + ")"


def term_query(text: str, weights: str = "", phrase: bool = False,
               prefix: bool = False, stemmed: bool = True,
               stopwords: frozenset[str] = frozenset()) -> str | None:
    """A tsquery literal matching ``text`` in a field, or None if it has no tokens.

    Every bigram of a Chinese run and every Latin word of a bare term is
    required; in a quoted phrase everything must also be in order and
    adjacent. ``prefix`` makes the last Latin word a prefix match, of the
    word as typed (Solr does not stem a wildcard's term); ``stemmed=False``
    for the vectors of Solr's unstemmed ``text_general`` fields; tokens in
    ``stopwords`` are left out (None when nothing is left).
    """
    units = query_units(text, stemmed=stemmed, prefix_last=prefix, stopwords=stopwords)
    if not units:
        return None
    last_latin = max((i for i, u in enumerate(units) if u[0].kind == "latin"), default=None)
    rendered = []
    for index, unit in enumerate(units):
        is_prefix = prefix and index == last_latin
        rendered.append([(_lexeme_query(t.lexeme, weights, is_prefix), t.position)
                         for t in unit])
    if phrase:
        return _chain([item for unit in rendered for item in unit])
    # A bare term needs all its bigrams, in any order, as Solr's CJK bigram
    # analysis does without autoGeneratePhraseQueries; only phrases check
    # positions, which costs a read of each candidate's vector.
    parts = [unit[0][0] if len(unit) == 1 else "(" + " & ".join(x[0] for x in unit) + ")"
             for unit in rendered]
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def rank_query(text: str) -> str | None:
    """A tsquery literal OR-ing the query's bigrams, words and jieba words, for ranking."""
    lexemes = {t.lexeme for unit in query_units(text) for t in unit}
    lexemes |= {t.lexeme for t in tokens(text) if t.kind == "word"}
    if not lexemes:
        return None
    return " | ".join(quote_lexeme(x) for x in sorted(lexemes))


def whole_word_lexemes(text: str) -> set[str]:
    """The lexemes that show ``text``'s words whole in a document: a Chinese
    word of two characters is its bigram, a longer one the jieba word
    indexed for it, one character its unigram; Latin words their stems."""
    lexemes = set()
    for match in _TOKEN_RE.finditer(normalise(text)):
        cjk, latin = match.groups()
        lexemes.add(stem(latin.lower()) if latin else cjk)
    return lexemes
