"""An example call of each documented action, with names from the live
catalog as an anonymous visitor sees it (so an example of a public action
works as it stands, on the demo catalog or any other), and the limits the
portal applies to API calls.

:data:`EXAMPLES` holds each action's parameters; ``{dataset}`` and the other
names in braces are filled from the catalog (:func:`catalog_facts`). Values
in capitals (``APPLICATION_ID``) are the caller's own objects, which no page
can know. An action not in the table is shown without parameters.
"""
from __future__ import annotations

import dataclasses
import json
import shlex
from typing import Any, Optional
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk

from ckanext.govshare.api_centre.reference import PUBLIC, Action, registry
from ckanext.govshare.request_guard import MAX_DEPTH
from ckanext.govshare.tiers import policy

#: what an example needs from the catalog, and what stands in when the
#: catalog has none
PLACEHOLDERS = {
    "dataset": "DATASET_NAME",
    "conditional": "CONDITIONAL_DATASET_NAME",
    "resource": "RESOURCE_ID",
    "datastore_resource": "RESOURCE_ID",
    "organization": "ORGANIZATION_NAME",
    "group": "GROUP_NAME",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    # core
    "package_search": {"fq": f"{policy.TIER_FIELD}:{policy.UNCONDITIONAL}", "rows": 5},
    "package_show": {"id": "{dataset}"},
    "resource_show": {"id": "{resource}"},
    "organization_list": {"all_fields": True, "limit": 5},
    "group_list": {"all_fields": True, "limit": 5},
    "datastore_search": {"resource_id": "{datastore_resource}", "limit": 5},
    # applications
    "govshare_application_create": {
        "package_id": "{conditional}", "purpose": "交通规划研究",
        "use_scenario": "公交线网优化分析",
        "requested_term_months": 12, "applicant_type": "person", "applicant_name": "张三",
        "contact_email": "zhangsan@example.com", "contact_phone": "13800138000",
        "accept_terms": True, "accept_security_commitment": True},
    "govshare_application_show": {"id": "APPLICATION_ID"},
    "govshare_application_list": {"mine": True},
    "govshare_application_decide": {"id": "APPLICATION_ID", "decision": "reject",
                                    "reason": "申请用途与数据开放范围不符"},
    "govshare_application_supplement": {"id": "APPLICATION_ID", "note": "已补充单位证明材料"},
    "govshare_application_withdraw": {"id": "APPLICATION_ID", "reason": "不再需要"},
    "govshare_application_extend": {"id": "APPLICATION_ID", "days": 5,
                                    "reason": "需征求相关部门意见"},
    "govshare_application_accept_terms": {"id": "APPLICATION_ID",
                                          "terms_version": "TERMS_VERSION"},
    "govshare_application_report": {"organization": "{organization}"},
    "govshare_grant_list": {"mine": True},
    "govshare_grant_revoke": {"id": "GRANT_ID", "reason": "违反使用协议"},
    # catalog maintenance
    "govshare_catalog_change_create": {"package_id": "{dataset}", "kind": "legal_basis",
                                       "description": "所依据的管理办法已修订"},
    "govshare_catalog_change_list": {"package_id": "{dataset}"},
    "govshare_catalog_review_mark": {"id": "{dataset}"},
    "govshare_catalog_review_list": {"id": "{organization}"},
    "govshare_catalog_update_show": {"id": "{dataset}"},
    "govshare_catalog_update_list": {"id": "{organization}"},
    # publication review
    "govshare_publication_submit": {"id": "{dataset}"},
    "govshare_publication_decide": {"id": "{dataset}", "decision": "return",
                                    "reason": "数据项说明不完整"},
    "govshare_publication_show": {"id": "{dataset}"},
    "govshare_publication_list": {"organization": "{organization}"},
    # labels, receipts, products
    "govshare_label_show": {"package_id": "{dataset}", "resource_id": "{resource}"},
    "govshare_download_receipt_list": {"limit": 10},
    "govshare_product_list": {"package_id": "{dataset}"},
    # personal data, audit, supervision
    "govshare_pii_scan_show": {"resource_id": "{resource}"},
    "govshare_pii_scan_confirm": {"resource_id": "{resource}",
                                  "reason": "编号列为内部代码，非个人信息"},
    "govshare_audit_verify": {"trail": "applications"},
    "govshare_audit_heads": {"trail": "applications"},
    "govshare_page_cache_forget": {},
    "govshare_supervisor_grant": {"user": "USER_NAME", "reason": "市数据管理局监督检查"},
    "govshare_supervisor_revoke": {"user": "USER_NAME"},
    "govshare_authority_catalog_show": {"format": "ttl"},
    # the message centre, the mail outbox
    "govshare_notice_list": {"unread_only": True},
    "govshare_notice_show": {"id": "NOTICE_ID"},
    "govshare_notice_read": {"all": True},
    "govshare_mail_outbox_list": {"limit": 20},
    "govshare_mail_outbox_retry": {"all": True},
}

