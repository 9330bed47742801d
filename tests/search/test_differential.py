"""The embedded engine proven equal to Solr: the same catalog indexed into
both, the same generated questions asked through ``package_search`` as three
users, the answers compared.

The catalog is the demo's metadata (as ``test_relevance.py`` loads it) and
``differential.GENERATED`` generated datasets (``tests/search/differential.py``,
seeded): Chinese, English and mixed titles and descriptions, tags,
organizations, groups, formats, licences, release dates, creation and
modification dates spread over four years, downloads, the three open tiers
and private entries. Both engines index it with the same code
(``search/bulk.py``, CKAN's ``index_package``), from the same database.

Over a thousand queries (``differential.KINDS``: words, phrases, boolean
operators, fielded queries, filters, ranges with date math, wildcards,
facets with limits and minimum counts, sorts with paging), each asked as an
anonymous visitor, a member of one organization or a sysadmin, must give:

* the same hit count, the same facet counts, and the same error (or none);
* the same results in the same order when sorted on fields;
* when ordered by relevance, an overlap@10 of at least ``MIN_OVERLAP`` on
  average over the queries both must answer alike (the scores differ by
  design: BM25 in Solr, ``ts_rank`` here); the distribution is printed.

A difference is either fixed or one of :data:`DELIBERATE`, each with its
reason (also in the README and docs/solr.md); an entry that no query needs
any more fails the test, so the list stays true.

It needs a Solr (``make test-solr``, or ``GOVSHARE_TEST_SOLR_URL``) and is
skipped without one, as the Solr variants of the search tests are. It uses
the tests' core with a site id of its own, so the other search tests, which
empty their site's part of the core between tests, can run beside it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import re
import time
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa

import ckan.lib.search as ckan_search
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.demo import loader
from ckanext.govshare.search import analysis, lexicon
from tests import factories
from tests.search import differential as diff
from tests.search.conftest import engine, index_everything, postings_always, solr_url_or_skip
from tests.search.test_relevance import demo_resource

#: the index documents' site: not the other search tests' (they empty theirs)
SITE_ID = "govshare-differential"
#: the organization whose member asks the member's questions
MEMBER_OF = "shengtai"
MIN_OVERLAP = 0.8
#: the whole run (building, indexing twice, asking three times) must fit in this
BUDGET_SECONDS = 180
CATALOG = loader.load_catalog()


@dataclasses.dataclass(frozen=True)
class Deliberate:
    """A difference kept on purpose: which queries and aspects it covers, and why."""
    name: str
    reason: str
    aspects: frozenset[str]
    applies: Callable[[diff.Query], bool]


# ---------------------------------------------------------------- what a query typed
_OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})
_QUOTED_RE = re.compile(r'"[^"]*"')


def _box_words(q: str, quoted: bool = False) -> list[str]:
    """The words typed in the search box (no ``field:``): between spaces,
    without operators, parentheses, ``+`` and ``-``; quoted phrases left out
    (or only those, with ``quoted``)."""
    if ":" in q:
        return []
    if quoted:
        return [m.group(0).strip('"') for m in _QUOTED_RE.finditer(q)]
    words = []
    for raw in _QUOTED_RE.sub(" ", q).split():
        word = raw.strip("()+-!")
        if raw not in _OPERATORS and word and word not in _OPERATORS:
            words.append(word)
    return words


def _tokens(text: str) -> int:
    return sum(len(unit) for unit in analysis.query_units(text))


def _split_word(query: diff.Query) -> bool:
    """A word of the search box that the analysis cuts into several tokens: a
    Chinese word of three characters or more (its bigrams), ``PM2.5``,
    ``Hi-tech``; or a word with such a synonym."""
    lex = lexicon.current()
    for word in _box_words(query.q):
        alternatives = [word, *lex.synonyms.get(lexicon.key(word), ())]
        if any(_tokens(w) > 1 for w in alternatives):
            return True
    return False


def _stop_word(query: diff.Query) -> bool:
    """A word (or a quoted phrase) of the search box that is a stop word."""
    stop = lexicon.current().stopwords
    return any(lexicon.key(w) in stop
               for w in _box_words(query.q) + _box_words(query.q, quoted=True))


def _synonym_of_words(query: diff.Query) -> bool:
    """Words of the search box that together are a synonym (``air quality``)."""
    lex = lexicon.current()
    words = _box_words(query.q)
    return any(lexicon.key(" ".join(words[i:i + n])) in lex.synonyms
               for n in range(2, lex.longest + 1) for i in range(len(words) - n + 1))


def _synonym_outside_the_box(query: diff.Query) -> bool:
    """A synonym in a fielded query, a phrase, or a word the search box
    requires or excludes (``AND``, ``+``, ``NOT``, ``-``)."""
    q = query.q
    plain = ":" not in q and '"' not in q and not re.search(
        r"(^|\s|\()(AND|OR|NOT|&&|\|\|)(\s|\()|(^|\s)[+\-!]", q)
    if plain:
        return False
    lowered = analysis.normalise(q).lower()
    latin = set(re.findall(r"[a-z0-9.]+", lowered))
    for key in lexicon.current().synonyms:
        if analysis.has_cjk(key) and key in lowered:
            return True
        if not analysis.has_cjk(key) and set(key.split()) <= latin:
            return True
    return False


#: The differences kept on purpose, each with its reason (README "Search:
#: the embedded engine and Solr", docs/solr.md "What the differential test
#: found"). Each covers the hit counts, and so the facet counts and the
#: results of a sorted query, of the queries it names.
DELIBERATE: list[Deliberate] = [
    Deliberate(
        "a search box word of several tokens",
        "Solr's dismax and edismax find a word typed in the search box by any one of the"
        " tokens it is analysed into (CKAN's q.op does not reach inside a word): 水质监测"
        " finds everything that says 监测, PM2.5 everything with a 5. The embedded engine"
        " requires the word (all its bigrams, as Solr's lucene parser does for"
        " field:value) or the dictionary words it is made of (README: how a search box"
        " query is understood).",
        frozenset({"count", "facets", "order"}), _split_word),
    Deliberate(
        "a stop word in the search box",
        "Solr's dismax drops a stop word (数据, 信息) from the text fields but still requires"
        " it in the string fields of qf (name, tags, groups), so 信息 交通局 finds only what"
        " is tagged 信息; the embedded engine makes it optional.",
        frozenset({"count", "facets", "order"}), _stop_word),
    Deliberate(
        "a synonym of several words",
        "Solr's dismax analyses the search box a word at a time, so a synonym of several"
        " words (air quality => 空气质量) is never matched; the embedded engine expands it.",
        frozenset({"count", "facets", "order"}), _synonym_of_words),
    Deliberate(
        "a synonym outside the search box's words",
        "Solr expands synonyms wherever the text fields' query analysis runs: in fielded"
        " queries (title:schools), phrases and words required or excluded with AND, +,"
        " NOT or -; the embedded engine only for the words typed in the search box, so"
        " that a phrase or a field:value stays what was typed.",
        frozenset({"count", "facets", "order"}), _synonym_outside_the_box),
]


@dataclasses.dataclass
class Run:
    queries: list[diff.Query]
    embedded: list[diff.Answer]
    solr: list[diff.Answer]
    #: the embedded engine's answers with its counts and facets from postings
    postings: list[diff.Answer]
    datasets: int
    totals: dict[str, int]
    default_sort: str
    seconds: dict[str, float]

    def pairs(self) -> Iterator[tuple[diff.Query, diff.Answer, diff.Answer]]:
        return zip(self.queries, self.embedded, self.solr)


# ---------------------------------------------------------------- engines
@contextlib.contextmanager
def _without_automatic_indexing() -> Iterator[None]:
    """CKAN's indexing on every commit (its ``synchronous_search`` system
    plugin) off: the catalog is indexed after, by each engine in turn, and
    indexing a dataset as it is made (twice when it has resources) would be
    a third of the catalog's making."""
    p.unload("synchronous_search")
    try:
        yield
    finally:
        p.load("synchronous_search")


