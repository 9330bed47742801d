"""Lucene query syntax to SQL, with Solr's semantics.

A query string is parsed by ``luqum`` into a tree and each node becomes a SQL
boolean expression over three table aliases:

* ``d`` ``govshare_search_doc`` (narrow: columns, labels, facet value ids), or
  ``govshare_search_text`` (the same columns plus the full-text vectors) when
  a condition needs text; such conditions are marked with the table ``t``,
* ``s`` ``govshare_search_store`` (every field as JSONB, per-field vectors).

Boolean clauses follow Lucene's occur rules (MUST / SHOULD / MUST_NOT, the
default operator ``q.op``, dismax's ``mm``); terms are matched per field kind
(see :mod:`.fields`); text terms use the analysis of :mod:`.analysis`, so
Chinese and English match the same way they were indexed.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from ckanext.govshare.search import analysis, datemath, lexicon, vocabulary
from ckanext.govshare.search import fields as kinds


class QuerySyntaxError(ValueError):
    """The query cannot be parsed or asks for something unsupported."""


@dataclass(frozen=True)
class Sql:
    """A SQL condition; ``plan`` is the same condition over posting bitmaps
    (:mod:`.postings`) where it can be written so, else None: a key
    ``("key", name)``, ``("all",)``, ``("none",)``, ``("not", plan)``,
    ``("and" | "or", plans)`` or ``("atleast", k, plans)``."""

    text: str
    params: tuple[Any, ...] = ()
    tables: frozenset[str] = frozenset()
    plan: Any = field(default=None, compare=False)


TRUE = Sql("TRUE", plan=("all",))
FALSE = Sql("FALSE", plan=("none",))

#: the columns with few values, whose values are posting keys
PLAN_COLUMNS = frozenset({"site_id", "entity_type", "dataset_type", "state", "capacity"})


def _combine(operator: str, parts: Sequence[Sql], identity: Sql, absorbing: Sql) -> Sql:
    parts = [p for p in parts if p is not identity]
    if any(p is absorbing for p in parts):
        return absorbing
    if not parts:
        return identity
    if len(parts) == 1:
        return parts[0]
    return _join(operator, parts)


def and_(parts: Sequence[Sql]) -> Sql:
    return _combine(" AND ", parts, identity=TRUE, absorbing=FALSE)


def or_(parts: Sequence[Sql]) -> Sql:
    return _combine(" OR ", parts, identity=FALSE, absorbing=TRUE)


def not_(part: Sql) -> Sql:
    if part is TRUE:
        return FALSE
    if part is FALSE:
        return TRUE
    return Sql(f"NOT ({part.text})", part.params, part.tables,
               None if part.plan is None else ("not", part.plan))


_PLAN_OPERATORS = {" AND ": "and", " OR ": "or"}


def _join(operator: str, parts: Sequence[Sql]) -> Sql:
    params: list[Any] = []
    tables: set[str] = set()
    for part in parts:
        params.extend(part.params)
        tables |= part.tables
    text = operator.join(f"({p.text})" for p in parts)
    plan = None
    if operator in _PLAN_OPERATORS and all(p.plan is not None for p in parts):
        plan = (_PLAN_OPERATORS[operator], tuple(p.plan for p in parts))
    return Sql(text, tuple(params), frozenset(tables), plan)


def at_least(k: int, parts: Sequence[Sql]) -> Sql:
    """At least ``k`` of ``parts`` (dismax ``mm``), still usable by indexes."""
    if k <= 1:
        return or_(parts)
    if k >= len(parts):
        return and_(parts)
    counted = _join(" + ", [Sql(f"({p.text})::int", p.params, p.tables) for p in parts])
    condition = and_([or_(parts), Sql(f"({counted.text}) >= {int(k)}", counted.params,
                                      counted.tables)])
    if all(p.plan is not None for p in parts):
        condition = replace(condition, plan=("atleast", int(k), tuple(p.plan for p in parts)))
    return condition


def minimum_should_match(spec: str | None, optional: int) -> int:
    """How many of ``optional`` clauses must match under Solr's ``mm`` spec."""
    if not spec:
        return 1 if optional else 0
    spec = str(spec).strip()

    def one(expr: str) -> int:
        expr = expr.strip()
        if expr.endswith("%"):
            n = math.trunc(optional * float(expr[:-1]) / 100)
        else:
            n = int(expr)
        return optional + n if n < 0 else n

    try:
        if "<" not in spec:
            result = one(spec)
        else:
            result = optional
            for condition in spec.split():
                upper, _, value = condition.partition("<")
                if optional > int(upper):
                    result = one(value)
    except ValueError:
        raise QuerySyntaxError(f"Invalid mm spec: {spec}")
    return max(0, min(optional, result))


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