#: what a parameter of that name takes in the example of an action not in
#: :data:`EXAMPLES` (the other parameters are left out)
BY_PARAMETER = {
    "package_id": "{dataset}",
    "resource_id": "{resource}",
    "organization": "{organization}",
    "organization_id": "{organization}",
    "q": "{dataset}",
    "id": "OBJECT_ID",
}

#: the site's API, as examples write it
API_PATH = "/api/3/action/"
TOKEN = "$CKAN_API_TOKEN"


def catalog_facts() -> dict[str, str]:
    """Names from the catalog an anonymous visitor sees: an unconditional
    dataset with a file (and one of its resources, one in the DataStore if
    any), a conditional dataset, an organization and a group; the
    placeholder where there is none (``datastore_search`` needs a resource
    whose rows are in the DataStore: no other stands in for it)."""
    facts = dict(PLACEHOLDERS)
    context: dict[str, Any] = {"user": "", "auth_user_obj": None}
    search = tk.get_action("package_search")
    found = search(dict(context), {
        "fq": f"{policy.TIER_FIELD}:{policy.UNCONDITIONAL}", "rows": 20, "sort": "name asc"})
    with_files = [d for d in found["results"] if d.get("resources")]
    if with_files:
        dataset = with_files[0]
        facts.update(dataset=dataset["name"], resource=dataset["resources"][0]["id"])
        if dataset.get("organization"):
            facts["organization"] = dataset["organization"]["name"]
        queried = next((r for d in with_files for r in d["resources"]
                        if r.get("datastore_active")), None)
        if queried:
            facts["datastore_resource"] = queried["id"]
    conditional = search(dict(context), {
        "fq": f"{policy.TIER_FIELD}:{policy.CONDITIONAL}", "rows": 1, "sort": "name asc"})
    if conditional["results"]:
        facts["conditional"] = conditional["results"][0]["name"]
    groups = tk.get_action("group_list")(dict(context), {"limit": 1})
    if groups:
        facts["group"] = groups[0]
    return facts


def params_for(name: str, facts: dict[str, str], documented: list[str]) -> dict[str, Any]:
    """The example's parameters of ``name`` (whose docstring documents the
    parameters ``documented``), names filled in."""
    params = EXAMPLES.get(name)
    if params is None:
        params = {key: BY_PARAMETER[key] for key in documented if key in BY_PARAMETER}
    return {key: value.format_map(facts) if isinstance(value, str) else value
            for key, value in params.items()}


@dataclasses.dataclass
class Example:
    #: the call as a URL a browser can open (read-only actions with plain
    #: parameters), else None
    url: Optional[str]
    curl: str
    ckanapi: str
    method: str


def _query_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def example(action: Action, params: dict[str, Any]) -> Example:
    """The call of ``action`` with ``params``: GET for read-only actions
    whose parameters are plain values, POST with a JSON body otherwise; the
    token header when the caller must be logged in."""
    site = tk.config.get("ckan.site_url").rstrip("/")
    endpoint = f"{site}{API_PATH}{action.name}"
    token = action.access != PUBLIC
    plain = all(not isinstance(v, (dict, list)) for v in params.values())
    header = f' \\\n  -H "Authorization: {TOKEN}"' if token else ""
    ckanapi = " ".join(["ckanapi action", action.name, *(
        shlex.quote(f"{k}={v}") if isinstance(v, str) else shlex.quote(f"{k}:{json.dumps(v)}")
        for k, v in params.items()), "-r", site, *(["-a", f'"{TOKEN}"'] if token else [])])
    if action.read_only and plain:
        query = {k: _query_value(v) for k, v in params.items()}
        url = f"{endpoint}?{urlencode(query)}" if query else endpoint
        curl = f"curl -G {shlex.quote(endpoint)}{header}" + "".join(
            f" \\\n  --data-urlencode {shlex.quote(f'{k}={v}')}" for k, v in query.items())
        return Example(url=url, curl=curl, ckanapi=ckanapi, method="GET")
    body = json.dumps(params, ensure_ascii=False)
    curl = (f"curl -X POST {shlex.quote(endpoint)}{header} \\\n"
            f"  -H 'Content-Type: application/json' \\\n  -d {shlex.quote(body)}")
    return Example(url=None, curl=curl, ckanapi=ckanapi, method="POST")


def limits() -> list[tuple[str, Any]]:
    """The limits of API calls, as configured: (what, value)."""
    items = [
        (tk._("Rows per package_search call (rows)"), tk.config.get("ckan.search.rows_max")),
        (tk._("Names per organization_list or group_list call"),
         tk.config.get("ckan.group_and_organization_list_max")),
        (tk._("Full records per organization_list or group_list call (all_fields)"),
         tk.config.get("ckan.group_and_organization_list_all_fields_max")),
    ]
    if "datastore_search" in registry():
        items.append((tk._("Rows per datastore_search call (limit)"),
                      tk.config.get("ckan.datastore.search.rows_max")))
    items += [
        (tk._("Size of an uploaded file (MB)"), tk.config.get("ckan.max_resource_size")),
        (tk._("Nesting depth of a JSON request body"), MAX_DEPTH),
    ]
    return items

