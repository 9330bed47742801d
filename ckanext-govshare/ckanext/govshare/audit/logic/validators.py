"""Validators of the audit actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govshare.audit import chain


def head_list(value: Any) -> list[dict[str, Any]]:
    """Kept chain heads: a list of ``{"application_id", "seq", "hash"}``
    (applications' chains) or ``{"package_id", "seq", "hash"}`` (the
    publication review's: :data:`ckanext.govshare.audit.chain.TRAILS`)."""
    message = tk._('Give a list of {"application_id" or "package_id": …, "seq": …, '
                   '"hash": …}')
    if not isinstance(value, list):
        raise tk.Invalid(message)
    heads = []
    for item in value:
        trail = chain.trail_of(item) if isinstance(item, dict) else None
        if not (trail is not None and isinstance(item.get(trail.key), str)
                and isinstance(item.get("seq"), int) and not isinstance(item["seq"], bool)
                and isinstance(item.get("hash"), str)):
            raise tk.Invalid(message)
        heads.append({trail.key: item[trail.key], "seq": item["seq"], "hash": item["hash"]})
    return heads