_WILDCARD_RE = re.compile(r"(?<!\\)[*?]")
_BOOL_SYMBOLS_RE = re.compile(r"(?<=\s)(&&|\|\|)(?=\s)")


@dataclass
class Translator:
    """Translates one query string; collects the text terms used for ranking."""

    default_field: str = "text"
    default_operator: str = "AND"
    #: dismax/edismax: fields unfielded terms search, and the ``mm`` spec
    query_fields: Sequence[str] | None = None
    mm: str | None = None
    encoded_fields: frozenset[str] = frozenset()
    #: edismax reads the top-level clauses with ``q.op`` (dismax: all
    #: optional, counted by ``mm``)
    edismax: bool = False
    rank_terms: list[str] = field(default_factory=list)
    #: synonyms of what was typed: ranked only where the whole word is found
    rank_words: list[str] = field(default_factory=list)
    #: typed tokens that may be a dataset's URL name or whole title
    exact: list[str] = field(default_factory=list)
    _synonym: bool = False
    #: a word of the search box: its stop words are kept (they are made
    #: optional there, see _search_box_words)
    _box: bool = False

    # -- entry points -------------------------------------------------
    def translate(self, text: str, lenient: bool = False) -> Sql:
        text = _BOOL_SYMBOLS_RE.sub(lambda m: "AND" if m.group(1) == "&&" else "OR", text)
        try:
            node = parser.parse(text)
        except (ParseError, TypeError, ValueError) as error:
            if not lenient:
                raise QuerySyntaxError(f"Cannot parse '{text}': {error}") from error
            # dismax is lenient: drop the syntax and search the words
            words = re.sub(r'[\\+\-!(){}\[\]^"~*?:/]|&&|\|\|', " ", text).split()
            node = tree.UnknownOperation(*[tree.Word(w) for w in words]) if len(
                words) > 1 else tree.Word(words[0]) if words else None
            if node is None:
                return FALSE
        return self._top(node)

    def _top(self, node: tree.Item) -> Sql:
        if self.mm is not None and isinstance(node, tree.Word):
            # a search box query of one token is cut into words like several
            node = tree.UnknownOperation(node)
        if isinstance(node, (tree.UnknownOperation, tree.AndOperation, tree.OrOperation)):
            return self._boolean(node, top=True)
        if isinstance(node, (tree.Not, tree.Prohibit)):
            # a purely negative query matches everything else (as Solr does)
            return not_(self._node(node.a, None, negated=True) or FALSE)
        return self._node(node, None) or FALSE

    # -- boolean structure --------------------------------------------
    def _boolean(self, operation: tree.Item, field_name: str | None = None,
                 negated: bool = False, top: bool = False) -> Sql:
        # dismax: the top-level clauses are optional, counted by mm; edismax
        # reads them with q.op (CKAN's AND makes words typed side by side
        # required), then counts the optional ones by mm
        dismax_top = self.mm is not None and top
        operator = "OR" if dismax_top and not self.edismax else self.default_operator.upper()
        clauses = lucene_clauses(flatten(operation), operator)
        must: list[Sql] = []
        should: list[Sql] = []
        must_not: list[Sql] = []
        search_box = dismax_top and isinstance(operation, tree.UnknownOperation)
        typed: list[str] = []
        for occur, child in clauses:
            if search_box and occur == "SHOULD" and _is_plain_word(child):
                typed.append(unescape(child.value))
                continue
            part = self._node(child, field_name, negated=negated or occur == "MUST_NOT")
            if part is None:  # analysed to nothing: Solr drops the clause
                continue
            {"MUST": must, "SHOULD": should, "MUST_NOT": must_not}[occur].append(part)
        if typed:
            should.extend(self._search_box_words(typed))
        parts = list(must)
        if should:
            if dismax_top:
                k = minimum_should_match(self.mm, len(should))
                if k:
                    parts.append(at_least(k, should))
                elif not must:  # Lucene: without a MUST clause, one SHOULD still must match
                    parts.append(or_(should))
            elif not must:
                parts.append(or_(should))
        if not parts and not must_not:
            return FALSE
        parts.extend(not_(p) for p in must_not)
        return and_(parts)

    def _node(self, node: tree.Item, field_name: str | None,
              negated: bool = False) -> Sql | None:
        if isinstance(node, tree.SearchField):
            return self._node(node.expr, node.name, negated)
        if isinstance(node, (tree.Group, tree.FieldGroup)):
            return self._node(node.expr, field_name, negated)
        if isinstance(node, (tree.UnknownOperation, tree.AndOperation, tree.OrOperation)):
            return self._boolean(node, field_name, negated)
        if isinstance(node, (tree.Not, tree.Prohibit)):
            inner = self._node(node.a, field_name, negated=not negated)
            return None if inner is None else not_(inner)
        if isinstance(node, tree.Plus):
            return self._node(node.a, field_name, negated)
        if isinstance(node, tree.Boost):
            return self._node(node.expr, field_name, negated)
        if isinstance(node, tree.Fuzzy):
            return self._fuzzy(field_name, node, negated)
        if isinstance(node, tree.Proximity):
            # words of a sloppy phrase: all required, not necessarily adjacent
            words = unescape(node.term.value.strip('"'))
            return self._term(field_name, words, phrase=False, negated=negated)
        if isinstance(node, tree.Phrase):
            return self._term(field_name, unescape(node.value[1:-1]), phrase=True,
                              negated=negated)
        if isinstance(node, tree.Range):
            return self._range(field_name, node)
        if isinstance(node, (tree.From, tree.To)):
            return self._open_range(field_name, node)
        if isinstance(node, tree.Regex):
            return self._regex(field_name, node.value[1:-1])
        if isinstance(node, tree.Word):
            return self._word(field_name, node, negated)
        raise QuerySyntaxError(f"Unsupported query syntax: {node}")

    # -- what people type in a search box ---------------------------------
    def _search_box_words(self, typed: list[str]) -> list[Sql]:
        """The plain words of a dismax query as ``mm`` clauses.

        Each token is cut into words (``公交数据`` -> ``公交``, ``数据``);
        adjacent words that form a synonym entry stay together (``air
        quality``); stop words and lone Chinese characters are required
        only when nothing else is left, and still count for ranking.
        """
        lex = lexicon.current()
        self.exact.extend(typed)
        if len(typed) > 1:
            self.exact.append(" ".join(typed))
        words = [w for text in typed for w in lexicon.query_words(text)]
        units: list[str] = []
        index = 0
        while index < len(words):
            for span in range(min(lex.longest, len(words) - index), 0, -1):
                joined = _join_words(words[index:index + span])
                if span == 1 or lexicon.key(joined) in lex.synonyms:
                    units.append(joined)
                    index += span
                    break
        required = [u for u in units if not lexicon.is_optional(u, lex)] or units
        for unit in units:
            if unit not in required and analysis.query_units(unit):
                self.rank_terms.append(unit)
        clauses = [self._word_clause(unit, lex) for unit in dict.fromkeys(required)]
        return [c for c in clauses if c is not None]

    def _word_clause(self, word: str, lex: lexicon.Lexicon) -> Sql | None:
        """``word``, or any of its synonyms, or all the shorter words it is
        made of (each with its synonyms)."""
        parts = [self._alternative(alternative, alternative != word)
                 for alternative in _alternatives(word, lex)]
        pieces = lexicon.cover(word)
        if pieces:
            parts.append(and_([or_([p for p in (self._alternative(alt, alt != piece)
                                                for alt in _alternatives(piece, lex))
                                    if p is not None]) for piece in pieces]))
        parts = [p for p in parts if p is not None]
        return or_(parts) if parts else None

    def _alternative(self, word: str, synonym: bool) -> Sql | None:
        self._synonym = synonym
        self._box = True
        try:
            return self._term(None, word, phrase=" " in word.strip(), negated=False)
        finally:
            self._synonym = False
            self._box = False

    def _fuzzy(self, field_name: str | None, node: tree.Fuzzy, negated: bool) -> Sql | None:
        """``word~`` / ``word~1``: the word or a catalog word within that many
        edits (Solr's default is two)."""
        word = unescape(node.term.value)
        edits = 2
        if node.degree is not None:
            degree = float(node.degree)
            edits = min(2, int(degree)) if degree >= 1 else 2
        words = [word] + [w for w in vocabulary.similar_words(word, edits) if w != word]
        parts = [self._term(field_name, w, phrase=False, negated=negated) for w in words]
        parts = [p for p in parts if p is not None]
        return or_(parts) if parts else None

    # -- terms ----------------------------------------------------------
    def _fields_for(self, field_name: str | None) -> list[str]:
        if field_name is not None:
            return [field_name]
        if self.query_fields:
            return list(self.query_fields)
        return [self.default_field]

    def _word(self, field_name: str | None, node: tree.Word, negated: bool) -> Sql | None:
        raw = node.value
        if raw == "*":
            if field_name in (None, "*"):
                return TRUE
            return self._exists(field_name)
        if field_name == "*":
            raise QuerySyntaxError("A field name '*' needs the value '*'")
        if _WILDCARD_RE.search(raw):
            return or_([self._wildcard(f, raw) for f in self._fields_for(field_name)])
        return self._term(field_name, unescape(raw), phrase=False, negated=negated)

    def _term(self, field_name: str | None, value: str, phrase: bool,
              negated: bool) -> Sql | None:
        names = self._fields_for(field_name)
        if "text" in names:
            # Solr copies every searchable field into ``text``: a match on
            # ``text`` covers the other query fields.
            names = ["text"]
        parts = [self._field_term(name, value, phrase, negated) for name in names]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return or_(parts)

    def _field_term(self, name: str, value: str, phrase: bool, negated: bool) -> Sql | None:
        _check_field(name)
        if name in kinds.NGRAM_FIELDS:
            return _ngram_match(kinds.NGRAM_FIELDS[name], value)
        if kinds.is_text(name):
            # Solr's text fields drop the operator's stop words from fielded
            # terms and phrases too (title:信息 matches nothing there)
            stopwords = frozenset() if self._box else lexicon.current().stopwords
            query = analysis.term_query(value, phrase=phrase, stopwords=stopwords)
            if query is None:
                return None
            if not negated:
                (self.rank_words if self._synonym else self.rank_terms).append(value)
            if name in kinds.UNSTEMMED_FIELDS:
                # its own vector holds the words as written; what matches
                # there is in the stemmed catch-all too
                return _text_match(name, query, own=analysis.term_query(
                    value, phrase=phrase, stemmed=False, stopwords=stopwords))
            return _text_match(name, query)
        if kinds.is_date(name):
            # a single date value is a range of one instant
            instant = _date_value(value)
            return and_([self._compare(name, ">=", instant), self._compare(name, "<=", instant)])
        if name == kinds.LABELS_FIELD:
            return Sql("d.permission_labels @> ARRAY[%s]::text[]", (value,),
                       plan=("key", f"l:{value}"))
        if name in kinds.COLUMN_FIELDS:
            # false, not NULL, where the column is empty: its negation then
            # holds there, as Solr's and the postings' (every document but
            # those with the value) do
            return Sql(f"(d.{name} = %s AND d.{name} IS NOT NULL)", (value,), plan=(
                ("key", f"c:{name}:{value}") if name in PLAN_COLUMNS else None))
        if name in self.encoded_fields:
            return Sql(
                "d.facet_values @> ARRAY[(SELECT value_id FROM govshare_search_facet_value"
                " WHERE field = %s AND value = %s)]", (name, value),
                plan=("facet", name, value))
        return Sql("s.fields @> %s::jsonb", (json.dumps({name: [value]}),), frozenset({"s"}))

    def _exists(self, name: str) -> Sql:
        _check_field(name)
        if name == "text":
            return TRUE
        if name == kinds.LABELS_FIELD:
            return Sql("cardinality(d.permission_labels) > 0")
        if name in kinds.COLUMN_FIELDS or name in kinds.DATE_COLUMN_FIELDS:
            return Sql(f"d.{name} IS NOT NULL")
        return Sql("s.fields ? %s", (name,), frozenset({"s"}))

    def _wildcard(self, name: str, raw: str) -> Sql:
        _check_field(name)
        if kinds.is_text(name):
            # Text fields support a trailing wildcard on the last word.
            stripped = raw.rstrip("*")
            if _WILDCARD_RE.search(stripped) or not stripped:
                raise QuerySyntaxError(
                    f"Only trailing wildcards are supported on text field {name}: {raw}")
            query = analysis.term_query(unescape(stripped), prefix=True)
            if query is None:
                return FALSE
            self.rank_terms.append(unescape(stripped))
            if name in kinds.UNSTEMMED_FIELDS:
                # a prefix of a word as written says nothing of its stem in
                # the catch-all: the field's own vector only
                return _text_match(name, analysis.term_query(
                    unescape(stripped), prefix=True, stemmed=False), catch_all=False)
            return _text_match(name, query)
        pattern = _like_pattern(raw)
        if name == kinds.LABELS_FIELD:
            return Sql("EXISTS (SELECT 1 FROM unnest(d.permission_labels) l WHERE l LIKE %s)",
                       (pattern,))
        if name in kinds.COLUMN_FIELDS:
            return Sql(f"d.{name} LIKE %s", (pattern,))
        if name in self.encoded_fields:
            return Sql(
                "d.facet_values && ARRAY(SELECT value_id FROM govshare_search_facet_value"
                " WHERE field = %s AND value LIKE %s)", (name, pattern))
        return Sql(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.fields->%s) v WHERE v LIKE %s)",
            (name, pattern), frozenset({"s"}))

    def _regex(self, field_name: str | None, pattern: str) -> Sql:
        name = self._fields_for(field_name)[0]
        _check_field(name)
        if kinds.is_text(name):
            raise QuerySyntaxError(f"Regular expressions are not supported on text field {name}")
        regex = f"^(?:{pattern})$"
        if name in kinds.COLUMN_FIELDS:
            return Sql(f"d.{name} ~ %s", (regex,))
        return Sql(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.fields->%s) v WHERE v ~ %s)",
            (name, regex), frozenset({"s"}))

    # -- ranges -------------------------------------------------------------
    def _range(self, field_name: str | None, node: tree.Range) -> Sql:
        name = self._fields_for(field_name)[0]
        low = unescape(node.low.value) if isinstance(node.low, tree.Term) else "*"
        high = unescape(node.high.value) if isinstance(node.high, tree.Term) else "*"
        parts = []
        if low != "*":
            parts.append(self._bound(name, ">=" if node.include_low else ">", low))
        if high != "*":
            parts.append(self._bound(name, "<=" if node.include_high else "<", high))
        if not parts:
            return self._exists(name)
        return and_(parts)

    def _open_range(self, field_name: str | None, node: tree.Item) -> Sql:
        name = self._fields_for(field_name)[0]
        value = unescape(node.a.value)
        if isinstance(node, tree.From):
            return self._bound(name, ">=" if node.include else ">", value)
        return self._bound(name, "<=" if node.include else "<", value)

    def _bound(self, name: str, operator: str, value: str) -> Sql:
        _check_field(name)
        if kinds.is_date(name):
            return self._compare(name, operator, _date_value(value))
        if name in kinds.NUMBER_FIELDS or _is_number(value):
            try:
                number = float(value)
            except ValueError:
                raise QuerySyntaxError(f"Invalid number '{value}' for field {name}")
            return Sql(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.fields->%s) v"
                " WHERE v ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' AND v::float8 "
                + operator + " %s)", (name, number), frozenset({"s"}))
        if name in kinds.COLUMN_FIELDS:
            return Sql(f"d.{name} COLLATE \"C\" {operator} %s", (value,))
        return Sql(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.fields->%s) v"
            f" WHERE v COLLATE \"C\" {operator} %s)", (name, value), frozenset({"s"}))

    def _compare(self, name: str, operator: str, instant: Any) -> Sql:
        if instant is None:
            return FALSE
        if name in kinds.DATE_COLUMN_FIELDS:
            return Sql(f"d.{name} {operator} %s", (instant,))
        # other dates are stored in a sortable UTC text form
        text = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return Sql(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.fields->%s) v"
            f" WHERE v COLLATE \"C\" {operator} %s)", (name, text), frozenset({"s"}))


