"""The embedded engine: a stand-in for ``pysolr.Solr`` backed by PostgreSQL.

CKAN calls ``add``, ``delete``, ``commit`` and ``search`` with Solr's
parameters; this module answers them from the ``govshare_search_*`` tables
and returns objects shaped like ``pysolr.Results``. Errors are raised as
``pysolr.SolrError`` so CKAN turns them into its own search errors (HTTP 409
from the API), exactly as with Solr.
"""
from __future__ import annotations

import atexit
import datetime
import hashlib
import json
import logging
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Sequence

import pysolr
from psycopg2.extras import execute_values
from pyroaring import BitMap

import ckan.plugins.toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.search import analysis, cache, postings, query
from ckanext.govshare.search import fields as kinds
from ckanext.govshare.search.query import Sql

log = logging.getLogger(__name__)
#: the largest ``rows`` or ``start`` Solr takes
SOLR_MAX_INT = 2**31 - 1

URL = "postgresql://embedded-govshare-search"
RANK_WEIGHTS = "{0.1,0.2,0.4,1.0}"  # D, C, B, A
_SORT_RE = query.re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s+(asc|desc)\s*$", query.re.I)


class Results:
    """The parts of ``pysolr.Results`` CKAN reads."""

    def __init__(self, docs: list[dict[str, Any]], hits: int,
                 facet_fields: dict[str, list[Any]] | None = None) -> None:
        self.docs = docs
        self.hits = hits
        self.facets = {"facet_fields": facet_fields or {}} if facet_fields is not None else {}
        self.highlighting: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.qtime = None
        self.debug: dict[str, Any] = {}
        self.grouped: dict[str, Any] = {}
        self.raw_response = {"response": {"numFound": hits, "docs": docs}}

    def __len__(self) -> int:
        return len(self.docs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.docs)


# -- connections --------------------------------------------------------

def _connection():
    from ckan.model import meta

    return meta.engine.raw_connection()


class _Transaction:
    """A raw psycopg2 connection from CKAN's pool, committed or rolled back."""

    def __enter__(self):
        self.conn = _connection()
        return self.conn.cursor()

    def __exit__(self, kind, error, tb) -> None:
        try:
            if kind is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()


def _execute(cursor, sql: str, params: Sequence[Any] = ()) -> None:
    """Execute, logging the statement and its time at DEBUG level."""
    started = time.perf_counter()
    cursor.execute(sql, params)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%.1f ms: %s", (time.perf_counter() - started) * 1000,
                  cursor.query.decode(errors="replace")[:4000])


# -- indexing -------------------------------------------------------------

def _encoded_fields() -> frozenset[str]:
    return frozenset(tk.config.get(options.SEARCH_FACET_FIELDS) or ())


