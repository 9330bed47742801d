"""The source-and-date label a data product must carry
(开发的数据产品应当注明所利用政务数据的来源和获取日期), in one place: the
dataset and resource pages, ``govshare_label_show``, the download response
headers and data products all build it here.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional
from urllib.parse import quote

import ckan.model as model
import ckan.plugins.toolkit as tk

#: RFC 8187 attr-char: what may stay unescaped in an ext-value
_ATTR_CHAR = "!#$&+-.^_`|~"
#: the response header carrying the label of a download
LABEL_HEADER = "GovShare-Source-Label"


def _iso_day(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def agency(owner_org: Optional[str], org: Optional[dict[str, Any]] = None
           ) -> Optional[dict[str, Any]]:
    """The publishing organization as the label reads it: ``org`` (e.g. the
    ``organization`` of a package dict) plus its schema fields (credit code,
    English name), which CKAN keeps in the group's extras."""
    group = model.Group.get(owner_org) if owner_org else None
    if group is None:
        return org
    return {"name": group.name, "title": group.title, **(org or {}), **dict(group.extras)}


def structured(pkg: dict[str, Any], org: Optional[dict[str, Any]],
               resource: Optional[dict[str, Any]], obtained: dt.date) -> dict[str, Any]:
    """The label's facts: who publishes, what, where, which version, when obtained."""
    org = org or {}
    return {
        "agency": org.get("title") or org.get("name"),
        "agency_en": org.get("name_en") or org.get("title") or org.get("name"),
        "agency_credit_code": org.get("unified_social_credit_code"),
        "dataset_title": pkg.get("title") or pkg.get("name"),
        "dataset_name": pkg.get("name"),
        "identifier": pkg.get("resource_code") or pkg.get("id"),
        "resource_id": resource.get("id") if resource else None,
        "resource_name": (resource.get("name") or resource.get("id")) if resource else None,
        "portal": tk.config.get("ckan.site_title"),
        "portal_url": tk.config.get("ckan.site_url"),
        # one address for every language: not the /en/ page's
        "url": tk.url_for("dataset.read", id=pkg.get("name") or pkg.get("id"),
                          _external=True, locale="default"),
        "obtained_date": obtained.isoformat(),
        "dataset_version": pkg.get("version") or None,
        "dataset_modified": _iso_day(pkg.get("metadata_modified")),
        "resource_modified": _iso_day((resource or {}).get("last_modified")
                                      or (resource or {}).get("metadata_modified")),
    }


def text_zh(facts: dict[str, Any]) -> str:
    """数据来源：某市交通运输局《城市公交线路》，某市政务数据开放平台 <URL>，获取日期：2026-11-21"""
    what = f"《{facts['dataset_title']}》"
    if facts.get("resource_name"):
        what += f"（{facts['resource_name']}）"
    return (f"数据来源：{facts['agency'] or ''}{what}，{facts['portal']} {facts['url']}，"
            f"获取日期：{facts['obtained_date']}")


def text_en(facts: dict[str, Any]) -> str:
    what = f"\u201c{facts['dataset_title']}\u201d"
    if facts.get("resource_name"):
        what += f" ({facts['resource_name']})"
    return (f"Source: {facts['agency_en'] or ''}, {what}, {facts['portal']}, "
            f"{facts['url']}, obtained {facts['obtained_date']}")


def label(pkg: dict[str, Any], org: Optional[dict[str, Any]],
          resource: Optional[dict[str, Any]], obtained: dt.date) -> dict[str, Any]:
    """The whole label: ``text`` (Chinese), ``text_en`` and ``facts``."""
    facts = structured(pkg, org, resource, obtained)
    return {"text": text_zh(facts), "text_en": text_en(facts), "facts": facts}


def header_value(text: str) -> str:
    """``text`` as an RFC 8187 ext-value parameter (``label*=UTF-8''…``), so
    that a header carries Chinese safely."""
    return "label*=UTF-8''" + quote(text, safe=_ATTR_CHAR)


def download_headers(facts: dict[str, Any]) -> dict[str, str]:
    """What every download response says about its source."""
    return {
        "Link": f'<{facts["url"]}>; rel="describedby"',
        LABEL_HEADER: header_value(text_zh(facts)),
    }
