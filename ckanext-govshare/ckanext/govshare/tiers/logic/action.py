"""Chained actions: every list and search of datasets applies the tier policy.

``package_show`` and ``resource_show`` are scrubbed in
:func:`..hooks.after_dataset_show`; the actions below return datasets,
resources or activities by other paths (the search index, the activity table,
direct queries) and apply the same two rules from :mod:`..policy`:

* closed datasets are seen by members of the owning organization and
  sysadmins only, and by agency staff when shared (permission labels do most
  of it; ``package_list`` and ``resource_search`` query the database
  directly and are filtered here);
* resources the caller sees but may not have (conditional, or closed and
  shared on conditions) show the application or sharing request page
  instead of their URL (``url_type`` ``govshare_restricted``).

Callers with ``ignore_auth`` (CKAN's own indexing, activity recording, jobs)
get the real data.
"""
from __future__ import annotations

import difflib
import json
import re
from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.govshare.publication import state as publication
from ckanext.govshare.tiers import policy

# search index fields that hold resource URLs or whole dataset dicts
_SENSITIVE_FIELDS = ("res_url", "urls", "data_dict", "validated_data_dict")


# --------------------------------------------------------------------- search
def _split_fl(fl: Any) -> list[str]:
    if isinstance(fl, str):
        fl = [fl]
    fields: list[str] = []
    for item in fl or []:
        fields.extend(f for f in re.split(r"[\s,]+", str(item)) if f)
    return fields


def _scrub_fields(caller: policy.Caller, results: list[dict[str, Any]]) -> None:
    """Scrub the URL-bearing fields of ``fl`` results (the facts come from the
    database: the index does not store every field the policy needs)."""
    sensitive = [r for r in results if any(key in r for key in _SENSITIVE_FIELDS)]
    facts = policy.facts_for_ids(r.get("id") for r in sensitive)
    for result in sensitive:
        pkg = facts.get(result.get("id"))
        if pkg is None:  # not in the database any more: nothing to show
            for key in _SENSITIVE_FIELDS:
                result.pop(key, None)
            continue
        if policy.may_access(caller, pkg, None, visible=True):
            continue
        if "res_url" in result:
            urls = result["res_url"]
            url = policy.request_url(pkg)
            result["res_url"] = [url for _u in urls] if isinstance(urls, list) else url
        result.pop("urls", None)
        for key in ("data_dict", "validated_data_dict"):
            if isinstance(result.get(key), str):
                result[key] = policy.scrub_json(caller, result[key], pkg)


