"""Permission labels (IPermissionLabels): closed datasets behave like private ones.

CKAN stores a dataset's labels in the search index and on each of its
activities, and compares them with the caller's labels in ``package_show``'s
auth, ``package_search`` (results, counts and facets), autocomplete, feeds and
activity streams. A closed dataset gets only ``member-<organization id>``, so
every one of those surfaces hides it from anyone but the organization's members
and sysadmins; one shared unconditionally (无条件共享) also the agency staff's
label, which members of any organization carry, and every one its interested
parties' label, which only the holder of a data request's grant on it
carries (:func:`..policy.party_label`). Everything else is CKAN's default.
"""
from __future__ import annotations

import ckan.model as model
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.govshare.tiers import policy

_default = DefaultPermissionLabels()


def get_dataset_labels(dataset_obj: model.Package) -> list[str]:
    """Labels of a dataset: CKAN's, but a closed one only for its members."""
    return policy.dataset_labels(policy.PackageFacts.from_model(dataset_obj))


def get_user_dataset_labels(user_obj: model.User | None) -> list[str]:
    """CKAN's labels of a user, the agency staff's label for members of any
    organization and the interested parties' labels of the closed entries
    the user holds a grant on, computed once per request."""
    return policy.cached_user_labels(
        user_obj, lambda user: policy.user_labels(_default.get_user_dataset_labels(user),
                                                  user))
