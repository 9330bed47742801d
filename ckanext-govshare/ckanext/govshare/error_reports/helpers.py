"""Template helpers of the error reports: a dataset's reports for its page."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common

#: how many reports the dataset page lists (newest first)
ON_DATASET_PAGE = 20


def govshare_error_reports(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The reports on a dataset and their answers, as the viewer may see
    them: ``count`` and ``results`` (empty when the list cannot be read)."""
    try:
        return tk.get_action("govshare_error_report_list")(
            views_common.context(), {"package_id": pkg_dict["id"], "limit": ON_DATASET_PAGE})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return {"count": 0, "results": []}


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_error_reports": govshare_error_reports}
