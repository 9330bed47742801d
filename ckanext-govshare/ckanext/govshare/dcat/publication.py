"""What GovShare's DCAT feeds may publish, by openness tier.

=============  ======================  =========================================
``open_tier``  ``dct:accessRights``    distributions
=============  ======================  =========================================
unconditional  ``PUBLIC``              as CKAN has them (file URLs included)
conditional    ``RESTRICTED``          ``dcat:accessURL`` = the application page;
                                       no ``dcat:downloadURL``, no file URL
closed         never published         —
=============  ======================  =========================================

This holds for everyone, sysadmins included, on every DCAT surface: the
``/dataset/<id>.<format>`` and ``/catalog.<format>`` endpoints, content
negotiation and the ``dcat_*`` actions. The one exception is the supervising
authority's own feed (:func:`for_authority`, ``/authority/catalog.<format>``):
the whole catalog as the portal holds it, closed entries as ``NON_PUBLIC``
and every distribution with its real URL, for sysadmins only. The tier is
read from the dataset dict by the tier policy (:func:`ckanext.govshare.tiers.policy.tier_of`): a
dataset without ``open_tier`` is ``unconditional``, one with an unknown value
``closed``.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterable, Iterator

from werkzeug.routing import BuildError

import ckan.plugins.toolkit as tk
from ckan.types import DataDict

from ckanext.govshare.publication import state as publication_state
from ckanext.govshare.tiers import policy

UNCONDITIONAL = policy.UNCONDITIONAL
CONDITIONAL = policy.CONDITIONAL
CLOSED = policy.CLOSED

TIER_FIELD = policy.TIER_FIELD
#: The registered name of :class:`~ckanext.govshare.dcat.profiles.GovShareDCATAPProfile`.
PROFILE = "govshare_dcat_ap_3"
#: Search filter that keeps closed datasets out of every DCAT catalog.
EXCLUDE_CLOSED = f"-{TIER_FIELD}:{CLOSED}"


def dataset_value(dataset_dict: DataDict, key: str) -> Any:
    """A field of a dataset dict: top-level (scheming) or an extra."""
    if dataset_dict.get(key) not in (None, ""):
        return dataset_dict[key]
    for extra in dataset_dict.get("extras") or []:
        if extra.get("key") == key:
            return extra.get("value")
    return None


def open_tier(dataset_dict: DataDict) -> str:
    """The dataset's tier, as the tier policy reads it (missing:
    ``unconditional``; a value that is not a tier: ``closed``)."""
    return policy.tier_of(dataset_dict)


_AUTHORITY = contextvars.ContextVar("govshare_dcat_authority_feed", default=False)


@contextlib.contextmanager
def for_authority() -> Iterator[None]:
    """Serialise for the supervising authority inside this block: every
    entry, closed ones too, with its data as it is (the caller has checked
    that the requester is the authority)."""
    token = _AUTHORITY.set(True)
    try:
        yield
    finally:
        _AUTHORITY.reset(token)


def authority_feed() -> bool:
    """Is the feed being written the supervising authority's?"""
    return _AUTHORITY.get()


def is_published(dataset_dict: DataDict) -> bool:
    """May the public feeds carry the entry? Not a closed one, nor one not
    yet published (review before publication), whoever asks, sysadmins
    included; the authority's feed carries everything."""
    if authority_feed():
        return True
    if open_tier(dataset_dict) == CLOSED:
        return False
    return publication_state.is_published(
        publication_state.state_of(dataset_dict["id"]) if dataset_dict.get("id") else None)


def application_url(dataset_dict: DataDict) -> str:
    """The page where a conditional dataset is applied for (``govshare.apply``);
    outside a request, ``{ckan.site_url}/dataset/<name>/apply``."""
    name = dataset_dict.get("name") or dataset_dict["id"]
    try:
        return policy.apply_url(name)
    except (BuildError, RuntimeError):  # no application context / no such route
        site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
        return f"{site_url}/dataset/{name}/apply"


def file_urls(dataset_dict: DataDict) -> set[str]:
    """Every URL of the dataset's resources that leads to the data itself."""
    urls = set()
    for resource in dataset_dict.get("resources") or []:
        for key in ("url", "download_url", "access_url", "cache_url", "original_url"):
            value = resource.get(key)
            if value and isinstance(value, str):
                urls.add(value.strip())
    urls.discard(application_url(dataset_dict))
    return urls


def download_paths(dataset_dict: DataDict) -> list[str]:
    """URL fragments of CKAN's download route for the dataset's resources
    (uploads are served from ``/dataset/<id>/resource/<id>/download/...``)."""
    return [f"/resource/{r['id']}/download" for r in dataset_dict.get("resources") or []
            if r.get("id")]


def publishable(dataset_dict: DataDict) -> DataDict:
    """A copy of a dataset dict fit for a DCAT feed that does not go through
    the GovShare profile (ckanext-dcat's legacy JSON): the resources of a
    conditional dataset point at the application page."""
    if open_tier(dataset_dict) != CONDITIONAL:
        return dataset_dict
    apply_url = application_url(dataset_dict)
    resources = []
    for resource in dataset_dict.get("resources") or []:
        resource = {k: v for k, v in resource.items() if k != "download_url"}
        resource["url"] = resource["access_url"] = apply_url
        resources.append(resource)
    return {**dataset_dict, "resources": resources}


def profiles(requested: str | Iterable[str] | None) -> list[str]:
    """The RDF profiles to serialise with: the requested ones (or the
    configured ``ckanext.dcat.rdf.profiles``), with the GovShare profile
    always last, so that nothing another profile writes can undo it."""
    if not requested:
        requested = tk.config.get("ckanext.dcat.rdf.profiles") or ""
    if isinstance(requested, str):
        requested = requested.replace(",", " ").split()
    names = [str(name).strip() for name in requested]
    return [name for name in names if name and name != PROFILE] + [PROFILE]


def catalog_request(data_dict: DataDict) -> DataDict:
    """A ckanext-dcat catalog request that cannot return closed datasets.

    The filter leads the ``fq`` the way CKAN itself prefixes
    ``+capacity:public``: a top-level prohibited clause, which nothing the
    caller appends can turn into an optional one.
    """
    fq = data_dict.get("fq") or ""
    return {
        **data_dict,
        "fq": f"{EXCLUDE_CLOSED} {fq}".strip(),
        "profiles": profiles(data_dict.get("profiles")),
    }