@contextlib.contextmanager
def _site(site_id: str) -> Iterator[None]:
    saved = tk.config.get("ckan.site_id")
    tk.config["ckan.site_id"] = site_id
    try:
        yield
    finally:
        tk.config["ckan.site_id"] = saved


# ---------------------------------------------------------------- the catalog
def _build_catalog() -> dict[str, str]:
    """The demo's organizations, groups and datasets, the generated datasets,
    their dates and downloads; the users. Returns user kind -> user name."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    site_url = tk.config.get("ckan.site_url")
    no_counts: dict[str, dict[str, int]] = {"owner_org": {}, "groups": {}}
    organizations = {}
    for item in CATALOG["organizations"]:
        organizations[item["name"]] = tk.get_action("organization_create")(
            {"user": site_user, "dataset_counts": no_counts},
            loader.group_dict(item, is_org=True))["id"]
    for item in CATALOG["groups"]:
        tk.get_action("group_create")({"user": site_user, "dataset_counts": no_counts},
                                      loader.group_dict(item))
    for ds in CATALOG["datasets"]:
        data = loader.dataset_dict(ds)
        data["resources"] = [demo_resource(res, site_url) for res in ds["resources"]]
        tk.get_action("package_create")({"user": site_user, "return_id_only": True}, data)
    dates = diff.demo_dates([ds["name"] for ds in CATALOG["datasets"]])
    for item in diff.datasets(CATALOG["organizations"]):
        fields = dict(item.fields, owner_org=organizations[item.fields["owner_org"]])
        factories.Dataset(**fields)
        dates[fields["name"]] = (item.created_days_ago, item.modified_days_ago, item.downloads)
    _set_dates_and_downloads(dates)

    sysadmin = factories.Sysadmin()
    member = factories.User()
    helpers.call_action("organization_member_create", context={"user": site_user},
                        id=MEMBER_OF, username=member["name"], role="member")
    return {diff.ANONYMOUS: "", diff.MEMBER: member["name"], diff.SYSADMIN: sysadmin["name"]}


def _time_of_day() -> datetime.datetime:
    """Today at 06:00 or 18:00 UTC, whichever is six hours or more from now:
    no date of the catalog is then within hours of a bound of the queries'
    date math (NOW-1YEAR keeps the time of day; NOW/DAY is midnight) while
    the test runs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    hours = now.hour + now.minute / 60

    def distance(hour: int) -> float:
        apart = abs(hours - hour) % 24
        return min(apart, 24 - apart)

    # the two distances add up to twelve hours: the larger is six or more
    hour = 6 if distance(6) >= distance(18) else 18
    return now.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)


