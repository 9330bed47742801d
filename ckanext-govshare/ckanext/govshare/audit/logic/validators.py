"""Validators of the audit actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def head_list(value: Any) -> list[dict[str, Any]]:
    """Kept chain heads: a list of ``{"application_id", "seq", "hash"}``."""
    message = tk._('Give a list of {"application_id": …, "seq": …, "hash": …}')
    if not isinstance(value, list):
        raise tk.Invalid(message)
    heads = []
    for item in value:
        if not (isinstance(item, dict) and isinstance(item.get("application_id"), str)
                and isinstance(item.get("seq"), int) and not isinstance(item["seq"], bool)
                and isinstance(item.get("hash"), str)):
            raise tk.Invalid(message)
        heads.append({"application_id": item["application_id"], "seq": item["seq"],
                      "hash": item["hash"]})
    return heads
