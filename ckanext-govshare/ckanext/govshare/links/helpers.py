"""Template helpers: a stored URL is rendered as a link or an image source
only when it is safe (values stored before the validator, or by paths that
skip it, are shown as text)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ckanext.govshare.links import schemes

#: the fields of a dict that templates render as ``href`` or ``src``
LINK_FIELDS = ("url", "image_url", "image_display_url")


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_safe_url": govshare_safe_url,
            "govshare_safe_links": govshare_safe_links}


def govshare_safe_url(url: Any) -> str:
    """``url`` when it may be a link or an image source, else ``""``."""
    return url if isinstance(url, str) and schemes.is_safe_url(url) else ""


def govshare_safe_links(item: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """A copy of a resource, organization, group or user dict whose link
    fields (:data:`LINK_FIELDS`) are emptied when unsafe."""
    if not isinstance(item, dict):
        return item
    unsafe = [field for field in LINK_FIELDS
              if item.get(field) and not schemes.is_safe_url(item[field])]
    return {**item, **{field: "" for field in unsafe}} if unsafe else item