def _set_dates_and_downloads(dates: dict[str, tuple[int, int, int]]) -> None:
    """Creation and modification dates over four years, a second apart at
    least (so that sorting on them never ties), and downloads, written where
    CKAN and GovShare keep them; both engines index them after."""
    base = _time_of_day()
    for offset, (name, (created, modified, downloads)) in enumerate(sorted(dates.items())):
        model.Session.execute(sa.text(
            "UPDATE package SET metadata_created = :c, metadata_modified = :m WHERE name = :n"),
            {"c": base - datetime.timedelta(days=created, seconds=-offset),
             "m": base - datetime.timedelta(days=modified, seconds=-offset), "n": name})
        if downloads:
            model.Session.execute(sa.text(
                "INSERT INTO govshare_download_count (resource_id, day, package_id, count)"
                " SELECT r.id, :d, p.id, :k FROM package p JOIN resource r"
                " ON r.package_id = p.id AND r.state = 'active' WHERE p.name = :n"
                " ORDER BY r.position LIMIT 1"),
                {"d": datetime.date(2026, 1, 1), "k": downloads, "n": name})
    model.Session.commit()
    # CKAN's session does not expire what it holds on commit: the datasets it
    # still holds from their creation would be indexed with their old dates
    model.Session.remove()


# ---------------------------------------------------------------- asking
def _ask(query: diff.Query, users: dict[str, str]) -> diff.Answer:
    context = {"user": users[query.user], "ignore_auth": False}
    try:
        return diff.Answer.of(helpers.call_action("package_search", context=context,
                                                  **query.data))
    except (ckan_search.SearchError, tk.ValidationError) as error:
        return diff.Answer.failed(error)


def _total(users: dict[str, str]) -> int:
    return helpers.call_action("package_search", context={"user": users[diff.SYSADMIN]},
                               include_private=True, rows=0)["count"]


@pytest.fixture(scope="module")
def run(request) -> Run:
    solr_url = solr_url_or_skip()
    request.getfixturevalue("module_db")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with _site(SITE_ID):
        with engine("postgres", solr_url), _without_automatic_indexing():
            users = _build_catalog()
        seconds["catalog"] = time.perf_counter() - started
        queries = diff.queries(CATALOG)
        answers: dict[str, list[diff.Answer]] = {}
        totals = {}
        for name in ("postgres", "solr"):
            with engine(name, solr_url):
                begun = time.perf_counter()
                count = index_everything()
                seconds[f"index {name}"] = time.perf_counter() - begun
                totals[name] = _total(users)
                begun = time.perf_counter()
                answers[name] = [_ask(query, users) for query in queries]
                seconds[f"queries {name}"] = time.perf_counter() - begun
        with engine("postgres", solr_url), postings_always():
            begun = time.perf_counter()
            answers["postings"] = [_ask(query, users) for query in queries]
            seconds["queries postings"] = time.perf_counter() - begun
        with engine("solr", solr_url):
            ckan_search.clear_all()  # leave the core as found
    seconds["total"] = time.perf_counter() - started
    return Run(queries, answers["postgres"], answers["solr"], answers["postings"], count,
               totals, tk.config.get("ckan.search.default_package_sort"), seconds)


