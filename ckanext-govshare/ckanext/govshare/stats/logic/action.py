"""The statistics as an action: every chart's data, the table the page shows
and the CSV and JSON downloads read (:mod:`..figures`, :mod:`..dashboard`)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.stats import figures, present
# their figures and procedures register as they are imported
from ckanext.govshare.stats import dashboard, data_requests  # noqa: F401


@tk.side_effect_free
def govshare_stats_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One figure of the public statistics (``/stats``) or of the supervisor's
    dashboard, with its rows and the headings of its columns in the caller's
    language. Anyone may read the public figures; the dashboard's
    (``supervision_*``, and the answers of agencies' requests to each other)
    only supervisors and sysadmins. Counted over what the public may see:
    closed entries are only counted, in ``datasets_by_tier``.

    :param figure: the figure's name; without it, the names of those the
        caller may read
    :type figure: string

    :returns: ``name``, ``title``, ``note``, ``columns`` (``id``, ``title``,
        ``kind``: ``text``, ``number``, ``percent``, ``days``, ``tier`` or
        ``kind``), ``rows`` (one dictionary per row, by column id; a
        ``label`` beside coded values), ``chart`` (``type``, ``category``,
        ``series``); without ``figure``: ``figures``, a list of names
    :rtype: dictionary
    """
    tk.check_access("govshare_stats_show", context, data_dict)
    name = data_dict.get("figure")
    if name in (None, ""):
        from ckanext.govshare.stats.logic.auth import may_supervise

        audiences = (figures.PUBLIC, figures.SUPERVISORS) if may_supervise(context) \
            else (figures.PUBLIC,)
        return {"figures": [f.name for f in figures.all_figures().values()
                            if f.audience in audiences]}
    figure = figures.get(name) if isinstance(name, str) else None
    if figure is None:
        raise tk.ValidationError({"figure": [tk._("No such figure: choose one of {names}")
                                             .format(names=", ".join(figures.all_figures()))]})
    return present.as_dict(figure)


@tk.side_effect_free
def govshare_supervision_dashboard(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The supervisor's dashboard: the scorecard per agency, the overdue
    items with their due dates and the monthly trends, each as
    ``govshare_stats_show`` gives a figure. Supervisors and sysadmins.

    :returns: ``figures``: the dashboard's figures in order
    :rtype: dictionary
    """
    tk.check_access("govshare_supervision_dashboard", context, data_dict)
    return {"figures": [present.as_dict(f)
                        for f in figures.figures_for(figures.SUPERVISORS)]}


def get_actions() -> dict[str, Any]:
    return {"govshare_stats_show": govshare_stats_show,
            "govshare_supervision_dashboard": govshare_supervision_dashboard}
