"""Template helpers of the application pages."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import kinds, workflow


def govshare_application_state(state: str) -> dict[str, Any]:
    """What a page shows of an application state (``workflow.STATE_INFO``):
    ``label``, ``badge`` classes, ``waiting`` and ``pending``."""
    return workflow.state_view(state)


def govshare_agency_requests(pkg_dict: dict[str, Any]) -> list[dict[str, str]]:
    """The agency requests the current user may make for a dataset
    (:func:`.kinds.offered`): ``kind``, ``label`` and the form's ``url``."""
    user = tk.current_user if getattr(tk.current_user, "is_authenticated", False) else None
    return [{"kind": kind, "label": kinds.label(kind),
             "url": tk.h.url_for("govshare_applications.agency_request",
                                 id=pkg_dict["name"], kind=kind)}
            for kind in kinds.offered(user, pkg_dict)]


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_application_state": govshare_application_state,
            "govshare_agency_requests": govshare_agency_requests}
