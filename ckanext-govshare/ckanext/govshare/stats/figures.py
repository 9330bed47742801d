"""The figures of ``/stats`` and of the supervisor's dashboard: a registry.

Each :class:`Figure` names its columns, which of them a chart draws, who may
read it (:data:`PUBLIC` or :data:`SUPERVISORS`) and the function that counts
its rows. The page, the chart, the CSV and JSON downloads and the action
``govshare_stats_show`` all read this one registry, so a new procedure
adds its figures with one :func:`register` call (a provider module of its
own, or nothing at all when it is a kind of the application workflow: the
answer figures are made for every kind of :data:`profile.KINDS`, public for
the kinds in :data:`PUBLIC_KINDS`).

What the public sees is what the public may see:

* datasets by agency and topic, the most downloaded datasets and the
  catalog's timeliness are counted by ``package_search`` **as an anonymous
  visitor**, so closed and unpublished entries are in no row;
* closed entries appear only as one number, the published closed entries
  in the tier figure (their count is public: the catalog lists the tier);
* downloads per month are totals, with no dataset named;
* the answer figures are counts per agency, with no case named.

"On time" is the decision's own ``answered_late`` (applications/report.py):
the on-time rate is answered on time / answered, over the cases answered.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Callable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.applications import kinds, report as answers
from ckanext.govshare.catalog_review import index as catalog_index, updates
from ckanext.govshare.catalog_review import types as entry_types
from ckanext.govshare.jurisdiction import profile
from ckanext.govshare.labelling import popular
from ckanext.govshare.publication import state as publication_state
from ckanext.govshare.stats import cache, catalog
from ckanext.govshare.tiers import policy

PUBLIC = "public"
SUPERVISORS = "supervisors"

#: the procedures whose answers the public's statistics show: the public's
#: own (applications, error reports, data requests); agencies' requests to
#: each other are for the supervisors
PUBLIC_KINDS = (profile.OPEN, "error_report", "data_request")
#: the catalog's own entries, not data products
CATALOG = "+dataset_type:dataset"
#: months of the monthly figures (this one included)
MONTHS = 12
MOST_DOWNLOADED = 10
#: most downloaded datasets asked for, of which the public may see fewer
CANDIDATES = 60


def N_(message: str) -> str:
    """Marks ``message`` for the translation catalog (translated where shown)."""
    return message


@dataclasses.dataclass(frozen=True)
class Column:
    id: str
    title: str  # a msgid
    #: ``text``, ``number``, ``percent`` (0-100, one decimal), ``days`` or a
    #: code the page translates: ``tier``, ``kind``
    kind: str = "number"


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str
    title: str  # a msgid
    columns: tuple[Column, ...]
    count: Callable[[], list[dict[str, Any]]]
    #: ``bar``, ``hbar`` (horizontal: long agency names), ``pie``, ``line``
    chart: str = "bar"
    #: the column of the chart's categories, and the columns it draws
    category: str = ""
    series: tuple[str, ...] = ()
    audience: str = PUBLIC
    note: str = ""  # a msgid: what is counted, said under the table
    #: what the cached rows are counted again after (:data:`cache.STATE`)
    depends: tuple[str, ...] = (cache.CATALOG, cache.CASES)
    #: whether its latest count may be shown while it is counted again
    #: (``stale_for``): not for a figure that names datasets, one of which
    #: may have been closed, made private or deleted since
    stale: bool = True


_registry: dict[str, Figure] = {}
_providers: list[Callable[[], list[Figure]]] = []


def register(figure: Figure) -> None:
    """Add a figure (a later one of the same name replaces it)."""
    _registry[figure.name] = figure


def register_provider(provider: Callable[[], list[Figure]]) -> None:
    """Add figures made when they are asked for (the kinds known then)."""
    _providers.append(provider)


def all_figures() -> dict[str, Figure]:
    figures = dict(_registry)
    for provider in _providers:
        figures.update({figure.name: figure for figure in provider()})
    return figures


def figures_for(audience: str) -> list[Figure]:
    return [f for f in all_figures().values() if f.audience == audience]


def get(name: str) -> Optional[Figure]:
    return all_figures().get(name)


def rows(figure: Figure) -> list[dict[str, Any]]:
    """The figure's rows, from the cache when the state is unchanged (and
    the day: what is overdue, and the months shown, change with it)."""
    today = workdays.local_today().isoformat()
    return cache.cached(figure.name, {"today": today}, lambda: json.loads(json.dumps(
        figure.count(), ensure_ascii=False, default=str)), figure.depends, stale=figure.stale)


def on_time_percent(on_time: int, late: int) -> Optional[float]:
    """Answered on time, as a percentage of those answered (None: none)."""
    answered = on_time + late
    return round(100.0 * on_time / answered, 1) if answered else None


# --------------------------------------------------------------- the catalog
def _public_search(**data: Any) -> dict[str, Any]:
    """``package_search`` as an anonymous visitor, whoever is asking."""
    context = {"user": "", "auth_user_obj": None, "ignore_auth": False}
    return tk.get_action("package_search")(context, {"q": "*:*", "rows": 0, **data})


#: the facets of the public catalog three figures read (tier, agency,
#: topic), asked in one search: the engine counts every facet of the
#: matching documents in one pass whatever is asked, so three searches cost
#: three passes over the catalog and one costs one
CATALOG_FACETS = (policy.TIER_FIELD, "organization", "groups")


def _catalog_search() -> dict[str, Any]:
    """The public catalog's count and :data:`CATALOG_FACETS`, counted again
    when the catalog's shape changes (:data:`.cache.CATALOG_SHAPE`: a
    document added, removed, or changed in what these counts read), not on
    every re-index."""
    def count() -> dict[str, Any]:
        result = _public_search(fq=CATALOG, **{"facet.field": list(CATALOG_FACETS),
                                               "facet.limit": -1})
        return {"count": result["count"], "search_facets": result["search_facets"]}
    return cache.cached("catalog_facets", {}, count, (cache.CATALOG_SHAPE,))


def _facet_items(result: dict[str, Any], field: str) -> list[dict[str, Any]]:
    items = result["search_facets"].get(field, {}).get("items", [])
    return sorted(items, key=lambda i: (-i["count"], i.get("display_name") or i["name"]))


def closed_published_count() -> int:
    """Published, active, public closed entries: the one number said of them."""
    package = model.package_table
    extra = model.package_extra_table
    closed = sa.exists().where(extra.c.package_id == package.c.id,
                               extra.c.key == policy.TIER_FIELD,
                               extra.c.value == policy.CLOSED, extra.c.state == "active")
    return int(model.Session.execute(
        sa.select(sa.func.count()).select_from(package).where(
            package.c.state == "active", package.c.private.is_(False),
            package.c.type == "dataset", closed,
            publication_state.published_clause(package.c.id))).scalar() or 0)


def datasets_by_tier() -> list[dict[str, Any]]:
    result = _catalog_search()
    counts = {i["name"]: i["count"] for i in _facet_items(result, policy.TIER_FIELD)}
    # a dataset without a tier is unconditional (policy.tier_of)
    stated = counts.get(policy.UNCONDITIONAL, 0) + counts.get(policy.CONDITIONAL, 0)
    return [
        {"tier": policy.UNCONDITIONAL,
         "datasets": counts.get(policy.UNCONDITIONAL, 0) + result["count"] - stated},
        {"tier": policy.CONDITIONAL, "datasets": counts.get(policy.CONDITIONAL, 0)},
        {"tier": policy.CLOSED, "datasets": closed_published_count()},
    ]


def _by_facet(field: str, key: str) -> list[dict[str, Any]]:
    result = _catalog_search()
    return [{key: item.get("display_name") or item["name"], f"{key}_name": item["name"],
             "datasets": item["count"]} for item in _facet_items(result, field)]


def datasets_by_agency() -> list[dict[str, Any]]:
    return _by_facet("organization", "organization")


def datasets_by_topic() -> list[dict[str, Any]]:
    return _by_facet("groups", "topic")


def catalog_timeliness() -> list[dict[str, Any]]:
    """Per agency, its public entries updated on time, overdue, without data:
    the overdue and those without data searched, on time the rest of the
    agency's entries (:mod:`.catalog`)."""
    if not entry_types.is_catalog_entry("dataset"):
        return _timeliness_searched()  # the public entries carry no status
    agencies = _facet_items(_catalog_search(), "organization")
    names = {item["name"]: item.get("display_name") or item["name"] for item in agencies}

    def count(status: str) -> dict[str, int]:
        result = _public_search(fq=f'{CATALOG} +{catalog_index.STATUS_FIELD}:"{status}"',
                                **{"facet.field": ["organization"], "facet.limit": -1})
        return {i["name"]: i["count"] for i in _facet_items(result, "organization")}

    per_org = catalog.by_status({item["name"]: item["count"] for item in agencies}, count)
    return _timeliness_rows({name: {"organization": names[name], "organization_name": name,
                                    **counted} for name, counted in per_org.items()})