def flatten(node: tree.Item) -> list[tuple[str | None, tree.Item]]:
    """The clauses of a boolean operation in the order they were typed, each
    with the conjunction (``AND``, ``OR`` or None) written before it.

    luqum nests a sequence of clauses by operator precedence (``a OR b +c``
    becomes ``a OR (b +c)``); Lucene's classic parser has no precedence and
    reads the clauses left to right (:func:`lucene_clauses`). Parentheses
    stay a clause of their own."""
    if isinstance(node, tree.AndOperation):
        conjunction: str | None = "AND"
    elif isinstance(node, tree.OrOperation):
        conjunction = "OR"
    elif isinstance(node, tree.UnknownOperation):
        conjunction = None
    else:
        return [(None, node)]
    sequence: list[tuple[str | None, tree.Item]] = []
    for index, child in enumerate(node.children):
        items = flatten(child)
        if index:
            items[0] = (conjunction, items[0][1])
        sequence.extend(items)
    return sequence


def lucene_clauses(sequence: Sequence[tuple[str | None, tree.Item]],
                   operator: str) -> list[tuple[str, tree.Item]]:
    """(occur, clause) for a sequence of clauses, as Lucene's classic query
    parser (``QueryParserBase.addClause``), which Solr's lucene, dismax and
    edismax parsers share, decides them: ``AND`` makes the clause before it
    required too, ``OR`` makes it optional when the default operator
    (``q.op``) is ``AND``, ``+`` / ``-`` / ``NOT`` mark a clause. So with
    CKAN's ``q.op=AND``, ``a OR b +c`` requires only ``c`` (CKAN appends
    ``+state:(active)`` to every ``fq``: ``groups:a OR groups:b`` filters
    nothing on Solr), and ``a AND b OR c`` requires only ``a``."""
    clauses: list[list[Any]] = []
    for conjunction, item in sequence:
        modifier = None
        if isinstance(item, tree.Plus):
            modifier, item = "+", item.a
        elif isinstance(item, (tree.Prohibit, tree.Not)):
            modifier, item = "-", item.a
        if clauses and clauses[-1][0] != "MUST_NOT":
            if conjunction == "AND":
                clauses[-1][0] = "MUST"
            elif conjunction == "OR" and operator == "AND":
                clauses[-1][0] = "SHOULD"
        prohibited = modifier == "-"
        if operator == "AND":
            required = not prohibited and conjunction != "OR"
        else:
            required = modifier == "+" or (conjunction == "AND" and not prohibited)
        occur = "MUST_NOT" if prohibited else "MUST" if required else "SHOULD"
        clauses.append([occur, item])
    return [(occur, item) for occur, item in clauses]


