"""Template helpers of the application pages."""
from __future__ import annotations

from typing import Any, Callable

from ckanext.govshare.applications import workflow


def govshare_application_state(state: str) -> dict[str, Any]:
    """What a page shows of an application state (``workflow.STATE_INFO``):
    ``label``, ``badge`` classes, ``waiting`` and ``pending``."""
    return workflow.state_view(state)


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_application_state": govshare_application_state}
