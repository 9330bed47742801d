"""Template helpers of search."""
from __future__ import annotations

from typing import Any, Callable


def search_correction() -> dict[str, str] | None:
    """The typo this request's search corrected: ``{"q", "corrected_q"}``."""
    from flask import g, has_request_context

    return getattr(g, "govshare_search_correction", None) if has_request_context() else None


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_search_correction": search_correction}