# ---------------------------------------------------------------- comparing
def _deliberate(difference: diff.Difference) -> Deliberate | None:
    for entry in DELIBERATE:
        if difference.aspect in entry.aspects and entry.applies(difference.query):
            return entry
    return None


def _all_differences(run: Run) -> list[diff.Difference]:
    found = []
    for query, embedded, solr in run.pairs():
        found.extend(diff.differences(query, embedded, solr, run.default_sort))
    return found


def _table(differences: list[diff.Difference], limit: int = 40) -> str:
    shown = "\n".join(str(d) for d in differences[:limit])
    more = f"\n… and {len(differences) - limit} more" if len(differences) > limit else ""
    return f"{len(differences)} differences:\n{shown}{more}"


def _unexplained(run: Run, aspect: str) -> list[diff.Difference]:
    return [d for d in _all_differences(run) if d.aspect == aspect and not _deliberate(d)]


def test_both_engines_hold_the_whole_catalog(run):
    assert run.datasets == len(CATALOG["datasets"]) + diff.GENERATED
    assert run.totals == {"postgres": run.datasets, "solr": run.datasets}


def test_the_questions_are_many_and_of_every_kind(run):
    assert len(run.queries) >= diff.MIN_QUERIES
    kinds = {kind: sum(q.kind == kind for q in run.queries) for kind in diff.KINDS}
    assert min(kinds.values()) >= diff.PER_KIND, kinds
    users = {user: sum(q.user == user for q in run.queries) for user in diff.USERS}
    assert min(users.values()) >= len(run.queries) // 5, users
    # they find things: most queries have hits, and some have many
    counts = [a.count for a in run.solr]
    assert sum(c > 0 for c in counts) >= 0.7 * len(counts)
    assert sum(c > 10 for c in counts) >= 0.25 * len(counts)


def test_the_same_queries_fail(run):
    assert not _unexplained(run, "error"), _table(_unexplained(run, "error"))


def test_postings_answer_every_question_as_the_sql_does(run):
    """Every question, again with counts and facets from posting bitmaps:
    the same answer, exactly (not merely within the deliberate differences)."""
    different = [(query, sql, by_postings)
                 for query, sql, by_postings in zip(run.queries, run.embedded, run.postings)
                 if by_postings != sql]
    assert not different, different[:5]


def test_hit_counts_are_equal(run):
    assert not _unexplained(run, "count"), _table(_unexplained(run, "count"))


def test_facet_counts_are_equal(run):
    assert not _unexplained(run, "facets"), _table(_unexplained(run, "facets"))


def test_orders_sorted_on_fields_are_equal(run):
    assert not _unexplained(run, "order"), _table(_unexplained(run, "order"))


def test_relevance_order_overlaps(run):
    """Ranked by relevance, the first ten results are mostly the same. The
    figure that must reach MIN_OVERLAP is that of the queries where both
    engines must find the same (none of DELIBERATE applies); the others'
    overlap is printed beside it."""
    same, all_ranked = [], []
    for query, embedded, solr in run.pairs():
        if not query.ranked(run.default_sort) or embedded.error:
            continue
        overlap = diff.overlap_at_10(embedded, solr)
        if overlap is None:
            continue
        all_ranked.append(overlap)
        if not any(entry.applies(query) for entry in DELIBERATE):
            same.append(overlap)
    figures = diff.distribution(same)
    print(f"\noverlap@10, {figures['n']} relevance-ordered queries that must find the same:"
          f" {figures}\noverlap@10, all {len(all_ranked)} relevance-ordered queries:"
          f" {diff.distribution(all_ranked)}")
    assert figures["n"] >= 300
    assert figures["mean"] >= MIN_OVERLAP, figures


def test_every_deliberate_difference_is_still_needed(run):
    differences = _all_differences(run)
    used = {entry.name for d in differences if (entry := _deliberate(d))}
    # the figures of docs/solr.md's table of deliberate differences
    for entry in DELIBERATE:
        covered = sum(entry.applies(query) for query in run.queries)
        explained = [d.aspect for d in differences if _deliberate(d) is entry]
        aspects = ", ".join(f"{a} {explained.count(a)}" for a in sorted(set(explained)))
        print(f"\n{entry.name}: {covered} queries, {len(explained)} differences ({aspects})")
    print(f"\n{len(differences)} differences in {len(run.queries)} queries")
    assert used == {entry.name for entry in DELIBERATE}


def test_it_fits_in_its_budget(run):
    print(f"\n{len(run.queries)} queries on {run.datasets} datasets: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in run.seconds.items()))
    assert run.seconds["total"] <= BUDGET_SECONDS, run.seconds