def _text_match(name: str, tsquery: str, own: str | None = None,
                catch_all: bool = True) -> Sql:
    """The catch-all vector (GIN-indexed) and, for a named field, its own
    vector (matched by ``own`` when given)."""
    match = Sql("d.tsv @@ %s::tsquery", (tsquery,), frozenset({"t"}), match_plan(tsquery))
    if name == "text":
        return match
    match = replace(match, plan=None)  # with a field's own vector: SQL only
    own_match = Sql("COALESCE((s.field_tsv->>%s)::tsvector, '') @@ %s::tsquery",
                    (name, own or tsquery), frozenset({"s"}))
    if not catch_all or not kinds.in_catch_all(name):
        # not in ``text`` (urls, author_email, the relationships): its own vector only
        return own_match
    return and_([match, own_match])


def _ngram_match(column: str, value: str) -> Sql:
    """CKAN's ``*_ngram`` fields (autocomplete): every word typed is a piece of
    two to ten characters of the value, as Solr's NGramTokenizer indexes them
    (``bu`` and ``city-bus`` find ``city-bus-routes``, ``质量`` finds
    ``空气质量日报``)."""
    words = analysis.normalise(value).lower().split()
    if not words or any(not 2 <= len(w) <= 10 for w in words):
        return FALSE
    return and_([Sql(f"strpos(lower({column}), %s) > 0", (w,)) for w in words])