class PreparedDoc:
    """One Solr document turned into the rows of the three tables."""

    __slots__ = ("index_id", "columns", "facet_pairs", "tsv", "rank_tsv", "field_tsv", "fields",
                 "stored", "data_dict", "validated_data_dict")

    COLUMNS = ("index_id", "id", "name", "site_id", "entity_type", "dataset_type", "state",
               "capacity", "permission_labels", "metadata_created", "metadata_modified",
               "title_string", "resources_accessed_total")

    def __init__(self, doc: dict[str, Any], encoded: frozenset[str]) -> None:
        doc = {k: v for k, v in doc.items() if v is not None}
        if "index_id" not in doc:
            if "id" not in doc:
                raise pysolr.SolrError("[doc] missing required field: index_id")
            doc["index_id"] = hashlib.md5(
                f"{doc['id']}{doc.get('site_id', '')}".encode()).hexdigest()
        self.index_id = str(doc["index_id"])
        field_values: dict[str, list[str]] = {}
        dates: dict[str, datetime.datetime] = {}  # each date's normal form, read
        for name, value in doc.items():
            if name in kinds.BIG_FIELDS:
                continue
            values = kinds.values_of(value)
            if kinds.is_date(name):
                normal = []
                for text in values:
                    parsed = kinds.parse_date(text)
                    if parsed is not None:
                        normal.append(kinds.date_text(parsed))
                        dates[normal[-1]] = parsed
                values = normal
            if values:
                field_values[name] = values
        self.fields = field_values

        def first(name: str) -> str | None:
            values = field_values.get(name)
            return values[0] if values else None

        def date(name: str) -> datetime.datetime | None:
            value = first(name)
            return (dates.get(value) or kinds.parse_date(value)) if value else None

        self.columns = (
            self.index_id, first("id") or "", first("name"), first("site_id"),
            first("entity_type"), first("dataset_type"), first("state"), first("capacity"),
            field_values.get(kinds.LABELS_FIELD, []), date("metadata_created"),
            date("metadata_modified"), first("title_string"),
            _whole_number(first("resources_accessed_total")),
        )
        self.facet_pairs = [(name, v) for name in encoded for v in field_values.get(name, ())]
        vector = analysis.VectorBuilder()
        rank_vector = analysis.VectorBuilder()
        per_field = {}
        for name, weight in kinds.text_weights(doc):
            # the values as indexed (a date field keeps its text here)
            values = kinds.values_of(doc[name]) if kinds.is_date(name) \
                else field_values.get(name, ())
            positions = vector.place(values)
            if not positions:
                continue
            texts = analysis.positions_text(positions)
            labelled = analysis.weighted(texts, weight)
            vector.extend(labelled)
            if weight in kinds.RANK_WEIGHTS:
                # ranking reads bigrams, words and Latin stems, never single characters
                rank_vector.extend({lexeme: text for lexeme, text in labelled.items()
                                    if analysis.ranked(lexeme)})
            if kinds.is_text(name) and name != "text" and name not in kinds.UNSTEMMED_FIELDS:
                per_field[name] = analysis.render_text(texts)
        for name in doc:
            if kinds.is_text(name) and name != "text" and name not in per_field:
                # text fields Solr does not copy into ``text`` (author_email
                # ...), and the unstemmed ones
                positions = analysis.VectorBuilder(
                    stemmed=name not in kinds.UNSTEMMED_FIELDS).add(kinds.values_of(doc[name]))
                if positions:
                    per_field[name] = analysis.render(positions)
        urls = kinds.values_of(doc.get("urls")) + [
            value for source in kinds.URL_SOURCES for value in field_values.get(source, ())]
        if urls:
            # Solr's ``urls``: the document's own and the copies of its URLs
            positions = analysis.VectorBuilder().add(urls)
            if positions:
                per_field["urls"] = analysis.render(positions)
        self.tsv = vector.literal()
        self.rank_tsv = rank_vector.literal()
        self.field_tsv = per_field
        self.stored = {k: v for k, v in doc.items() if kinds.is_stored(k)}
        self.data_dict = doc.get("data_dict")
        self.validated_data_dict = doc.get("validated_data_dict")


# columns of govshare_search_doc, repeated in govshare_search_text
_NARROW_COLUMNS = ("index_id", "id", "name", "site_id", "entity_type", "dataset_type", "state",
                   "capacity", "permission_labels", "metadata_created", "metadata_modified",
                   "title_string", "resources_accessed_total", "facet_values")
_NARROW_TEMPLATE = "(%s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s, %s, %s, %s, %s::int[])"


def _whole_number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_lz4: bool | None = None


def _compress_fast(cursor) -> None:
    """Documents (CKAN's two copies of the dataset, JSON of 3-10 kB each, the
    vectors) compressed with lz4 where the server has it: a quarter of the
    database's time writing them went to pglz, and lz4 also reads back
    faster. Values already stored keep their method; either reads."""
    global _lz4
    if _lz4 is None:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                       " WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
        _lz4 = bool(row and row[0])
    if _lz4:
        cursor.execute("SET LOCAL default_toast_compression = lz4")


