"""The catalog fields in the search index document.

CKAN indexes the dataset as stored: every schema field is an extra, so the
document has ``extras_<field>`` (text, copied into the catch-all ``text``) and
``<field>`` (a plain string field, exact in ``fq`` and facets: ``fq=open_tier:
conditional``). Solr's stock CKAN schema takes single strings there, so:

* structured values (the information items, any list of dicts or dict) are
  never sent as such: the information items become readable text in
  ``extras_info_items`` (their names and descriptions, so a search for a
  column name finds the dataset) and their JSON is left out of the string
  field (it is in ``data_dict``);
* multiple-choice fields, stored as JSON lists (``["CSV", "JSON"]``), are
  indexed as their values separated by spaces.
"""
from __future__ import annotations

import json
from typing import Any

#: Multiple-choice fields of schemas/dataset.yaml (stored as JSON lists).
MULTIPLE_CHOICE_FIELDS = ("data_format", "share_method", "open_method")
INFO_ITEMS = "info_items"

_RESERVED = frozenset({"data_dict", "validated_data_dict"})


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def info_items_text(value: Any) -> str:
    """The names and descriptions of the information items, one item a line."""
    items = _json(value)
    if not isinstance(items, list):
        return ""
    lines = []
    for item in items:
        if isinstance(item, dict):
            words = [str(item.get(k) or "").strip() for k in ("name", "description")]
            lines.append(" ".join(w for w in words if w))
    return "\n".join(line for line in lines if line)


def before_dataset_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    raw = [pkg_dict.pop(f) for f in (INFO_ITEMS, "extras_" + INFO_ITEMS) if f in pkg_dict]
    text = info_items_text(raw[-1]) if raw else ""
    if text:
        pkg_dict["extras_" + INFO_ITEMS] = text

    for field in MULTIPLE_CHOICE_FIELDS:
        for key in (field, "extras_" + field):
            values = _json(pkg_dict.get(key))
            if isinstance(values, list):
                joined = " ".join(str(v) for v in values if v not in (None, ""))
                if joined:
                    pkg_dict[key] = joined
                else:
                    pkg_dict.pop(key)

    # anything structured that is left (another extension's fields) as JSON text
    for key, value in list(pkg_dict.items()):
        if key in _RESERVED:
            continue
        if isinstance(value, dict) or (
                isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list))
                                                         for v in value)):
            pkg_dict[key] = json.dumps(value, ensure_ascii=False)
    return pkg_dict