def _is_plain_word(node: tree.Item) -> bool:
    return (isinstance(node, tree.Word) and node.value != "*"
            and not _WILDCARD_RE.search(node.value))


def _join_words(words: list[str]) -> str:
    """Words cut from Chinese join without a space, Latin words with one."""
    text = words[0]
    for word in words[1:]:
        both_cjk = analysis.has_cjk(text[-1]) and analysis.has_cjk(word[0])
        text += word if both_cjk else " " + word
    return text


def _alternatives(word: str, lex: lexicon.Lexicon) -> list[str]:
    synonyms = lex.synonyms.get(lexicon.key(word), ())
    return list(dict.fromkeys([word, *synonyms]))


def _check_field(name: str) -> None:
    if not kinds.FIELD_NAME_RE.match(name):
        raise QuerySyntaxError(f"undefined field {name}")


def _date_value(value: str) -> Any:
    try:
        return datemath.evaluate(value)
    except datemath.DateMathError as error:
        raise QuerySyntaxError(str(error)) from error


def _is_number(value: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", value))


def _like_pattern(raw: str) -> str:
    out = []
    escaped = False
    for char in raw:
        if escaped:
            out.append("\\" + char if char in "%_\\" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def parse_query_fields(qf: str | None) -> list[str]:
    """``name^4 title^4 tags^2 text`` -> the field names (boosts come from weights)."""
    if not qf:
        return []
    names = []
    for item in str(qf).split():
        name = item.split("^", 1)[0]
        _check_field(name)
        names.append(name)
    return names


def rank_tsquery(terms: Iterable[str], whole_words: Iterable[str] = ()) -> str | None:
    """What ranking counts: every piece of what was typed, and the whole
    words of its synonyms (``公共交通`` for ``公交`` must not rank ``公共自行车``)."""
    parts = [q for q in (analysis.rank_query(t) for t in terms) if q]
    lexemes = sorted({x for w in whole_words for x in analysis.whole_word_lexemes(w)})
    parts.extend(analysis.quote_lexeme(x) for x in lexemes)
    return " | ".join(parts) if parts else None


_TSQUERY_TOKEN_RE = re.compile(r"\s*(?:'((?:[^']|'')*)'(:[*A-Da-d]+)?|([&|!()])|(\S))")


#: a tsquery's phrase operator (``<->``, ``<2>``)
_PHRASE_RE = re.compile(r"<(?:-|\d+)>")
#: the longest tsquery kept as a posting of its own
PHRASE_KEY_CHARS = 200


def match_plan(tsquery: str) -> Any:
    """The plan of matching the catch-all vector: :func:`tsquery_plan`, or
    for a tsquery with phrases (positions, which the words' postings do not
    keep) a posting of the whole tsquery (``q:<tsquery>``, computed by the
    same SQL; see ``postings``); None with prefixes or weights."""
    plan = tsquery_plan(tsquery)
    if plan is None and _PHRASE_RE.search(tsquery) and len(tsquery) <= PHRASE_KEY_CHARS \
            and not any(match.group(2) for match in _TSQUERY_TOKEN_RE.finditer(tsquery)):
        return ("key", f"q:{tsquery}")
    return plan


def tsquery_plan(tsquery: str) -> Any:
    """A tsquery of lexemes joined by ``&``, ``|`` and ``!`` as a posting
    plan over ``t:<lexeme>`` keys; None for phrases, prefixes and weights,
    which need positions or weights the postings do not keep."""
    tokens: list[tuple[str, str]] = []
    for match in _TSQUERY_TOKEN_RE.finditer(tsquery):
        lexeme, suffix, operator, other = match.groups()
        if other is not None or suffix or (lexeme and "\\" in lexeme):
            return None
        tokens.append(("lexeme", lexeme.replace("''", "'")) if lexeme is not None
                      else ("op", operator))
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def joined(operator: str, kind: str, operand: Any) -> Any:
        parts = [operand()]
        while peek() == ("op", operator):
            take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else (kind, tuple(parts))

    def either() -> Any:  # | binds least
        return joined("|", "or", both)

    def both() -> Any:
        return joined("&", "and", single)

    def single() -> Any:
        token = take() if peek() else None
        if token == ("op", "!"):
            return ("not", single())
        if token == ("op", "("):
            inner = either()
            if take() != ("op", ")"):
                raise ValueError(tsquery)
            return inner
        if token and token[0] == "lexeme":
            return ("key", f"t:{token[1]}")
        raise ValueError(tsquery)

    try:
        plan = either()
    except (ValueError, IndexError):
        return None
    return plan if position == len(tokens) else None
