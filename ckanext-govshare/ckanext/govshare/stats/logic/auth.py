"""Who may read the statistics: everyone the public figures, the supervising
authority (:mod:`ckanext.govshare.supervision.access`) the dashboard's."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.logic import context_user
from ckanext.govshare.stats import figures
from ckanext.govshare.supervision import access


def may_supervise(context: Context) -> bool:
    return access.is_supervisor(context_user(context))


@tk.auth_allow_anonymous_access
def govshare_stats_show(context: Context, data_dict: DataDict) -> AuthResult:
    name = data_dict.get("figure") if isinstance(data_dict, dict) else None
    figure = figures.get(name) if isinstance(name, str) else None
    if figure is not None and figure.audience != figures.PUBLIC and not may_supervise(context):
        return {"success": False,
                "msg": tk._("Only the supervising authority may see this figure")}
    return {"success": True}


def govshare_supervision_dashboard(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins pass before this is called; supervisors they designated too
    return {"success": may_supervise(context),
            "msg": tk._("Only the supervising authority may see the dashboard")}


def get_auth_functions() -> dict[str, Any]:
    return {"govshare_stats_show": govshare_stats_show,
            "govshare_supervision_dashboard": govshare_supervision_dashboard}
