"""Catalog maintenance: change events, reviews, and what needs review.

The rules require a catalog entry to be updated within 15 working days after
its legal basis, the agency's duties or its system change, and every entry to
be reviewed at least once a year. The rule itself lives in
:mod:`ckanext.govshare.catalog_review.review`; these actions record, answer
and list.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import workdays
from ckanext.govshare.logic import validate as _validate
from ckanext.govshare.catalog_review import review, updates
from ckanext.govshare.catalog_review import types as entry_types
from ckanext.govshare.catalog_review import tick as catalog_tick
from ckanext.govshare.catalog_review.logic import schema
from ckanext.govshare.catalog_review.model import CatalogChange

_SEARCH_PAGE = 1000


def _catalog_entry(package_id: str, field: str) -> model.Package:
    """The dataset, if it is a catalog entry (a type in
    ``ckanext.govshare.catalog_review.dataset_types``)."""
    package = model.Package.get(package_id)
    assert package is not None
    if not entry_types.is_catalog_entry(package.type):
        raise tk.ValidationError({field: [tk._("Not a catalog entry: only datasets of "
                                               "the catalog are reviewed")]})
    return package


def _user_id(context: Context) -> str:
    user = model.User.get(context.get("user") or "")
    if user is None:
        # ignore_auth callers without a user act as the site user
        user = model.User.get(tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"])
    assert user is not None
    return user.id


def govshare_catalog_change_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record a change to a dataset's legal basis, the agency's duties or its
    system (or another change). The catalog entry must then be updated within
    ``ckanext.govshare.catalog_review.change_working_days`` (15) working days
    of the day the change occurred: by an editor's update of the dataset or
    by marking it reviewed.

    Editors and admins of the dataset's organization, and sysadmins.

    :param package_id: the id or name of the dataset
    :type package_id: string
    :param kind: what changed: ``legal_basis``, ``duties``, ``system`` or
        ``other``
    :type kind: string
    :param description: what changed and where it is published
    :type description: string
    :param occurred_on: the day the change took effect (ISO date, not after
        today; default today): the working days count from it
    :type occurred_on: string

    :returns: the change event, with its ``due`` date (ISO) and whether that
        date is ``provisional``
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_change_create", context, data_dict)
    data = _validate(data_dict, schema.catalog_change_create_schema(), context)
    _catalog_entry(data["package_id"], "package_id")
    now = dt.datetime.utcnow()
    change = CatalogChange(package_id=data["package_id"], kind=data["kind"],
                           description=data["description"],
                           recorded_by=_user_id(context), recorded_at=now,
                           occurred_on=data.get("occurred_on") or workdays.local_date(now))
    model.Session.add(change)
    if not context.get("defer_commit"):
        model.repo.commit()
    else:
        model.Session.flush()
    return review.change_dict(change)


@tk.side_effect_free
def govshare_catalog_change_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The change events of a dataset, or of every dataset of an organization,
    newest first.

    Members of the organization, and sysadmins.

    :param package_id: the id or name of a dataset (this or
        ``organization_id``)
    :type package_id: string
    :param organization_id: the id or name of an organization
    :type organization_id: string
    :param status: ``open``, ``answered`` or ``all`` (default)
    :type status: string
    :param limit: at most this many (default 100)
    :type limit: int
    :param offset: skip this many (default 0)
    :type offset: int

    :returns: change events, each with ``due``, ``provisional``, ``overdue``
        and, while open, ``working_days`` waited so far
    :rtype: list of dictionaries
    """
    tk.check_access("govshare_catalog_change_list", context, data_dict)
    data = _validate(data_dict, schema.catalog_change_list_schema(), context)
    if not data.get("package_id") and not data.get("organization_id"):
        message = tk._("Give a dataset or an organization")
        raise tk.ValidationError({"package_id": [message], "organization_id": [message]})
    q = CatalogChange.query()
    if data.get("package_id"):
        q = q.filter(CatalogChange.package_id == data["package_id"])
    else:
        owned = model.Session.query(model.Package.id).filter(
            model.Package.owner_org == data["organization_id"],
            model.Package.state != "deleted")
        q = q.filter(CatalogChange.package_id.in_(owned.scalar_subquery()))
    if data["status"] == "open":
        q = q.filter(CatalogChange.answered_at.is_(None))
    elif data["status"] == "answered":
        q = q.filter(CatalogChange.answered_at.isnot(None))
    q = q.order_by(CatalogChange.recorded_at.desc(), CatalogChange.id)
    today = workdays.local_today()
    return [review.change_dict(change, today)
            for change in q.offset(data["offset"]).limit(data["limit"])]