def _bump_generation(cursor, doc_ids: Sequence[int]) -> None:
    """Move the index to its next generation, recording the documents this
    transaction changed with it (:mod:`.postings`). The row lock taken here
    is held until commit: writers commit their generations in order."""
    # with no posting stored, no change is worth keeping: the horizon moves
    # past this write instead (a posting being computed meanwhile, older,
    # will be computed again: postings.py)
    cursor.execute("UPDATE govshare_search_meta SET generation = generation + 1,"
                   " postings_horizon = CASE WHEN EXISTS (SELECT FROM govshare_search_posting)"
                   " THEN postings_horizon ELSE generation + 1 END"
                   " RETURNING generation, postings_horizon = generation")
    generation, forgotten = cursor.fetchone()
    if forgotten:
        cursor.execute("DELETE FROM govshare_search_change WHERE generation <= %s",
                       (generation,))
    elif doc_ids:
        cursor.execute("INSERT INTO govshare_search_change (generation, doc_id)"
                       " SELECT %s, unnest(%s::int[])", (generation, list(doc_ids)))


#: called after each write to the index has committed, where searches start
#: to see it (the page cache moves its version: ``page_cache/writes.py``)
WRITTEN: list[Callable[[], None]] = []


def _written() -> None:
    for callback in WRITTEN:
        callback()


def write_docs(docs: Sequence[dict[str, Any]]) -> None:
    """Insert or replace documents (matched on ``index_id``) in one transaction."""
    encoded = _encoded_fields()
    prepared: dict[str, PreparedDoc] = {}
    for doc in docs:
        item = PreparedDoc(doc, encoded)
        prepared[item.index_id] = item  # the last copy of a document wins
    if not prepared:
        return
    items = list(prepared.values())
    with _Transaction() as cursor:
        _compress_fast(cursor)
        pairs = sorted({pair for item in items for pair in item.facet_pairs})
        value_ids: dict[tuple[str, str], int] = {}
        if pairs:
            names, values = [p[0] for p in pairs], [p[1] for p in pairs]
            cursor.execute(
                "INSERT INTO govshare_search_facet_value (field, value)"
                " SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
                (names, values))
            cursor.execute(
                "SELECT value_id, field, value FROM govshare_search_facet_value"
                " WHERE (field, value) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
                (names, values))
            value_ids = {(f, v): i for i, f, v in cursor.fetchall()}
        rows = {item.index_id: item.columns + (sorted({value_ids[p] for p in item.facet_pairs}),)
                for item in items}
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in _NARROW_COLUMNS[1:])
        returned = execute_values(
            cursor,
            f"INSERT INTO govshare_search_doc ({', '.join(_NARROW_COLUMNS)}) VALUES %s"
            f" ON CONFLICT (index_id) DO UPDATE SET {assignments} RETURNING index_id, doc_id",
            list(rows.values()), template=_NARROW_TEMPLATE, fetch=True)
        doc_ids = dict(returned)
        text_columns = ("doc_id",) + _NARROW_COLUMNS + ("tsv", "rank_tsv")
        execute_values(
            cursor,
            f"INSERT INTO govshare_search_text ({', '.join(text_columns)}) VALUES %s"
            f" ON CONFLICT (doc_id) DO UPDATE SET {assignments},"
            " tsv = EXCLUDED.tsv, rank_tsv = EXCLUDED.rank_tsv",
            [(doc_ids[i.index_id],) + rows[i.index_id] + (i.tsv, i.rank_tsv) for i in items],
            template="(%s, " + _NARROW_TEMPLATE[1:-1] + ", %s::tsvector, %s::tsvector)")
        execute_values(
            cursor,
            "INSERT INTO govshare_search_store (doc_id, fields, field_tsv, stored, data_dict,"
            " validated_data_dict) VALUES %s ON CONFLICT (doc_id) DO UPDATE SET"
            " fields = EXCLUDED.fields, field_tsv = EXCLUDED.field_tsv,"
            " stored = EXCLUDED.stored, data_dict = EXCLUDED.data_dict,"
            " validated_data_dict = EXCLUDED.validated_data_dict",
            [(doc_ids[i.index_id], json.dumps(i.fields, ensure_ascii=False),
              json.dumps(i.field_tsv, ensure_ascii=False),
              json.dumps(i.stored, ensure_ascii=False, default=str), i.data_dict,
              i.validated_data_dict) for i in items],
            template="(%s, %s::jsonb, %s::jsonb, %s::jsonb, %s, %s)")
        _bump_generation(cursor, list(doc_ids.values()))
    _written()
    _statistics.written(len(items))


