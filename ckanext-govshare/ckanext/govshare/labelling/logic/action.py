"""Labels and download receipts."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare import workdays
from ckanext.govshare.logic import context_user, validate as _validate
from ckanext.govshare.labelling import label as labels
from ckanext.govshare.labelling import receipts
from ckanext.govshare.labelling.logic import schema
from ckanext.govshare.labelling.model import DownloadReceipt
from ckanext.govshare.tiers import policy


def _first_published(pkg: dict[str, Any]) -> Optional[dt.date]:
    for key in ("release_date", "metadata_created"):
        value = pkg.get(key)
        if value:
            try:
                return dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


@tk.side_effect_free
def govshare_label_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The source-and-date label of a dataset or one of its resources, for a
    data product to carry (数据来源 … 获取日期 …).

    Anyone who may see the dataset (404/403 otherwise).

    :param package_id: the dataset's id or name (this or ``resource_id``)
    :type package_id: string
    :param resource_id: a resource's id
    :type resource_id: string
    :param obtained_date: the date the data was obtained (``YYYY-MM-DD``;
        default: the caller's latest download receipt, else today)
    :type obtained_date: string

    :returns: ``text`` (Chinese), ``text_en``, ``facts`` (agency, agency
        credit code, dataset title, identifier, resource name, portal URL,
        obtained date, dataset version and modified time) and ``receipt``
        (the receipt the date comes from, if any)
    :rtype: dictionary
    """
    tk.check_access("govshare_label_show", context, data_dict)
    data = _validate(data_dict, schema.label_show_schema(), context)
    resource_dict: Optional[dict[str, Any]] = None
    if data.get("resource_id"):
        resource_dict = tk.get_action("resource_show")(dict(context),
                                                       {"id": data["resource_id"]})
        package_ref = resource_dict["package_id"]
    elif data.get("package_id"):
        package_ref = data["package_id"]
    else:
        message = tk._("Give a dataset or a resource")
        raise tk.ValidationError({"package_id": [message], "resource_id": [message]})
    pkg = tk.get_action("package_show")(dict(context), {"id": package_ref})
    org = labels.agency(pkg.get("owner_org"), pkg.get("organization"))
    today = workdays.local_today()
    obtained: Optional[dt.date] = data.get("obtained_date")
    receipt = None
    user = context_user(context)
    if obtained is None and user is not None:
        receipt = receipts.latest(user.id, pkg["id"],
                                  resource_dict["id"] if resource_dict else None)
        if receipt:
            obtained = dt.date.fromisoformat(receipt["obtained_date"])
    obtained = obtained or today
    if obtained > today:
        raise tk.ValidationError({"obtained_date": [tk._("Cannot be in the future")]})
    first = _first_published(pkg)
    if first and obtained < first:
        raise tk.ValidationError({"obtained_date": [tk._(
            "Cannot be before the dataset was first published ({date})").format(
                date=first.isoformat())]})
    result = labels.label(pkg, org, resource_dict, obtained)
    result["receipt"] = receipt
    return result