def govshare_catalog_review_mark(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Mark a catalog entry reviewed today: sets the dataset's
    ``last_reviewed`` to today's date (in China) and answers its open change
    events, in one transaction. Fails, changing nothing, if the dataset does
    not validate (fix it first).

    Editors and admins of the dataset's organization, and sysadmins.

    :param id: the id or name of the dataset
    :type id: string

    :returns: ``package_id``, ``last_reviewed`` (ISO date) and ``answered``
        (the number of change events answered)
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_review_mark", context, data_dict)
    data = _validate(data_dict, schema.catalog_review_mark_schema(), context)
    package_id = _catalog_entry(data["id"], "id").id
    today = workdays.local_today()
    open_before = len(CatalogChange.for_packages([package_id], open_only=True))

    patch_context = dict(context, defer_commit=True)
    patch_context.pop("schema", None)
    try:
        tk.get_action("package_patch")(
            patch_context, {"id": package_id, "last_reviewed": today.isoformat()})
        # the update itself answers the open changes when an editor made it
        # (subscriptions); answer what is left for any other caller
        CatalogChange.answer_open(package_id, _user_id(context))
        if not context.get("defer_commit"):
            model.repo.commit()
    except Exception:
        model.Session.rollback()
        raise
    return {"package_id": package_id, "last_reviewed": today.isoformat(),
            "answered": open_before}


def _organization_datasets(context: Context, org_id: str) -> list[dict[str, Any]]:
    type_fq = entry_types.dataset_type_fq()
    if type_fq is None:
        return []
    fq = f'+owner_org:"{org_id}" {type_fq}'
    datasets: list[dict[str, Any]] = []
    start = 0
    while True:
        result = tk.get_action("package_search")(
            {"user": context.get("user"), "ignore_auth": context.get("ignore_auth", False)},
            {"fq": fq, "include_private": True, "rows": _SEARCH_PAGE, "start": start,
             "sort": "name asc"})
        datasets.extend(result["results"])
        start += _SEARCH_PAGE
        if start >= result["count"] or not result["results"]:
            return datasets


@tk.side_effect_free
def govshare_catalog_review_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The catalog entries of an organization that need review today: not
    reviewed for over a year (or never, and catalogued over a year ago), or
    with a change recorded and unanswered after
    ``ckanext.govshare.catalog_review.change_working_days`` (15) working days.

    Editors and admins of the organization, and sysadmins.

    :param id: the id or name of the organization
    :type id: string
    :param include_pending: also list entries with open changes that are not
        overdue yet (default ``false``)
    :type include_pending: bool

    :returns: ``organization`` (id, name, title), ``today`` (ISO date in
        China), ``checked`` (entries checked), ``count`` and ``results``: one
        dict per entry (``id``, ``name``, ``title``, ``private``,
        ``last_reviewed``, ``needs_review``, ``due``: the earliest due date,
        ``provisional``, ``reasons``: each with ``reason`` (``annual`` or
        ``change``), ``due``, ``overdue``, ``provisional`` and a translated
        ``message``), entries needing review first, the longest overdue first
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_review_list", context, data_dict)
    data = _validate(data_dict, schema.catalog_review_list_schema(), context)
    org = model.Group.get(data["id"])
    assert org is not None
    today = workdays.local_today()
    datasets = _organization_datasets(context, org.id)
    open_changes: dict[str, list[CatalogChange]] = {}
    for change in CatalogChange.for_packages([d["id"] for d in datasets], open_only=True):
        open_changes.setdefault(change.package_id, []).append(change)

    results = []
    for pkg in datasets:
        reasons = review.review_reasons(pkg, open_changes.get(pkg["id"], []), today,
                                        include_pending=data["include_pending"])
        if not reasons:
            continue
        reviewed = review.last_reviewed(pkg)
        needs_review = any(r["overdue"] for r in reasons)
        dues = [r["due"] for r in reasons if r["overdue"] == needs_review]
        results.append({
            "id": pkg["id"], "name": pkg["name"], "title": pkg.get("title") or pkg["name"],
            "private": pkg.get("private", False),
            "last_reviewed": reviewed.isoformat() if reviewed else None,
            "needs_review": needs_review,
            "due": min(dues),
            "provisional": any(r["provisional"] for r in reasons),
            "reasons": reasons,
        })
    results.sort(key=lambda r: (not r["needs_review"], r["due"], r["name"]))
    return {
        "organization": {"id": org.id, "name": org.name, "title": org.title or org.name},
        "today": today.isoformat(),
        "checked": len(datasets),
        "count": sum(1 for r in results if r["needs_review"]),
        "results": results,
    }


# ------------------------------------------------------------ update deadlines
def _update_entry(pkg: dict[str, Any], today: dt.date) -> dict[str, Any]:
    state = updates.update_state(pkg, today)
    overdue_days = (int(workdays.workdays_between(state.due, today))
                    if state.status == updates.OVERDUE and state.due else 0)
    return {
        "id": pkg["id"], "name": pkg["name"], "title": pkg.get("title") or pkg["name"],
        "owner_org": pkg.get("owner_org"),
        "update_frequency": pkg.get("update_frequency"),
        "maintainer_email": pkg.get("maintainer_email"),
        **state.dictize(),
        "working_days_overdue": overdue_days,
    }


@tk.side_effect_free
def govshare_catalog_update_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Whether a catalog entry's data is updated on time: when it was last
    updated (the newest resource's last modification), when the next update
    is due (from its ``update_frequency``, on the working-day calendar) and
    its status: ``on_time``, ``overdue`` or ``not_attached`` (no resource).

    Members of the dataset's organization, and sysadmins.

    :param id: the id or name of the dataset
    :type id: string

    :returns: ``id``, ``name``, ``title``, ``update_frequency``,
        ``last_updated``, ``update_due`` (ISO dates or null),
        ``update_due_provisional``, ``update_status``,
        ``update_status_label`` and ``working_days_overdue``
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_update_show", context, data_dict)
    data = _validate(data_dict, schema.catalog_update_show_schema(), context)
    _catalog_entry(data["id"], "id")
    pkg = tk.get_action("package_show")(
        {"user": context.get("user"), "ignore_auth": True}, {"id": data["id"]})
    return _update_entry(pkg, workdays.local_today())


@tk.side_effect_free
def govshare_catalog_update_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The catalog entries of an organization with their update deadlines:
    overdue first (the longest overdue first), then those without data
    attached, then the rest by due date.

    Editors and admins of the organization, and sysadmins.

    :param id: the id or name of the organization
    :type id: string
    :param status: only entries of this status: ``on_time``, ``overdue`` or
        ``not_attached`` (default: all)
    :type status: string

    :returns: ``organization`` (id, name, title), ``today`` (ISO date in
        China), ``counts`` (entries per status), and ``results``: one dict
        per entry as :func:`govshare_catalog_update_show` returns it
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_update_list", context, data_dict)
    data = _validate(data_dict, schema.catalog_update_list_schema(), context)
    org = model.Group.get(data["id"])
    assert org is not None
    today = workdays.local_today()
    entries = [_update_entry(pkg, today) for pkg in _organization_datasets(context, org.id)]
    counts = dict.fromkeys(updates.STATUSES, 0)
    for entry in entries:
        counts[entry["update_status"]] += 1
    order = {status: i for i, status in enumerate(updates.STATUSES)}
    rank = {updates.OVERDUE: 0, updates.NOT_ATTACHED: 1, updates.ON_TIME: 2}
    entries.sort(key=lambda e: (rank[e["update_status"]], e["update_due"] or "9999",
                                order[e["update_status"]], e["name"]))
    if data.get("status"):
        entries = [e for e in entries if e["update_status"] == data["status"]]
    return {
        "organization": {"id": org.id, "name": org.name, "title": org.title or org.name},
        "today": today.isoformat(),
        "counts": counts,
        "results": entries,
    }


@tk.side_effect_free
def govshare_catalog_update_counts(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The supervision figures of update deadlines: how many catalog entries
    of each organization are updated on time, overdue or without data
    attached, as the search index has them (re-indexed daily by the tick).

    Sysadmins (the supervising authority).

    :returns: ``organizations``: one row per organization with catalog
        entries (``organization_id``, ``organization_name``,
        ``organization_title``, ``on_time``, ``overdue``, ``not_attached``,
        ``total``), by title; ``total``: the same figures for all of them
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_update_counts", context, data_dict)
    # counted once, for this action and the statistics (stats/catalog.py:
    # on time is the entries less the two rarer statuses)
    from ckanext.govshare.stats import catalog as catalog_counts

    return catalog_counts.update_counts()


def govshare_catalog_tick(context: Context, data_dict: DataDict) -> dict[str, int]:
    """The catalog's clock (cron): index again the entries whose update has
    become overdue since they were indexed, so that the ``update_status``
    facet and the supervision figures stay true; remind each entry's contact
    ``ckanext.govshare.catalog_review.update_reminder_working_days`` (3)
    working days before its update is due and tell the organization's admins
    once it is overdue, once per due date, by mail through CKAN's worker;
    queue again the mails that could not be sent. Idempotent.

    Sysadmins only.

    :returns: ``reindexed``, ``reminders`` and ``overdue`` (notices written),
        ``requeued`` (unsent notices queued again)
    :rtype: dictionary
    """
    tk.check_access("govshare_catalog_tick", context, data_dict)
    return catalog_tick.tick()


def get_actions() -> dict[str, Any]:
    return {
        "govshare_catalog_change_create": govshare_catalog_change_create,
        "govshare_catalog_change_list": govshare_catalog_change_list,
        "govshare_catalog_review_mark": govshare_catalog_review_mark,
        "govshare_catalog_review_list": govshare_catalog_review_list,
        "govshare_catalog_update_show": govshare_catalog_update_show,
        "govshare_catalog_update_list": govshare_catalog_update_list,
        "govshare_catalog_update_counts": govshare_catalog_update_counts,
        "govshare_catalog_tick": govshare_catalog_tick,
    }
