"""Downloads order search results tied on relevance, so a dataset's count in
its search document is refreshed as people download: after a download, the
dataset is re-indexed on the jobs worker, at most once per
``REFRESH_SECONDS`` (a busy file costs one re-index an hour, not one per
download). Registered as a download hook (tiers/views.py)."""
from __future__ import annotations

import logging
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3600
QUEUE = "govshare"
_KEY = "govshare:search:popularity:"


def on_download(user: Optional[model.User], resource: model.Resource, response: Any) -> Any:
    from ckan.lib.redis import connect_to_redis

    package_id = resource.package_id
    if connect_to_redis().set(_KEY + package_id, 1, nx=True, ex=REFRESH_SECONDS):
        tk.enqueue_job(reindex, [package_id], queue=QUEUE,
                       title=f"GovShare: downloads of {package_id} into the search index")
    return response


def reindex(package_id: str) -> None:
    """The worker's job: the dataset's document again, with its downloads."""
    from ckan.lib import search

    search.rebuild(package_id)
    search.commit()


def register() -> None:
    from ckanext.govshare.tiers import views as tier_views

    tier_views.register_download_hook(on_download)
