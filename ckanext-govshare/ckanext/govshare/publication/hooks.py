"""IPackageController hook: a new dataset's first publication state.

With review on a new dataset is a ``draft`` (its organization sees it,
nobody else); with review off it is ``published`` as it is saved, so that
turning review on later hides nothing that was already open. Written in
package_create's transaction, with the first event of its trail.
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
from ckan.types import Context

from ckanext.govshare.logic import context_user
from ckanext.govshare.publication import state as publication_state, workflow
from ckanext.govshare.publication.logic.action import record
from ckanext.govshare.publication.model import Publication, utcnow


def after_dataset_create(context: Context, pkg_dict: dict[str, Any]) -> None:
    package = model.Package.get(pkg_dict.get("id"))
    if package is None or Publication.get(package.id) is not None:
        return
    user = context_user(context)
    published = not publication_state.review_on()
    state = workflow.PUBLISHED if published else workflow.DRAFT
    model.Session.add(Publication(
        package_id=package.id, owner_org=package.owner_org, state=state,
        decided_at=utcnow() if published else None))
    record(package.id, package.owner_org, workflow.CREATE, user.id if user else None,
           None, state, details={"review": not published})