class _Statistics:
    """Refreshes the planner's statistics after bulk writes.

    Right after a re-index PostgreSQL has no statistics for the new rows and
    picks plans that read every vector; autovacuum catches up only later.
    """

    THRESHOLD = 10_000

    def __init__(self) -> None:
        self.since_analyze = 0

    def written(self, count: int) -> None:
        self.since_analyze += count

    def refresh_if_stale(self, force: bool = False) -> None:
        if not force and self.since_analyze < self.THRESHOLD:
            return
        conn = _connection()
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                for table in ("govshare_search_doc", "govshare_search_text",
                              "govshare_search_store", "govshare_search_facet_value"):
                    cursor.execute(f"ANALYZE {table}")
        finally:
            conn.autocommit = False
            conn.close()
        self.since_analyze = 0


_statistics = _Statistics()


def analyze() -> None:
    """Refresh the planner's statistics of the index tables now."""
    _statistics.refresh_if_stale(force=True)


class _PendingWrites:
    """Documents added without commit, written in batches (bulk re-indexing)."""

    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self.since = 0.0
        self.lock = threading.Lock()

    def add(self, docs: Iterable[dict[str, Any]]) -> None:
        with self.lock:
            if not self.docs:
                self.since = time.monotonic()
            self.docs.extend(docs)
            full = len(self.docs) >= (tk.config.get(options.SEARCH_BATCH_SIZE) or 500)
            stale = time.monotonic() - self.since > 5.0
        if full or stale:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            docs, self.docs = self.docs, []
        if docs:
            write_docs(docs)


_pending = _PendingWrites()


@atexit.register
def _flush_at_exit() -> None:
    try:
        _pending.flush()
    except Exception:  # the process is ending; say so rather than hide it
        log.exception("Could not write %d pending search documents", len(_pending.docs))


# -- searching ------------------------------------------------------------

def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _from_clause(tables: Iterable[str]) -> str:
    """``d`` is the narrow table, or its copy with text vectors ("t") when needed."""
    tables = set(tables)
    sql = "govshare_search_text d" if "t" in tables else "govshare_search_doc d"
    if "s" in tables:
        sql += " JOIN govshare_search_store s ON s.doc_id = d.doc_id"
    return sql


class SearchRequest:
    """Solr parameters resolved into SQL pieces."""

    def __init__(self, q: str, params: dict[str, Any]) -> None:
        encoded = _encoded_fields()
        def_type = params.get("defType") or "lucene"
        operator = str(params.get("q.op") or "OR").upper()
        default_field = params.get("df") or "text"
        q = q if q not in (None, "") else "*:*"
        if def_type in ("dismax", "edismax"):
            translator = query.Translator(
                default_field=default_field, default_operator=operator,
                query_fields=query.parse_query_fields(params.get("qf")) or [default_field],
                mm=params.get("mm") or "100%", encoded_fields=encoded,
                edismax=def_type == "edismax")
            # both search the words of a query they cannot parse, as Solr's do
            main = translator.translate(q, lenient=True)
        elif def_type == "lucene":
            translator = query.Translator(default_field=default_field,
                                          default_operator=operator, encoded_fields=encoded)
            main = translator.translate(q)
        else:
            raise query.QuerySyntaxError(f"Unknown query parser '{def_type}'")
        filters = []
        for fq in _listify(params.get("fq")):
            if fq is None or not str(fq).strip():
                continue
            fq_translator = query.Translator(default_field=default_field,
                                             default_operator=operator, encoded_fields=encoded)
            filters.append(fq_translator.translate(str(fq)))
        self.where = query.and_([main] + filters)
        self.rank = query.rank_tsquery(translator.rank_terms, translator.rank_words)
        # a dataset whose URL name or whole title was typed comes first
        self.exact = sorted({analysis.normalise(x).strip().lower() for x in translator.exact
                             if x.strip()})
        self.sort = self._sort(params.get("sort"))
        self.encoded = encoded

    def score_sql(self) -> Sql:
        if self.rank:
            score = Sql(f"ts_rank('{RANK_WEIGHTS}', d.rank_tsv, %s::tsquery)", (self.rank,),
                        frozenset({"t"}))
            if self.exact:
                score = Sql(f"({score.text} + CASE WHEN d.name = ANY(%s) OR lower("
                            "d.title_string) = ANY(%s) THEN 1 ELSE 0 END)",
                            score.params + (self.exact, self.exact), score.tables)
            return score
        return Sql("1.0::float4")

    def _sort(self, sort: Any) -> list[tuple[Sql, str]]:
        order: list[tuple[Sql, str]] = []
        if not sort:
            return [(self.score_sql(), "DESC")] if self.rank else []
        for spec in str(sort).split(","):
            if not spec.strip():
                continue
            match = _SORT_RE.match(spec)
            if not match:
                raise pysolr.SolrError(
                    f"Can't determine a Sort Order (asc or desc) in sort spec '{spec.strip()}'")
            name, direction = match.group(1), match.group(2).upper()
            order.append((_sort_key(name, self), direction))
        return order