@tk.side_effect_free
def govshare_download_receipt_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Download receipts, newest first: the caller's own ("My downloads");
    sysadmins may name another ``user``.

    :param user: a user's id or name (sysadmins only)
    :type user: string
    :param package_id: only receipts for this dataset
    :type package_id: string
    :param limit: at most this many (default 50)
    :type limit: int
    :param offset: skip this many
    :type offset: int
    :param include_labels: add each receipt's ``label`` (``text``,
        ``text_en``, ``facts``: the version and date obtained), or None where
        the caller may no longer see the dataset (default false)
    :type include_labels: bool

    :returns: ``count`` and ``results`` (dataset, resource, the versions
        obtained, ``obtained_at``, ``obtained_date``, ``channel``)
    :rtype: dictionary
    """
    tk.check_access("govshare_download_receipt_list", context, data_dict)
    data = _validate(data_dict, schema.receipt_list_schema(), context)
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to see your downloads"))
    subject = user
    if data.get("user"):
        subject = model.User.get(data["user"])
        if subject is None:
            raise tk.ObjectNotFound(tk._("User not found"))
    query = model.Session.query(DownloadReceipt).filter(DownloadReceipt.user_id == subject.id)
    if data.get("package_id"):
        package = model.Package.get(data["package_id"])
        query = query.filter(DownloadReceipt.package_id == (package.id if package else None))
    count = query.count()
    rows = query.order_by(DownloadReceipt.obtained_at.desc(), DownloadReceipt.id.desc()) \
        .offset(data["offset"]).limit(data["limit"]).all()
    results = [receipts.receipt_dict(r) for r in rows]
    _add_titles(results, policy.Caller.from_context(context) if data["include_labels"]
                else None)
    return {"count": count, "results": results}


def _add_titles(results: list[dict[str, Any]], labels_for: Optional[policy.Caller]) -> None:
    """Names of the datasets and resources, and with ``labels_for`` the label
    of each receipt that caller may still see: a few queries for the whole
    page, whatever its length."""
    if not results:
        return
    package_ids = {r["package_id"] for r in results}
    packages = {p.id: p for p in model.Session.query(model.Package).filter(
        model.Package.id.in_(package_ids))}
    resources = {r.id: r for r in model.Session.query(model.Resource).filter(
        model.Resource.id.in_({r["resource_id"] for r in results}))}
    for result in results:
        pkg = packages.get(result["package_id"])
        res = resources.get(result["resource_id"])
        result["package_name"] = pkg.name if pkg else None
        result["package_title"] = pkg.title if pkg else None
        result["resource_name"] = res.name if res else None
    if labels_for is None:
        return
    facts = policy.facts_for_ids(packages)
    codes = dict(model.Session.execute(
        sa.select(model.package_extra_table.c.package_id, model.package_extra_table.c.value)
        .where(model.package_extra_table.c.package_id.in_(packages),
               model.package_extra_table.c.key == "resource_code",
               model.package_extra_table.c.state == "active")).all())
    orgs = _organizations({p.owner_org for p in packages.values() if p.owner_org})
    for result in results:
        result["label"] = None
        pkg = packages.get(result["package_id"])
        if pkg is None or pkg.state != "active" or result["package_id"] not in facts or \
                not policy.can_see(labels_for, facts[result["package_id"]]):
            continue
        res = resources.get(result["resource_id"])
        pkg_dict = {"id": pkg.id, "name": pkg.name, "title": pkg.title,
                    "version": pkg.version,
                    "metadata_modified": result["metadata_modified"] or pkg.metadata_modified,
                    "resource_code": codes.get(pkg.id)}
        res_dict = None
        if res is not None and res.state == "active":
            res_dict = {"id": res.id, "name": res.name,
                        "last_modified": result["resource_modified"] or res.last_modified,
                        "metadata_modified": res.metadata_modified}
        result["label"] = labels.label(pkg_dict, orgs.get(pkg.owner_org), res_dict,
                                       dt.date.fromisoformat(result["obtained_date"]))


def _organizations(ids: set[str]) -> dict[str, dict[str, Any]]:
    """name, title and extras (credit code, English name) of organizations."""
    if not ids:
        return {}
    group, extra = model.group_table, model.group_extra_table
    orgs = {r.id: {"name": r.name, "title": r.title} for r in model.Session.execute(
        sa.select(group.c.id, group.c.name, group.c.title).where(group.c.id.in_(ids)))}
    for row in model.Session.execute(
            sa.select(extra.c.group_id, extra.c.key, extra.c.value)
            .where(extra.c.group_id.in_(ids), extra.c.state == "active")):
        orgs[row.group_id].setdefault(row.key, row.value)
    return orgs


def get_actions() -> dict[str, Any]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