def _timeliness_searched() -> list[dict[str, Any]]:
    """:func:`catalog_timeliness`, one search per status."""
    per_org: dict[str, dict[str, Any]] = {}
    for status in updates.STATUSES:
        result = _public_search(fq=f'{CATALOG} +{catalog_index.STATUS_FIELD}:"{status}"',
                                **{"facet.field": ["organization"], "facet.limit": -1})
        for item in _facet_items(result, "organization"):
            row = per_org.setdefault(item["name"], {
                "organization": item.get("display_name") or item["name"],
                "organization_name": item["name"], **dict.fromkeys(updates.STATUSES, 0)})
            row[status] = item["count"]
    return _timeliness_rows(per_org)


def _timeliness_rows(per_org: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows_ = sorted(per_org.values(), key=lambda r: (r["organization"], r["organization_name"]))
    for row in rows_:
        row["on_time_percent"] = on_time_percent(row[updates.ON_TIME], row[updates.OVERDUE])
    return rows_


# ----------------------------------------------------------------- downloads
def month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``months`` months, this one last."""
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return starts[::-1]


#: receipts counted per month, each month a range of the index on
#: ``obtained_at`` (index-only); the bounds are the months' starts in China,
#: as naive UTC instants
_RECEIPTS_BY_MONTH = sa.text("""
    SELECT b.i, (SELECT count(*) FROM govshare_download_receipt
                 WHERE obtained_at >= b.lo AND obtained_at < b.hi) AS n
    FROM unnest(:los, :his) WITH ORDINALITY AS b(lo, hi, i)""").bindparams(
    sa.bindparam("los", type_=sa.ARRAY(sa.DateTime)),
    sa.bindparam("his", type_=sa.ARRAY(sa.DateTime)))
_COUNTS_BY_MONTH = sa.text("""
    SELECT to_char(day, 'YYYY-MM') AS month, sum(count) AS n
    FROM govshare_download_count WHERE day >= :since AND day < :until GROUP BY 1""")
#: how long the downloads of months that have ended are kept: they do not
#: change (receipts and day counts are only ever added, for today)
ENDED_MONTHS_TTL = 7 * 24 * 3600


def _downloads_in(starts: list[dt.date], until: dt.date) -> dict[str, int]:
    """Downloads in each month from each of ``starts`` (the last one up to
    ``until``), by month ``YYYY-MM``."""
    ends = [*starts[1:], until]
    counted = {start.strftime("%Y-%m"): 0 for start in starts}
    months = list(counted)
    for i, n in model.Session.execute(_RECEIPTS_BY_MONTH, {
            "los": [answers.local_midnight_utc(d) for d in starts],
            "his": [answers.local_midnight_utc(d) for d in ends]}):
        counted[months[int(i) - 1]] += int(n)
    for month, n in model.Session.execute(_COUNTS_BY_MONTH, {"since": starts[0],
                                                             "until": until}):
        if month in counted:
            counted[month] += int(n)
    return counted


def downloads_by_month() -> list[dict[str, Any]]:
    """Downloads (logged-in receipts and anonymous counts) per month, China
    time: the months that have ended from their own cache entry, kept for
    :data:`ENDED_MONTHS_TTL`, this month counted."""
    starts = month_starts(workdays.local_today())
    ended = starts[:-1]
    counted = cache.cached(
        "downloads_ended_months", {"from": ended[0].isoformat(), "to": ended[-1].isoformat()},
        lambda: _downloads_in(ended, starts[-1]), depends=(), ttl=ENDED_MONTHS_TTL)
    this_month = starts[-1]
    next_month = (this_month + dt.timedelta(days=31)).replace(day=1)
    counted = {**counted, **_downloads_in([this_month], next_month)}
    return [{"month": month, "downloads": counted[month]}
            for month in (start.strftime("%Y-%m") for start in starts)]


def most_downloaded() -> list[dict[str, Any]]:
    """The most downloaded datasets the public may see, with their counts."""
    # the ranking reads every receipt: counted again when the TTL ends, not
    # when the catalog changes (which only changes what may be shown)
    ranked = cache.cached("download_ranking", {"today": workdays.local_today().isoformat()},
                          lambda: popular.most_downloaded(CANDIDATES), depends=())
    if not ranked:
        return []
    ids = " OR ".join(f'"{package_id}"' for package_id, _count in ranked)
    found = {pkg["id"]: pkg for pkg in _public_search(
        fq=f"{CATALOG} +id:({ids})", rows=len(ranked))["results"]}
    shown = []
    for package_id, count in ranked:
        pkg = found.get(package_id)
        if pkg is None:
            continue
        organization = pkg.get("organization") or {}
        shown.append({"dataset": pkg.get("title") or pkg["name"], "dataset_name": pkg["name"],
                      "organization": (organization.get("title") or organization.get("name")
                                       if isinstance(organization, dict) else organization),
                      "downloads": count})
    return shown[:MOST_DOWNLOADED]


def download_total(package_id: str) -> int:
    """How often a dataset's files were downloaded (receipts and anonymous counts)."""
    from ckanext.govshare.stats import downloads

    return downloads.download_total(package_id)


# ------------------------------------------------------------------- answers
def answers_by_agency(procedure: "Procedure") -> list[dict[str, Any]]:
    """Per agency, the cases of ``procedure`` received, answered, approved,
    rejected, answered on time (%) and the median working days to answer
    (:mod:`ckanext.govshare.applications.report`), and all agencies last."""
    result = procedure.report()
    rows_ = []
    lines = [(row, False) for row in result["organizations"]] + [(result["total"], True)]
    for row, total in lines:
        answered = row["answered_on_time"] + row["answered_late"]
        rows_.append({
            "organization": None if total else row.get("organization_title"),
            "organization_name": None if total else row.get("organization_name"),
            "total": total,
            "received": row["received"], "answered": answered,
            "approved": row.get("approved"), "rejected": row.get("rejected"),
            "answered_on_time": row["answered_on_time"],
            "on_time_percent": on_time_percent(row["answered_on_time"], row["answered_late"]),
            "overdue": row["overdue"],
            "median_answer_working_days": row.get("median_answer_working_days"),
        })
    return rows_


def kind_title(kind: str) -> str:
    """The kind's name for a figure's title (translated where shown)."""
    procedure = next((p for p in procedures() if p.name == kind), None)
    return procedure.title if procedure else kinds.LABELS.get(kind, kind)


@dataclasses.dataclass(frozen=True)
class Procedure:
    """A procedure with a deadline whose answers are counted per agency."""

    name: str
    title: str  # a msgid
    #: ``applications.report.report``'s result for it (``organizations``, ``total``)
    report: Callable[[], dict[str, Any]]
    public: bool
    decisions: bool = False  # approved / rejected are counted
    median: bool = True      # the median working days to answer is known
    #: cases waiting for an answer past their due date (the dashboard's list)
    overdue: Optional[Callable[[dt.date], list[dict[str, Any]]]] = None
    #: what its answers are counted again after (:data:`cache.STATE`): an
    #: error report answered does not count the data requests again
    depends: tuple[str, ...] = (cache.APPLICATIONS,)


_procedures: list[Procedure] = []


def kind_report(kind: str) -> dict[str, Any]:
    """``applications.report.report(kind=kind)``. Every kind is counted in
    one pass (``reports_by_kind``), cached as a figure of the cases: the
    public's answer figures, the supervisors' and the scorecard read the
    same counts, once per change."""
    today = workdays.local_today()
    counted = cache.cached("answers_by_kind", {"today": today.isoformat()},
                           lambda: answers.reports_by_kind(today), (cache.APPLICATIONS,))
    return counted.get(kind) or answers.empty_report(today)


def register_procedure(procedure: Procedure) -> None:
    """Add a procedure that is not a kind of the application workflow."""
    _procedures[:] = [p for p in _procedures if p.name != procedure.name] + [procedure]


def procedures() -> list[Procedure]:
    """Every kind of the application workflow (the kinds known now), then
    the procedures registered."""
    return [Procedure(name=kind, title=kinds.LABELS.get(kind, kind),
                      report=lambda kind=kind: kind_report(kind),
                      public=kind in PUBLIC_KINDS, decisions=kind in kinds.ACCESS_KINDS)
            for kind in profile.KINDS] + list(_procedures)


def _answer_columns(procedure: Procedure) -> tuple[Column, ...]:
    decisions = (Column("approved", N_("Approved")), Column("rejected", N_("Rejected"))) \
        if procedure.decisions else ()
    median = (Column("median_answer_working_days", N_("Median working days to answer"),
                     "days"),) if procedure.median else ()
    return (Column("organization", N_("Agency"), "text"),
            Column("received", N_("Received")),
            Column("answered", N_("Answered")),
            *decisions,
            Column("on_time_percent", N_("Answered on time (%)"), "percent"),
            *median)


def answer_figures() -> list[Figure]:
    """One figure per procedure (:func:`procedures`)."""
    return [Figure(
        name=f"answers_{procedure.name}", title=procedure.title,
        columns=_answer_columns(procedure),
        count=lambda procedure=procedure: answers_by_agency(procedure), chart="hbar",
        category="organization", series=("on_time_percent",),
        audience=PUBLIC if procedure.public else SUPERVISORS, depends=procedure.depends,
        note=N_("Cases received, by agency. On time: answered within the period the "
                "rules give, counted in working days; the rate is of the cases answered."),
    ) for procedure in procedures()]


register(Figure(
    name="datasets_by_tier", title=N_("Datasets by openness tier"),
    columns=(Column("tier", N_("Openness tier"), "tier"), Column("datasets", N_("Datasets"))),
    count=datasets_by_tier, chart="pie", category="tier", series=("datasets",),
    depends=(cache.CATALOG_SHAPE,),
    note=N_("Closed entries are counted, never listed.")))
register(Figure(
    name="datasets_by_agency", title=N_("Datasets by agency"),
    columns=(Column("organization", N_("Agency"), "text"), Column("datasets", N_("Datasets"))),
    count=datasets_by_agency, chart="hbar", category="organization", series=("datasets",),
    depends=(cache.CATALOG_SHAPE,),
    note=N_("Open and conditionally open datasets.")))
register(Figure(
    name="datasets_by_topic", title=N_("Datasets by topic"),
    columns=(Column("topic", N_("Topic"), "text"), Column("datasets", N_("Datasets"))),
    count=datasets_by_topic, chart="hbar", category="topic", series=("datasets",),
    depends=(cache.CATALOG_SHAPE,),
    note=N_("Open and conditionally open datasets.")))
register(Figure(
    name="downloads_by_month", title=N_("Downloads per month"),
    columns=(Column("month", N_("Month"), "text"), Column("downloads", N_("Downloads"))),
    count=downloads_by_month, chart="line", category="month", series=("downloads",),
    depends=(),
    note=N_("Every download of a file, by signed-in users and anonymous visitors.")))
register(Figure(
    name="most_downloaded", title=N_("Most downloaded datasets"),
    columns=(Column("dataset", N_("Dataset"), "text"),
             Column("organization", N_("Agency"), "text"),
             Column("downloads", N_("Downloads"))),
    count=most_downloaded, chart="hbar", category="dataset", series=("downloads",),
    depends=(cache.CATALOG,), stale=False))
register_provider(answer_figures)
register(Figure(
    name="catalog_timeliness", title=N_("Catalog timeliness"),
    columns=(Column("organization", N_("Agency"), "text"),
             Column(updates.ON_TIME, N_("Updated on time")),
             Column(updates.OVERDUE, N_("Update overdue")),
             Column(updates.NOT_ATTACHED, N_("No data attached")),
             Column("on_time_percent", N_("Updated on time (%)"), "percent")),
    count=catalog_timeliness, chart="hbar", category="organization",
    series=("on_time_percent",), depends=(cache.CATALOG,),
    note=N_("Open and conditionally open datasets, against the update frequency "
            "each declares.")))