def _sort_key(name: str, request: SearchRequest) -> Sql:
    if name == "score":
        return request.score_sql()
    if name in kinds.COLUMN_FIELDS or name in kinds.DATE_COLUMN_FIELDS \
            or name in kinds.NUMBER_COLUMN_FIELDS:
        return Sql(f"d.{name}")
    if name in kinds.NUMBER_FIELDS:
        return Sql("(CASE WHEN s.fields->%s->>0 ~ '^-?[0-9.]+$' THEN"
                   " (s.fields->%s->>0)::float8 END)", (name, name), frozenset({"s"}))
    return Sql("(s.fields->%s->>0) COLLATE \"C\"", (name,), frozenset({"s"}))


def _facet_options(params: dict[str, Any]) -> tuple[list[str], int, int, str]:
    if str(params.get("facet", "false")).lower() not in ("true", "on", "1"):
        return [], 0, 0, "count"
    names = [str(n) for n in _listify(params.get("facet.field"))]
    for name in names:
        if not kinds.FIELD_NAME_RE.match(name):
            raise pysolr.SolrError(f"undefined field {name}")
    limit = int(params.get("facet.limit", 100))
    mincount = int(params.get("facet.mincount", 0))
    order = str(params.get("facet.sort") or ("count" if limit > 0 else "index"))
    if order not in ("count", "index", "true", "false"):
        raise pysolr.SolrError(f"Unknown facet sort '{order}'")
    order = "count" if order in ("count", "true") else "index"
    return names, limit, mincount, order


# A text condition is answered from the GIN index of the vectors, never by
# reading every row's vector: the planner prices ``tsv @@ query`` like any
# operator, not as the reading (often from TOAST) of a vector of a few
# kilobytes it is, and so chose (parallel) sequential scans for words found
# in a third of the catalog: 300 ms instead of 50-90 at 100,000 datasets.
_TEXT_PLANNING = ("SET LOCAL enable_seqscan = off;"
                  " SET LOCAL max_parallel_workers_per_gather = 0;")
# Every read: no JIT compilation, which PostgreSQL starts for any plan priced
# above ``jit_above_cost`` (broad words and listings past 100,000 datasets)
# and which cost 12-45 ms a query, more than most of these queries take; and
# room for an exact bitmap of the matching rows: with the default 4 MB, a word
# found in a quarter of a million datasets made the bitmap lossy, and every
# row of its lossy pages had its vector read from TOAST to be checked again
# (count 2.5 s instead of 0.8 at 1,000,000 datasets).
_READ_PLANNING = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;"


