"""Template helpers of the statistics: a dataset's download count, who may
supervise, and whether a page shows figures as last counted."""
from __future__ import annotations

from typing import Any, Optional

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


def govshare_stats_behind() -> Optional[str]:
    """The local time (``HH:MM``) the oldest figure of this page shown as
    last counted was counted at, while it is counted again; None when every
    figure shown is current."""
    from ckanext.govshare import workdays
    from ckanext.govshare.stats import cache

    counted_at = cache.shown_behind()
    return counted_at.astimezone(workdays.timezone()).strftime("%H:%M") if counted_at else None


def get_helpers() -> dict[str, Any]:
    return {"govshare_download_total": govshare_download_total,
            "govshare_may_supervise": govshare_may_supervise,
            "govshare_stats_behind": govshare_stats_behind}
