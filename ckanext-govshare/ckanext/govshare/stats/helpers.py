"""Template helpers of the statistics: a dataset's download count."""
from __future__ import annotations

from typing import Any

from ckanext.govshare.stats import figures


def govshare_download_total(package_id: str) -> int:
    """How often the dataset's files were downloaded, by anyone."""
    return figures.download_total(package_id) if package_id else 0


def govshare_may_supervise() -> bool:
    """May the current user see the supervisor's dashboard?"""
    import ckan.plugins.toolkit as tk

    from ckanext.govshare import views_common

    try:
        tk.check_access("govshare_supervision_dashboard", views_common.context(), {})
    except tk.NotAuthorized:
        return False
    return True


def get_helpers() -> dict[str, Any]:
    return {"govshare_download_total": govshare_download_total,
            "govshare_may_supervise": govshare_may_supervise}