class PostgresSearchClient:
    """Answers the calls CKAN makes on ``pysolr.Solr``."""

    url = URL

    def __init__(self, decode_dates: bool = True) -> None:
        self.decode_dates = decode_dates

    # writes --------------------------------------------------------------
    def add(self, docs: Iterable[dict[str, Any]], commit: bool = True, **kwargs: Any) -> str:
        docs = list(docs)
        if commit:
            _pending.flush()
            write_docs(docs)
        else:
            _pending.add(docs)
        return ""

    def commit(self, **kwargs: Any) -> str:
        _pending.flush()
        _statistics.refresh_if_stale()
        return ""

    def optimize(self, **kwargs: Any) -> str:
        return self.commit()

    def delete(self, id: Any = None, q: str | None = None, commit: bool = True,
               **kwargs: Any) -> str:
        _pending.flush()
        if id is not None:
            where = Sql("d.index_id = ANY(%s) OR d.id = ANY(%s)",
                        (_listify(id), _listify(id)))
        elif q is not None:
            try:
                where = query.Translator(default_operator="AND",
                                         encoded_fields=_encoded_fields()).translate(q)
            except query.QuerySyntaxError as error:
                raise pysolr.SolrError(str(error)) from error
        else:
            raise ValueError('You must specify "id" or "q".')
        with _Transaction() as cursor:
            cursor.execute(
                f"DELETE FROM govshare_search_doc WHERE doc_id IN (SELECT d.doc_id FROM"
                f" {_from_clause(where.tables)} WHERE {where.text}) RETURNING doc_id",
                where.params)
            _bump_generation(cursor, [row[0] for row in cursor.fetchall()])
        _written()
        return ""

    # reads ---------------------------------------------------------------
    def search(self, q: str = "*:*", search_handler: str | None = None,
               **params: Any) -> Results:
        _pending.flush()
        try:
            request = SearchRequest(q, params)
            rows = int(params.get("rows", 10))
            start = int(params.get("start", 0))
            # Solr's own bounds (a Java int): larger offsets are an error there
            # too, and PostgreSQL's OFFSET would fail past a bigint
            if not (0 <= rows <= SOLR_MAX_INT and 0 <= start <= SOLR_MAX_INT):
                raise pysolr.SolrError(
                    f"rows and start must be between 0 and {SOLR_MAX_INT}")
            facet_names, limit, mincount, order = _facet_options(params)
            fl = _field_list(params.get("fl"))
            with _Transaction() as cursor:
                # the settings and the index's state in one round trip (the
                # cursor holds the last statement's rows); one snapshot for
                # every statement of the search (postings, their changes)
                cursor.execute(_SNAPSHOT + _READ_PLANNING
                               + (_TEXT_PLANNING if "t" in request.where.tables else "")
                               + " SELECT epoch, generation, postings_horizon,"
                               f" ({postings.DOCUMENTS_SQL}) FROM govshare_search_meta")
                index_state = cursor.fetchone()
                hits, counts = self._counts(cursor, request, facet_names, index_state)
                docs = self._rows(cursor, request, rows, start, fl, index_state, hits) \
                    if rows and hits > start else []
        except query.QuerySyntaxError as error:
            raise pysolr.SolrError(f"org.apache.solr.search.SyntaxError: {error}") from error
        except ValueError as error:
            raise pysolr.SolrError(str(error)) from error
        facet_fields = None
        if facet_names or str(params.get("facet", "false")).lower() == "true":
            facet_fields = {
                name: _facet_list(counts.get(name, {}), limit, mincount, order)
                for name in facet_names}
        return Results(docs, hits, facet_fields)

    def _counts(self, cursor, request: SearchRequest, facet_names: list[str],
                index_state: tuple[Any, ...]) -> tuple[int, dict[str, dict[str, int]]]:
        """Hit count and facet counts for the filter, through the cache."""
        where = request.where
        encoded = [n for n in facet_names if n in request.encoded]
        generic = [n for n in facet_names if n not in request.encoded]
        epoch, generation, horizon, documents = index_state
        key = cache.key(str(epoch), generation, where.text, where.params, sorted(facet_names))
        cached = cache.get(key)
        if cached is not None:
            return cached["hits"], cached["facets"]
        if where.plan is not None and not generic and postings.in_use(documents):
            answer = postings.counts(cursor, where.plan, encoded, generation, horizon)
            hits, facets = answer.hits, answer.facets
            if answer.changed:
                # the documents changed since the postings, as they are now
                changed = query.and_([where, Sql("d.doc_id = ANY(%s)", (answer.changed,))])
                more, more_facets = self._sql_counts(cursor, changed, encoded, [])
                hits += more
                for name, counted in more_facets.items():
                    for value, n in counted.items():
                        facets[name][value] = facets[name].get(value, 0) + n
        else:
            hits, facets = self._sql_counts(cursor, where, encoded, generic)
        cache.put(key, {"hits": hits, "facets": facets})
        return hits, facets

    def _sql_counts(self, cursor, where: Sql, encoded: list[str], generic: list[str]
                    ) -> tuple[int, dict[str, dict[str, int]]]:
        """Hit count and facet counts by aggregating every matching row."""
        matched = (f"SELECT d.doc_id, d.facet_values FROM {_from_clause(where.tables)}"
                   f" WHERE {where.text}")
        parts = ["SELECT NULL::text AS field, NULL::text AS value, count(*) AS n FROM m"]
        params: list[Any] = list(where.params)
        if encoded:
            parts.append(
                "SELECT fv.field, fv.value, c.n FROM (SELECT v, count(*) AS n"
                " FROM m, unnest(m.facet_values) v GROUP BY v) c"
                " JOIN govshare_search_facet_value fv ON fv.value_id = c.v"
                " WHERE fv.field = ANY(%s)")
            params.append(encoded)
        for name in generic:
            parts.append(
                "SELECT %s, v, count(*) FROM m JOIN govshare_search_store s"
                " ON s.doc_id = m.doc_id, jsonb_array_elements_text(s.fields->%s) v"
                " GROUP BY v")
            params.extend([name, name])
        _execute(cursor, f"WITH m AS MATERIALIZED ({matched}) " + " UNION ALL ".join(parts),
                 params)
        hits = 0
        facets: dict[str, dict[str, int]] = {name: {} for name in encoded + generic}
        for name, value, n in cursor.fetchall():
            if name is None:
                hits = n
            else:
                facets[name][value] = n
        return hits, facets

    def _rows(self, cursor, request: SearchRequest, rows: int, start: int,
              fl: set[str], index_state: tuple[Any, ...], hits: int) -> list[dict[str, Any]]:
        where = request.where
        score = request.score_sql()
        want_score = "score" in fl
        tables = set(where.tables)
        order_sql: list[str] = []
        params: list[Any] = []
        select_params: list[Any] = list(score.params) if want_score else []
        for key, direction in request.sort:
            tables |= key.tables
            order_sql.append(f"{key.text} {direction} NULLS LAST")
            params.extend(key.params)
        if want_score:
            tables |= score.tables
        order_sql.append("d.doc_id")
        score_select = score.text if want_score else "NULL::float4"
        sql = (f"SELECT d.doc_id, {score_select} FROM {_from_clause(tables)}"
               f" WHERE {where.text} ORDER BY {', '.join(order_sql)} LIMIT %s OFFSET %s")
        sql_params = select_params + list(where.params) + params
        by_postings = self._by_postings(cursor, request, tables, order_sql, params,
                                        index_state, want_score, hits)

        def first(limit: int, offset: int) -> list[tuple]:
            if by_postings is not None:
                return [tuple(row) for row in by_postings(limit + offset)[offset:]]
            _execute(cursor, sql, sql_params + [limit, offset])
            return cursor.fetchall()

        if start + rows <= cache.RESULT_WINDOW and cache.enabled():
            # the first pages of a query: its first RESULT_WINDOW ids, in
            # order, are kept as Solr's queryResultCache keeps them, and the
            # page is a slice of them (ranking every match is the costly part)
            epoch, generation = index_state[:2]
            key = cache.key(str(epoch), generation, sql, tuple(sql_params), ["rows"])
            window = cache.get(key)
            if window is None:
                window = {"ranked": first(cache.RESULT_WINDOW, 0)}
                cache.put(key, window)
            ranked = [tuple(row) for row in window["ranked"][start:start + rows]]
        else:
            ranked = first(rows, start)
        if not ranked:
            return []
        ids = [r[0] for r in ranked]
        columns = ["stored"]
        if "*" in fl or "data_dict" in fl:
            columns.append("data_dict")
        if "*" in fl or "validated_data_dict" in fl:
            columns.append("validated_data_dict")
        _execute(cursor, f"SELECT doc_id, {', '.join(columns)} FROM govshare_search_store"
                 " WHERE doc_id = ANY(%s)", (ids,))
        by_id = {row[0]: row[1:] for row in cursor.fetchall()}
        docs = []
        for doc_id, doc_score in ranked:
            stored, *big = by_id[doc_id]
            doc = {k: v for k, v in stored.items() if "*" in fl or k in fl}
            for name, value in zip(columns[1:], big):
                if value is not None:
                    doc[name] = value
            if want_score:
                doc["score"] = float(doc_score)
            docs.append(doc)
        return docs

    def _by_postings(self, cursor, request: SearchRequest, tables: set[str],
                     order_sql: list[str], order_params: list[Any],
                     index_state: tuple[Any, ...], want_score: bool, hits: int) -> Any:
        """``first(k)``: the first k rows of a search ordered by relevance
        (``postings.first_by_score``) or by columns (``first_in_order``),
        from posting bitmaps' candidates; None where they cannot say (no
        plan, another order, a small index)."""
        epoch, generation, horizon, documents = index_state
        where = request.where
        if where.plan is None or not request.sort or not postings.in_use(documents):
            return None
        score = request.score_sql()
        lexemes = postings.rank_lexemes(request.rank)
        by_score = bool(lexemes) and request.sort[0][1] == "DESC" \
            and request.sort[0][0].text == score.text
        # without words the score is a constant: the columns after it order
        listing = None if by_score else _order_key(
            [(key, direction) for key, direction in request.sort
             if request.rank or key.text != score.text])
        if not by_score and (listing is None or (
                "t" not in where.tables and hits >= documents / 2)):
            # most documents match and no word is tested: walking the
            # order's own index finds a page in a few rows more than it
            return None
        # what orders the documents whose scores tie
        ties = "" if len(request.sort) == 1 else _order_key(request.sort[1:])
        # a listing computes no score it is not asked for
        selected = score if by_score or want_score else Sql("NULL::float4")
        # known candidates match: the condition is tested on the others only
        sql = (f"SELECT d.doc_id, {selected.text} FROM {_from_clause(tables | selected.tables)}"
               f" WHERE d.doc_id = ANY(%s) OR (({where.text}) AND d.doc_id = ANY(%s))"
               f" ORDER BY {', '.join(order_sql)} LIMIT %s")

        def rank(known: BitMap, check: BitMap, k: int) -> list[tuple]:
            _execute(cursor, sql, list(selected.params) + [list(known)] + list(where.params)
                     + [list(check)] + order_params + [k])
            return cursor.fetchall()

        def first(k: int) -> list[tuple]:
            if listing is not None:
                ranked = postings.first_in_order(cursor, where.plan, listing, k, generation,
                                                 horizon, rank)
            else:
                always = BitMap()
                if request.exact:
                    # a whole title or name typed is worth 1 more: always a candidate
                    cursor.execute("SELECT coalesce(array_agg(doc_id), '{}')"
                                   " FROM govshare_search_doc"
                                   " WHERE name = ANY(%s) OR lower(title_string) = ANY(%s)",
                                   (request.exact, request.exact))
                    always = BitMap(cursor.fetchone()[0])
                ranked = postings.first_by_score(cursor, where.plan, lexemes, k, generation,
                                                 horizon, always, rank, ties)
            return ranked if want_score else [(doc_id, None) for doc_id, _ in ranked]
        return first


def _order_key(sort: list[tuple[Sql, str]]) -> str | None:
    """The posting key of an order of the index's own columns, if it is one."""
    return postings.order_key(
        (key.text[2:] if key.text.startswith("d.") and not key.params else "", direction)
        for key, direction in sort)


def _field_list(fl: Any) -> set[str]:
    if not fl:
        return {"*"}
    names: set[str] = set()
    for item in _listify(fl):
        names.update(x for x in str(item).replace(",", " ").split() if x)
    return names


def _facet_list(counts: dict[str, int], limit: int, mincount: int, order: str) -> list[Any]:
    items = [(value, n) for value, n in counts.items() if n >= max(mincount, 1)]
    if order == "count":
        items.sort(key=lambda item: (-item[1], item[0]))
    else:
        items.sort(key=lambda item: item[0])
    if limit >= 0:
        items = items[:limit]
    flat: list[Any] = []
    for value, n in items:
        flat.extend([value, n])
    return flat


def make_connection(decode_dates: bool = True) -> PostgresSearchClient:
    return PostgresSearchClient(decode_dates)


def check_schema_version(schema_file: Any = None) -> bool:
    """The embedded engine's schema is the migration of this package."""
    return True