@tk.chained_action
@tk.side_effect_free
def package_search(original_action: Action, context: Context,
                   data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``package_search``; resources of conditional datasets the caller
    may not have carry the application page instead of their URL (also in the
    ``res_url``, ``data_dict`` and ``validated_data_dict`` fields of ``fl``)."""
    caller = policy.Caller.from_context(context)
    if caller.privileged:
        return original_action(context, data_dict)
    fields: list[str] = []
    if data_dict.get("fl"):
        fields = _split_fl(data_dict["fl"])
        if "id" not in fields and ("*" in fields or set(fields) & set(_SENSITIVE_FIELDS)):
            data_dict = dict(data_dict, fl=fields + ["id"])
        else:
            data_dict = dict(data_dict, fl=fields)
    result = original_action(context, data_dict)
    results = [r for r in result.get("results") or [] if isinstance(r, dict)]
    if fields:
        _scrub_fields(caller, results)
        if "id" not in fields and "*" not in fields:
            for item in results:
                item.pop("id", None)
    else:
        for item in results:
            policy.scrub_package(caller, item, visible=True)
    return result


@tk.chained_action
@tk.side_effect_free
def current_package_list_with_resources(original_action: Action, context: Context,
                                        data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's list, with conditional resources scrubbed as in ``package_search``."""
    caller = policy.Caller.from_context(context)
    results = original_action(context, data_dict)
    if not caller.privileged:
        for pkg_dict in results:
            policy.scrub_package(caller, pkg_dict, visible=True)
    return results


@tk.chained_action
@tk.side_effect_free
def package_list(original_action: Action, context: Context,
                 data_dict: DataDict) -> list[str]:
    """The names (ids with API v2) of the site's public, active datasets that
    are not closed and are published.

    :param limit: if given, the list of datasets will be broken into pages of
        at most ``limit`` datasets per page and only one page will be returned
        at a time (optional)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start
        returning packages from
    :type offset: int

    :rtype: list of strings
    """
    tk.check_access("package_list", context, data_dict)
    package = model.package_table
    extra = model.package_extra_table
    col = package.c.id if context.get("api_version", 1) == 2 else package.c.name
    not_closed = ~sa.exists().where(sa.and_(
        extra.c.package_id == package.c.id,
        extra.c.key == policy.TIER_FIELD,
        sa.func.coalesce(extra.c.value, "").notin_(
            ["", policy.UNCONDITIONAL, policy.CONDITIONAL]),
    ))
    query = (sa.select(col)
             .where(package.c.state == "active", package.c.private.is_(False), not_closed,
                    publication.published_clause(package.c.id))
             .order_by(col))
    if data_dict.get("limit"):
        query = query.limit(data_dict["limit"])
    if data_dict.get("offset"):
        query = query.offset(data_dict["offset"])
    return list(model.Session.scalars(query).all())


@tk.chained_action
@tk.side_effect_free
def resource_search(original_action: Action, context: Context,
                    data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``resource_search`` without closed datasets' resources, with
    conditional resources scrubbed; a query on ``url`` or ``hash`` does not
    match conditional resources the caller may not have."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if caller.privileged or context.get("search_query"):
        return result
    query = data_dict.get("query") or []
    fields = {str(q).split(":", 1)[0] for q in ([query] if isinstance(query, str) else query)}
    probing = bool(fields & {"url", "hash"})
    facts = policy.facts_for_ids(r.get("package_id") for r in result["results"])
    kept = []
    for resource in result["results"]:
        pkg = facts.get(resource.get("package_id"))
        if pkg is None or not policy.can_see(caller, pkg):
            continue
        if not policy.may_access(caller, pkg, resource.get("id"), visible=True):
            if probing:
                continue
            policy.scrub_resource(resource, policy.request_url(pkg))
        kept.append(resource)
    result["count"] = max(0, result["count"] - (len(result["results"]) - len(kept)))
    result["results"] = kept
    return result


@tk.chained_action
@tk.side_effect_free
def resource_view_list(original_action: Action, context: Context,
                       data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's list of a resource's views (previews); empty for a conditional
    resource the caller may not have."""
    caller = policy.Caller.from_context(context)
    views = original_action(context, data_dict)
    if caller.privileged or not views:
        return views
    resource = context.get("resource") or model.Resource.get(data_dict.get("id"))
    if resource is None or resource.package is None:
        return views
    facts = policy.PackageFacts.from_model(resource.package)
    if policy.may_access(caller, facts, resource.id, visible=True):
        return views
    return []


def _filter_datasets(caller: policy.Caller, pkg_dicts: list[Any]) -> list[Any]:
    kept = []
    for pkg_dict in pkg_dicts:
        if not isinstance(pkg_dict, dict):
            kept.append(pkg_dict)
            continue
        facts = policy.PackageFacts.from_dict(pkg_dict)
        if policy.can_see(caller, facts):
            kept.append(policy.scrub_package(caller, pkg_dict, facts, visible=True))
    return kept


@tk.chained_action
@tk.side_effect_free
def tag_show(original_action: Action, context: Context,
             data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``tag_show``; with ``include_datasets`` only the datasets the
    caller may see, their conditional resources scrubbed."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if not caller.privileged and isinstance(result.get("packages"), list):
        result["packages"] = _filter_datasets(caller, result["packages"])
    return result


@tk.chained_action
@tk.side_effect_free
def dataset_followee_list(original_action: Action, context: Context,
                          data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's list of followed datasets, conditional resources scrubbed."""
    caller = policy.Caller.from_context(context)
    return _filter_datasets(caller, original_action(context, data_dict))


@tk.chained_action
@tk.side_effect_free
def followee_list(original_action: Action, context: Context,
                  data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's list of followed objects, datasets filtered and scrubbed."""
    caller = policy.Caller.from_context(context)  # before CKAN sets ignore_auth
    followees = original_action(context, data_dict)
    kept = []
    for followee in followees:
        if followee.get("type") == "dataset" and isinstance(followee.get("dict"), dict):
            if not _filter_datasets(caller, [followee["dict"]]):
                continue
        kept.append(followee)
    return kept


# --------------------------------------------------------------------- vocabularies
def _visible_values(caller: policy.Caller, context: Context, field: str) -> set[str]:
    """The values of an index field (``tags``, ``res_format``, ...) on the
    datasets the caller may see, lowercased: one faceted search as the caller,
    so the permission labels decide."""
    search_context: Context = {"user": context.get("user", ""),
                               "auth_user_obj": caller.user}
    result = tk.get_action("package_search")(search_context, {
        "rows": 0, "include_private": True, "facet.field": json.dumps([field]),
        "facet.limit": -1, "facet.mincount": 1})
    return {str(value).lower() for value in result.get("facets", {}).get(field, {})}


def _vocabulary_field(data_dict: DataDict) -> str:
    """The index field of a tag vocabulary (CKAN indexes them as ``vocab_<name>``)."""
    vocabulary = data_dict.get("vocabulary_id")
    if not vocabulary:
        return "tags"
    found = model.Vocabulary.get(vocabulary) if isinstance(vocabulary, str) else None
    return f"vocab_{found.name}" if found else "tags"


def _keep_visible(items: Any, visible: set[str], key: str = "name") -> Any:
    if not isinstance(items, list):
        return items
    return [item for item in items
            if str(item.get(key) if isinstance(item, dict) else item).lower() in visible]


def _only_visible(original_action: Action, context: Context, data_dict: DataDict,
                  field: str) -> Any:
    """The original action's list of names, less those no dataset the caller
    may see carries in ``field``."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if caller.privileged:
        return result
    return _keep_visible(result, _visible_values(caller, context, field))


@tk.chained_action
@tk.side_effect_free
def tag_list(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``tag_list`` reads the tag table, whichever datasets carry a
    tag: only tags of datasets the caller may see."""
    return _only_visible(original_action, context, data_dict, _vocabulary_field(data_dict))


@tk.chained_action
@tk.side_effect_free
def tag_autocomplete(original_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """CKAN's ``tag_autocomplete`` (and ``/api/2/util/tag/autocomplete``):
    only tags of datasets the caller may see."""
    return _only_visible(original_action, context, data_dict, _vocabulary_field(data_dict))


@tk.chained_action
@tk.side_effect_free
def tag_search(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``tag_search`` reads the tag table: only tags of datasets the
    caller may see (the count too)."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if caller.privileged or not isinstance(result, dict):
        return result
    visible = _visible_values(caller, context, _vocabulary_field(data_dict))
    count, page = result.get("count", 0), result.get("results") or []
    if count <= len(page):
        kept = _keep_visible(page, visible)
        return dict(result, results=kept, count=len(kept))
    # several pages: filter all the matches, then page them again
    every = original_action(dict(context), dict(data_dict, limit=count, offset=0))
    kept = _keep_visible(every.get("results") or [], visible)
    offset = int(data_dict.get("offset") or 0)
    limit = int(data_dict.get("limit") or len(page))
    return dict(result, results=kept[offset:offset + limit], count=len(kept))


@tk.chained_action
@tk.side_effect_free
def format_autocomplete(original_action: Action, context: Context,
                        data_dict: DataDict) -> Any:
    """CKAN's ``format_autocomplete`` (and its ``/api/2/util`` route) reads
    the resource table: only formats of datasets the caller may see."""
    return _only_visible(original_action, context, data_dict, "res_format")


@tk.chained_action
@tk.side_effect_free
def member_list(original_action: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``member_list`` of an organization or group lists the ids of
    all its datasets: only those the caller may see."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if caller.privileged or not isinstance(result, list):
        return result
    ids = [m[0] for m in result if isinstance(m, (list, tuple)) and m[1] == "package"]
    packages = {pkg.id: pkg for pkg in model.Session.query(model.Package).filter(
        model.Package.id.in_(ids))} if ids else {}
    return [m for m in result
            if not (isinstance(m, (list, tuple)) and m[1] == "package")
            or (m[0] in packages and policy.can_see(
                caller, policy.PackageFacts.from_model(packages[m[0]])))]


# --------------------------------------------------------------------- activities
def _scrub_activities(caller: policy.Caller,
                      activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scrub the dataset copies stored in activities; drop the activities of
    datasets the caller may not see (also those whose type CKAN does not
    filter by labels, e.g. ``new resource view``, and those whose labels
    were written before a change)."""
    if caller.privileged:
        return activities
    facts = policy.facts_for_ids(a.get("object_id") for a in activities)
    kept = []
    for activity in activities:
        is_package = "package" in (activity.get("activity_type") or "")
        data = activity.get("data")
        pkg_dict = data.get("package") if isinstance(data, dict) else None
        pkg = facts.get(activity.get("object_id"))
        if pkg is None and is_package and isinstance(pkg_dict, dict):
            pkg = policy.PackageFacts.from_dict(pkg_dict)  # purged: as recorded
        if pkg is None:
            kept.append(activity)
            continue
        if not policy.can_see(caller, pkg):
            continue
        if isinstance(pkg_dict, dict):
            policy.scrub_package(caller, pkg_dict, pkg, visible=True)
        elif isinstance(data, dict) and isinstance(data.get("config"), dict) and \
                not policy.may_access(caller, pkg, data.get("resource_id"), visible=True):
            data["config"] = {}  # a preview's settings may hold the data's URL
        kept.append(activity)
    return kept


def _activity_list(original_action: Action, context: Context,
                   data_dict: DataDict) -> list[dict[str, Any]]:
    caller = policy.Caller.from_context(context)
    return _scrub_activities(caller, original_action(context, data_dict))


@tk.chained_action
@tk.side_effect_free
def package_activity_list(original_action: Action, context: Context,
                          data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's dataset activity stream, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def organization_activity_list(original_action: Action, context: Context,
                               data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's organization activity stream, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def group_activity_list(original_action: Action, context: Context,
                        data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's group activity stream, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def user_activity_list(original_action: Action, context: Context,
                       data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's user activity stream, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def recently_changed_packages_activity_list(
        original_action: Action, context: Context,
        data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's recent dataset changes, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dashboard_activity_list(original_action: Action, context: Context,
                            data_dict: DataDict) -> list[dict[str, Any]]:
    """CKAN's dashboard stream, conditional resources scrubbed."""
    return _activity_list(original_action, context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dashboard_new_activities_count(original_action: Action, context: Context,
                                   data_dict: DataDict) -> int:
    """CKAN's count of new items in the dashboard (the header's badge on every
    page of a logged-in user), the same number in one query for a user who
    follows nothing, as most users here: CKAN builds and runs the union of
    every followed kind of thing (some ten queries, a third of the page's
    time). That user's stream is the activities from or about them; of its
    first ``limit`` items, those after the dashboard was last viewed and not
    the user's own are new, counted after :func:`_scrub_activities` drops
    those the user may not see, as ``dashboard_activity_list`` does."""
    from ckanext.activity.logic.action import _get_user_permission_labels
    from ckanext.activity.model import activity as activity_model

    tk.check_access("dashboard_new_activities_count", context, data_dict)
    user = model.User.get(context.get("user"))
    dashboard = model.Dashboard.get(user.id) if user else None
    if user is None or dashboard is None or data_dict or _follows_anything(user.id):
        return original_action(context, data_dict)
    Activity = activity_model.Activity
    since_viewed = (sa.or_(Activity.user_id == user.id, Activity.object_id == user.id),
                    Activity.timestamp > dashboard.activity_stream_last_viewed)
    if not model.Session.query(sa.exists().where(
            *since_viewed, Activity.user_id != user.id)).scalar():
        return 0  # nothing by others since: the usual case, one query
    query = model.Session.query(Activity).filter(*since_viewed)
    query = activity_model._filter_activitites_from_users(query)
    query = activity_model._filter_activities_by_permission_labels(
        query, _get_user_permission_labels(context))
    limit = tk.config.get("ckan.activity_list_limit")
    newest = query.order_by(Activity.timestamp.desc()).limit(limit).all()
    others = [a for a in newest if a.user_id != user.id]
    if not others:
        return 0
    dicts = activity_model.activity_list_dictize(others, context)
    return len(_scrub_activities(policy.Caller.from_context(context), dicts))


def _follows_anything(user_id: str) -> bool:
    from ckan.model import follower

    follows = [sa.select(sa.literal(1)).where(table.c["follower_id"] == user_id)
               for table in (follower.user_following_user_table,
                             follower.user_following_dataset_table,
                             follower.user_following_group_table)]
    return model.Session.execute(sa.select(sa.exists(sa.union_all(*follows)))).scalar()


@tk.chained_action
@tk.side_effect_free
def activity_show(original_action: Action, context: Context,
                  data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``activity_show``, the dataset copy scrubbed."""
    caller = policy.Caller.from_context(context)
    activity = original_action(context, data_dict)
    if not _scrub_activities(caller, [activity]):
        raise tk.NotAuthorized(tk._("Unauthorized to view activity data"))
    return activity


@tk.chained_action
@tk.side_effect_free
def activity_data_show(original_action: Action, context: Context,
                       data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``activity_data_show``, the dataset copy scrubbed."""
    caller = policy.Caller.from_context(context)
    data = original_action(context, data_dict)
    activity = context.get("activity")
    if caller.privileged or activity is None or "package" not in (
            activity.activity_type or ""):
        return data
    object_type = data_dict.get("object_type")
    wrapped = {"package": data} if object_type == "package" else data
    if object_type and object_type != "package":
        return data
    probe = {"object_id": activity.object_id, "activity_type": activity.activity_type,
             "data": wrapped}
    if not _scrub_activities(caller, [probe]):
        raise tk.NotAuthorized(tk._("Unauthorized to view activity data"))
    return data


def _diff(objs: list[Any], diff_type: str) -> str:
    """The diff of two object dicts, as CKAN's ``activity_diff`` makes it."""
    before, after = (json.dumps(obj, indent=2, sort_keys=True).split("\n") for obj in objs)
    if diff_type == "unified":
        return "\n".join(difflib.unified_diff(before, after))
    if diff_type == "context":
        return "\n".join(difflib.context_diff(before, after))

    def wrap(lines: list[str]) -> list[str]:
        return [part for line in lines for part in re.findall(r".{1,70}(?:\s+|$)", line)]

    return difflib.HtmlDiff().make_table(wrap(before), wrap(after))


@tk.chained_action
@tk.side_effect_free
def activity_diff(original_action: Action, context: Context,
                  data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``activity_diff``, computed over the scrubbed dataset copies."""
    caller = policy.Caller.from_context(context)
    result = original_action(context, data_dict)
    if caller.privileged or data_dict.get("object_type") != "package":
        return result
    activities = result.get("activities") or []
    before = json.dumps(activities, sort_keys=True, default=str)
    if len(_scrub_activities(caller, activities)) != len(activities):
        raise tk.NotAuthorized(tk._("Unauthorized to view activity data"))
    if json.dumps(activities, sort_keys=True, default=str) != before:
        objs = [(a.get("data") or {}).get("package") for a in activities]
        result["diff"] = _diff(objs, data_dict.get("diff_type", "unified"))
    return result


def get_actions() -> dict[str, Any]:
    """The chained actions; the activity ones only with the activity plugin."""
    actions: dict[str, Any] = {
        "package_search": package_search,
        "current_package_list_with_resources": current_package_list_with_resources,
        "package_list": package_list,
        "resource_search": resource_search,
        "resource_view_list": resource_view_list,
        "tag_show": tag_show,
        "dataset_followee_list": dataset_followee_list,
        "followee_list": followee_list,
        "tag_list": tag_list,
        "tag_autocomplete": tag_autocomplete,
        "tag_search": tag_search,
        "format_autocomplete": format_autocomplete,
        "member_list": member_list,
    }
    if p.plugin_loaded("activity"):
        actions.update({
            "package_activity_list": package_activity_list,
            "organization_activity_list": organization_activity_list,
            "group_activity_list": group_activity_list,
            "user_activity_list": user_activity_list,
            "recently_changed_packages_activity_list":
                recently_changed_packages_activity_list,
            "dashboard_activity_list": dashboard_activity_list,
            "dashboard_new_activities_count": dashboard_new_activities_count,
            "activity_show": activity_show,
            "activity_data_show": activity_data_show,
            "activity_diff": activity_diff,
        })
    return actions

