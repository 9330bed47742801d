"""The openness-tier policy, in one place.

Every dataset carries ``open_tier`` (无条件开放 / 有条件开放 / 不予开放):

* ``unconditional``: metadata and data for everyone;
* ``conditional``: metadata for everyone; resource URLs, file bytes, previews
  and datastore rows only for members of the owning organization, sysadmins,
  the dataset's collaborators and holders of a valid grant;
* ``closed``: the dataset itself is visible to members of the owning
  organization and sysadmins only (through the permission labels of
  :mod:`.labels`, exactly like a private dataset).

A dataset that is not published (review before publication,
:mod:`ckanext.govshare.publication`) is labelled exactly like a closed one,
whatever its tier: only its organization's members and sysadmins see it.

A dataset without ``open_tier`` (older datasets, datasets created without the
catalog schema) is treated as ``unconditional``. A value that is none of the
three is treated as ``closed``, so that a typo never opens data.

Members of any organization (agency staff) also have the data of a
dataset shared unconditionally (共享类型 无条件共享), whatever its openness
tier (Qingyang 2021 art. 16(1)). A closed one shared unconditionally or on
conditions (有条件共享) is, once published, labelled for them too
(:data:`AGENCY_STAFF_LABEL`): they see its entry, and the data of one shared
on conditions only with a grant from an approved sharing request (共享申请);
until then its resources point at the request page, as a conditional
dataset's point at the application page.

An agency answering a data request (需求征集) about one of its closed
entries may open that entry to the requester alone, as a party whose major
interests the data concerns (利害关系人, Shanxi 2020 art. 14 ¶2): every
closed entry that may be so opened (:func:`opens_to_parties`) carries
:func:`party_label`, which a user carries only while they hold a valid grant
of such an answer (:func:`register_party_grants`). The holder then sees the
entry and has its data on every surface, through the same labels as the
organization's members; nobody else does.

Every surface asks the two questions here — :func:`tier_of` and
:func:`has_access` — and nothing else decides. Grants come from the
applications capability through :func:`register_grant_checker`; they are
consulted for conditional datasets only (and, as labels, for interested
parties of closed ones: :func:`register_party_grants`).
"""
from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, Callable, Iterable, Optional, Union

import flask
import sqlalchemy as sa

import ckan.authz as authz
import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context

from ckanext.govshare.publication import state as publication
from ckanext.govshare.publication.model import publication_table

log = logging.getLogger(__name__)

TIER_FIELD = "open_tier"
UNCONDITIONAL = "unconditional"
CONDITIONAL = "conditional"
CLOSED = "closed"
TIERS = (UNCONDITIONAL, CONDITIONAL, CLOSED)

#: the sharing type between agencies (共享类型, the catalog's ``share_type``):
#: a dataset shared unconditionally (无条件共享) gives its data to the
#: members of every organization directly (Qingyang 2021 art. 16(1)); one
#: shared on conditions is obtained by a sharing request (共享申请)
SHARE_FIELD = "share_type"
SHARED_UNCONDITIONALLY = "unconditional"
SHARED_ON_CONDITIONS = "conditional"
NOT_SHARED = "not_shared"
SHARE_TYPES = (SHARED_UNCONDITIONALLY, SHARED_ON_CONDITIONS, NOT_SHARED)
#: the label of every member of some organization (agency staff), and of the
#: closed datasets shared unconditionally, which they see
AGENCY_STAFF_LABEL = "govshare-agency-staff"

#: ``url_type`` of a resource whose ``url`` was replaced by the application page
RESTRICTED_URL_TYPE = "govshare_restricted"
#: resource keys that may point at the data itself, dropped with the URL
_URL_KEYS = ("cache_url", "original_url")

#: ``fn(user, package_id, resource_id) -> bool``; ``resource_id`` is None when
#: the question is about the dataset as a whole.
GrantChecker = Callable[..., bool]
_grant_checkers: list[GrantChecker] = []
#: ``fn(user) -> ids of the closed datasets`` the user holds a valid
#: interested party's grant on
PartyGrants = Callable[[model.User], Iterable[str]]
_party_grants: list[PartyGrants] = []
#: the start of :func:`party_label`
PARTY_LABEL_PREFIX = "govshare-party-"

UserLike = Union[model.User, str, None, Any]


# --------------------------------------------------------------------- tiers
def normalise_tier(value: Any) -> str:
    """The tier a stored value stands for: missing or empty is
    ``unconditional``, an unknown value ``closed`` (fail safe)."""
    if value is None or value == "":
        return UNCONDITIONAL
    if value in TIERS:
        return value
    log.warning("Unknown open_tier %r treated as closed", value)
    return CLOSED


def _dict_value(obj: dict[str, Any], key: str) -> Any:
    """A catalog field of a dataset dict: top-level (ckanext-scheming), in the
    ``extras`` list or dict (default schema), or ``extras_<key>`` (a search
    index document)."""
    value = obj.get(key)
    if value is None:
        extras = obj.get("extras")
        if isinstance(extras, list):
            for extra in extras:
                if isinstance(extra, dict) and extra.get("key") == key:
                    value = extra.get("value")
                    break
        elif isinstance(extras, dict):
            value = extras.get(key)
    if value is None:
        value = obj.get("extras_" + key)
    return value


def tier_of(obj: Union[dict[str, Any], model.Package, None]) -> str:
    """The openness tier of a dataset dict or ``model.Package``.

    Reads the top-level ``open_tier`` key (ckanext-scheming), else the
    ``extras`` list (default schema), else ``extras_open_tier`` (a search
    index document); on a model object ``pkg.extras["open_tier"]``. A missing
    tier means ``unconditional``.
    """
    if obj is None:
        return UNCONDITIONAL
    if isinstance(obj, model.Package):
        return normalise_tier(_model_tier_value(obj))
    return normalise_tier(_dict_value(obj, TIER_FIELD))


#: dataset id -> (metadata_modified, stored tier value, publication state,
#: stored sharing type).
#: Every change of a dataset through the API, and every publication move,
#: moves metadata_modified (and this process also forgets the entry, see
#: :func:`forget_tier`), so an entry is never stale; it saves a query on
#: every package_show, whose auth asks for the dataset's labels. Bounded:
#: emptied when it grows past _TIER_CACHE_SIZE.
_tier_cache: dict[str, tuple[Any, Optional[str], Optional[str], Optional[str]]] = {}
_TIER_CACHE_SIZE = 50_000


def forget_tier(package_id: str) -> None:
    """Drop the cached tier of a dataset (it is being changed)."""
    _tier_cache.pop(package_id, None)


def _model_tier_value(pkg: model.Package) -> Optional[str]:
    """The stored tier of a dataset object: from its extras when they are
    loaded (and maybe being changed), else from :func:`_stored_values`."""
    state = sa.inspect(pkg)
    if not state.persistent or "_extras" not in state.unloaded:
        return pkg.extras.get(TIER_FIELD)
    return _stored_values(pkg)[0]


def _model_published(pkg: model.Package) -> bool:
    """Whether a dataset object is published (always, with review off)."""
    if not publication.review_on():
        return True
    if not sa.inspect(pkg).persistent:
        return False
    return publication.is_published(_stored_values(pkg)[1])


def _model_share_type(pkg: model.Package) -> Optional[str]:
    """The stored sharing type of a dataset object (as :func:`_model_tier_value`)."""
    state = sa.inspect(pkg)
    if not state.persistent or "_extras" not in state.unloaded:
        return pkg.extras.get(SHARE_FIELD)
    return _stored_values(pkg)[2]


def _stored_values(pkg: model.Package) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(stored tier value, publication state, stored sharing type) of a
    dataset, from the cache or one small query rather than loading every extra."""
    cached = _tier_cache.get(pkg.id)
    if cached is not None and cached[0] == pkg.metadata_modified:
        return cached[1], cached[2], cached[3]
    extra = model.package_extra_table

    def stored(key: str) -> Any:
        return (sa.select(extra.c.value)
                .where(extra.c.package_id == pkg.id, extra.c.key == key).scalar_subquery())

    state_value = (sa.select(publication_table.c.state)
                   .where(publication_table.c.package_id == pkg.id).scalar_subquery())
    row = model.Session.execute(
        sa.select(stored(TIER_FIELD), state_value, stored(SHARE_FIELD))).one()
    if len(_tier_cache) >= _TIER_CACHE_SIZE:
        _tier_cache.clear()
    _tier_cache[pkg.id] = (pkg.metadata_modified, row[0], row[1], row[2])
    return row[0], row[1], row[2]


def remember_stored_values(packages: list[model.Package]) -> None:
    """Read the stored tier and publication state of many datasets in one
    query, for :func:`_stored_values` (a bulk re-index labels each)."""
    if not packages:
        return
    extra = model.package_extra_table
    ids = [pkg.id for pkg in packages]
    tiers = dict(model.Session.execute(
        sa.select(extra.c.package_id, extra.c.value)
        .where(extra.c.package_id.in_(ids), extra.c.key == TIER_FIELD)).all())
    shares = dict(model.Session.execute(
        sa.select(extra.c.package_id, extra.c.value)
        .where(extra.c.package_id.in_(ids), extra.c.key == SHARE_FIELD)).all())
    states = dict(model.Session.execute(
        sa.select(publication_table.c.package_id, publication_table.c.state)
        .where(publication_table.c.package_id.in_(ids))).all())
    if len(_tier_cache) + len(packages) > _TIER_CACHE_SIZE:
        _tier_cache.clear()
    for pkg in packages:
        _tier_cache[pkg.id] = (pkg.metadata_modified, tiers.get(pkg.id), states.get(pkg.id),
                               shares.get(pkg.id))


@dataclasses.dataclass(frozen=True)
class PackageFacts:
    """What the policy needs to know about a dataset."""

    id: str
    name: str
    owner_org: Optional[str]
    tier: str
    private: bool = False
    state: str = "active"
    creator_user_id: Optional[str] = None
    #: reviewed and published (:mod:`ckanext.govshare.publication`)
    published: bool = True
    #: the sharing type between agencies (None: not stated)
    share_type: Optional[str] = None

    @classmethod
    def from_model(cls, pkg: model.Package) -> "PackageFacts":
        return cls(id=pkg.id, name=pkg.name, owner_org=pkg.owner_org,
                   tier=tier_of(pkg), private=bool(pkg.private),
                   state=pkg.state or "active", creator_user_id=pkg.creator_user_id,
                   published=_model_published(pkg), share_type=_model_share_type(pkg))

    @classmethod
    def from_dict(cls, pkg_dict: dict[str, Any],
                  published: Optional[bool] = None) -> "PackageFacts":
        """The facts of a dataset dict; ``published`` is looked up in the
        database unless given (scrubbing, which needs only the tier, says True)."""
        private = pkg_dict.get("private")
        if isinstance(private, str):
            private = private.lower() == "true"
        package_id = pkg_dict.get("id") or ""
        if published is None:
            published = (not publication.review_on()
                         or publication.is_published(publication.state_of(package_id)))
        return cls(id=package_id, name=pkg_dict.get("name") or "",
                   owner_org=pkg_dict.get("owner_org"), tier=tier_of(pkg_dict),
                   private=bool(private), state=pkg_dict.get("state") or "active",
                   creator_user_id=pkg_dict.get("creator_user_id"), published=published,
                   share_type=_dict_value(pkg_dict, SHARE_FIELD))


def member_label(org_id: str) -> str:
    """The label CKAN gives the members of an organization (and its datasets)."""
    return f"member-{org_id}"


def collaborator_label(package_id: str) -> str:
    """The label CKAN gives a dataset's collaborators (and the dataset)."""
    return f"collaborator-{package_id}"


def party_label(package_id: str) -> str:
    """The label of a closed entry's interested parties (利害关系人): the
    entry carries it always (:func:`opens_to_parties`), a user only while
    they hold a valid grant of a data request's answer on it."""
    return PARTY_LABEL_PREFIX + package_id


def opens_to_parties(facts: PackageFacts) -> bool:
    """May an agency open the entry to an interested party: closed, of an
    organization, published, active and not private? (Open entries need no
    such grant; one not yet published is not opened to anyone outside.)"""
    return (facts.tier == CLOSED and bool(facts.owner_org) and facts.published
            and facts.state == "active" and not facts.private)


def dataset_labels(facts: PackageFacts) -> list[str]:
    """The permission labels of a dataset (see :mod:`.labels`).

    CKAN's defaults, except that a closed dataset, and one not yet published,
    is labelled like a private one but for its organization's members only
    (no collaborator label); a published closed one shared unconditionally
    or on conditions is seen by agency staff too (:func:`shared_entry`), and
    by its interested parties (:func:`party_label`). The party label is on
    every such entry whether or not anyone holds a grant, so that issuing,
    revoking or the end of a grant changes only the holder's labels, which
    are computed on every request: nothing in the index goes stale.
    """
    closed = facts.tier == CLOSED or not facts.published
    if facts.state == "active" and not facts.private and not closed:
        return ["public"]
    labels = []
    if not closed and authz.check_config_permission("allow_dataset_collaborators"):
        labels.append(collaborator_label(facts.id))
    if facts.owner_org:
        labels.append(member_label(facts.owner_org))
    else:
        labels.append(f"creator-{facts.creator_user_id}")
    if shared_entry(facts):
        labels.append(AGENCY_STAFF_LABEL)
    if opens_to_parties(facts):
        labels.append(party_label(facts.id))
    return labels


def shared_entry(facts: PackageFacts) -> bool:
    """Is the dataset's entry shown to agency staff because it is shared
    with them (unconditionally or on conditions), published, active and not
    private? (Open entries are shown to everyone anyway.)"""
    return (facts.share_type in (SHARED_UNCONDITIONALLY, SHARED_ON_CONDITIONS)
            and facts.published and facts.state == "active" and not facts.private)


def user_labels(default_labels: list[str], user: Any = None) -> list[str]:
    """A user's labels: CKAN's, :data:`AGENCY_STAFF_LABEL` for members of
    any organization (CKAN gives them ``member-<organization id>``), and
    :func:`party_label` of each closed entry ``user`` holds a valid
    interested party's grant on."""
    labels = list(default_labels)
    if any(label.startswith("member-") for label in default_labels):
        labels.append(AGENCY_STAFF_LABEL)
    labels.extend(party_label(package_id) for package_id in _parties_of(user))
    return labels


# --------------------------------------------------------------------- grants
def register_grant_checker(fn: GrantChecker) -> GrantChecker:
    """Register ``fn(user, package_id, resource_id, *, agencies_only) -> bool``.

    It is asked, for a logged-in user who is neither sysadmin, member of the
    owning organization nor collaborator, whether a valid grant gives them the
    data of a *conditional* dataset (``resource_id`` None: the whole dataset),
    or, with ``agencies_only`` True, of a closed dataset shared on conditions
    (only a grant from an approved sharing request counts there). Any checker
    answering True grants access. Usable as a decorator; a function is
    registered once however often this is called.
    """
    if fn not in _grant_checkers:
        _grant_checkers.append(fn)
    return fn


def unregister_grant_checker(fn: GrantChecker) -> None:
    """Remove a checker registered with :func:`register_grant_checker`."""
    if fn in _grant_checkers:
        _grant_checkers.remove(fn)


def register_party_grants(fn: PartyGrants) -> PartyGrants:
    """Register ``fn(user) -> dataset ids``: the closed entries an active
    user holds a valid interested party's grant on (:func:`party_label`).
    Asked once per request for the user's labels; registered once however
    often this is called."""
    if fn not in _party_grants:
        _party_grants.append(fn)
    return fn


def unregister_party_grants(fn: PartyGrants) -> None:
    """Remove a function registered with :func:`register_party_grants`."""
    if fn in _party_grants:
        _party_grants.remove(fn)


def _parties_of(user: Any) -> set[str]:
    if not isinstance(user, model.User) or user.state != "active" or not _party_grants:
        return set()
    found: set[str] = set()
    for fn in _party_grants:
        try:
            found.update(fn(user))
        except Exception:  # a broken lookup must never open data, nor break pages
            log.exception("Interested parties' grants %r failed", fn)
    return found


def _granted(user: Optional[model.User], package_id: str,
             resource_id: Optional[str], *, agencies_only: bool = False) -> bool:
    if user is None or not _grant_checkers:
        return False
    for checker in _grant_checkers:
        try:
            if checker(user, package_id, resource_id, agencies_only=agencies_only):
                return True
        except Exception:  # a broken checker must never open data
            log.exception("Grant checker %r failed", checker)
    return False


# --------------------------------------------------------------------- callers
def request_cache() -> Optional[dict[str, Any]]:
    """A dict that lives as long as the current request (None outside one)."""
    if not flask.has_request_context():
        return None
    return flask.request.environ.setdefault("govshare.tiers", {})


def forget_cached_labels() -> None:
    """Drop the per-request cache of users' labels (memberships changed)."""
    cache = request_cache()
    if cache is not None:
        cache.pop("labels", None)
        cache.pop("org_permissions", None)


_WATCHED = (model.Member, model.User, model.Group, model.PackageMember)


def _after_flush(session: Any, _flush_context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            forget_cached_labels()
            return


if not sa.event.contains(model.meta.Session, "after_flush", _after_flush):
    sa.event.listen(model.meta.Session, "after_flush", _after_flush)


def cached_user_labels(user_obj: Any, compute: Callable[[Any], list[str]]) -> list[str]:
    """``compute(user_obj)``, remembered for the rest of the request.

    Memberships written during the request (members, users, organizations,
    collaborators) empty the cache, so a change is seen at once.
    """
    cache = request_cache()
    if cache is None:
        return compute(user_obj)
    key = getattr(user_obj, "id", None) if user_obj is not None and not getattr(
        user_obj, "is_anonymous", False) else None
    labels = cache.setdefault("labels", {})
    if key not in labels:
        labels[key] = compute(user_obj)
    return list(labels[key])


@dataclasses.dataclass
class Caller:
    """Who is asking: a user (or nobody), whether auth is bypassed."""

    user: Optional[model.User]
    privileged: bool = False
    _labels: Optional[frozenset[str]] = None

    @classmethod
    def from_context(cls, context: Context) -> "Caller":
        if context.get("ignore_auth"):
            return cls(user=None, privileged=True)
        user = context.get("auth_user_obj")
        if not isinstance(user, model.User):
            name = context.get("user")
            user = model.User.get(name) if name else None
        return cls.for_user(user)

    @classmethod
    def for_user(cls, user: UserLike) -> "Caller":
        if isinstance(user, str):
            user = model.User.get(user)
        if not isinstance(user, model.User):
            user = None
        if user is not None and user.state != "active":
            user = None
        return cls(user=user, privileged=bool(user is not None and user.sysadmin))

    @property
    def labels(self) -> frozenset[str]:
        if self._labels is None:
            self._labels = frozenset(
                lib_plugins.get_permission_labels().get_user_dataset_labels(self.user))
        return self._labels


def can_see(caller: Caller, facts: PackageFacts) -> bool:
    """May the caller see the dataset at all (metadata)?"""
    if caller.privileged:
        return True
    return bool(caller.labels.intersection(dataset_labels(facts)))


def is_member(caller: Caller, facts: PackageFacts) -> bool:
    """Is the caller a member of the dataset's owning organization (any
    capacity)? Sysadmins count as members: they see and have everything."""
    if caller.privileged:
        return True
    return bool(facts.owner_org) and member_label(facts.owner_org) in caller.labels


def is_agency_staff(caller: Caller) -> bool:
    """Is the caller a member of some organization (in any capacity)?"""
    return AGENCY_STAFF_LABEL in caller.labels


def shared_with(caller: Caller, facts: PackageFacts) -> bool:
    """Does the dataset's sharing type give the caller its data: shared
    unconditionally, and the caller on the staff of some organization?"""
    return facts.share_type == SHARED_UNCONDITIONALLY and is_agency_staff(caller)


def is_insider(caller: Caller, facts: PackageFacts) -> bool:
    """A member of the owning organization (sysadmins too) or a collaborator
    on the dataset: someone who has its data without applying."""
    return is_member(caller, facts) or collaborator_label(facts.id) in caller.labels


def may_access(caller: Caller, facts: PackageFacts, resource_id: Optional[str] = None,
               *, visible: bool = False) -> bool:
    """May the caller have the data (URL, bytes, rows, previews)?

    ``visible=True`` says the caller is already known to see the dataset
    (e.g. package_show's auth passed), which saves the label check.
    """
    if caller.privileged:
        return True
    if not visible and not can_see(caller, facts):
        return False
    if facts.tier == UNCONDITIONAL:
        return True
    if caller.user is None:
        return False
    if facts.owner_org:
        if is_member(caller, facts):
            return True
    elif facts.creator_user_id and facts.creator_user_id == caller.user.id:
        return True
    if shared_with(caller, facts):
        return True
    if facts.tier == CLOSED and party_label(facts.id) in caller.labels \
            and opens_to_parties(facts):
        return True  # an interested party's grant: the entry and all its data
    if facts.tier == CONDITIONAL:
        if collaborator_label(facts.id) in caller.labels:
            return True
        return _granted(caller.user, facts.id, resource_id)
    if facts.share_type == SHARED_ON_CONDITIONS and shared_entry(facts) \
            and is_agency_staff(caller):
        return _granted(caller.user, facts.id, resource_id, agencies_only=True)
    return False


def has_access(user: UserLike, resource_or_package: Any) -> bool:
    """Whether ``user`` may have the data of a resource or dataset.

    :param user: a ``model.User``, a user name or id, or None (anonymous)
    :param resource_or_package: a resource dict or ``model.Resource`` (the
        grant is checked for that resource), or a dataset dict or
        ``model.Package`` (the grant must cover the whole dataset)

    True for unconditional datasets the user can see; for conditional ones
    only for sysadmins, members of the owning organization, collaborators and
    holders of a valid grant; for closed ones for sysadmins and members,
    for agency staff when the dataset is shared unconditionally, or on
    conditions and they hold a sharing request's grant, and for interested
    parties holding a data request's grant.
    """
    obj = resource_or_package
    resource_id: Optional[str] = None
    pkg: Optional[model.Package]
    if isinstance(obj, model.Resource):
        resource_id, pkg = obj.id, obj.package
    elif isinstance(obj, model.Package):
        pkg = obj
    elif isinstance(obj, dict) and obj.get("package_id") and "resources" not in obj:
        resource_id, pkg = obj.get("id"), model.Package.get(obj["package_id"])
    elif isinstance(obj, dict):
        pkg = model.Package.get(obj.get("id") or obj.get("name"))
    else:
        raise TypeError(f"has_access: not a resource or dataset: {type(obj).__name__}")
    if pkg is None:
        return False
    return may_access(Caller.for_user(user), PackageFacts.from_model(pkg), resource_id)


# --------------------------------------------------------------------- scrubbing
def apply_url(dataset_name: str) -> str:
    """The portal page where a conditional dataset is applied for."""
    return _page_url("govshare.apply", dataset_name)


def request_url(facts: PackageFacts) -> str:
    """The page that stands in for data the caller may not have: the
    application page of a conditional dataset, the sharing request page
    (共享申请) of a closed one shared on conditions."""
    name = facts.name or facts.id
    if facts.tier == CONDITIONAL:
        return apply_url(name)
    return _page_url("govshare_applications.agency_request", name, kind="sharing")


def _page_url(endpoint: str, dataset_name: str, **params: str) -> str:
    cache = request_cache()
    urls = cache.setdefault("apply_urls", {}) if cache is not None else {}
    key = (endpoint, dataset_name)
    if key not in urls:
        urls[key] = tk.h.url_for(endpoint, id=dataset_name, _external=True, **params)
    return urls[key]


def scrub_resource(resource: dict[str, Any], url: str) -> dict[str, Any]:
    """Replace a resource's data location by the application page (in place)."""
    resource["url"] = url
    resource["url_type"] = RESTRICTED_URL_TYPE
    for key in _URL_KEYS:
        resource.pop(key, None)
    return resource


def scrub_package(caller: Caller, pkg_dict: dict[str, Any],
                  facts: Optional[PackageFacts] = None, *,
                  visible: bool = True) -> dict[str, Any]:
    """Scrub the resources of a dataset the caller sees but may not have
    (conditional, or closed and shared on conditions): their ``url`` is
    :func:`request_url`.

    Returns the same dict (changed in place). An unconditional dataset is
    untouched: it is public.
    """
    if caller.privileged:
        return pkg_dict
    facts = facts or PackageFacts.from_dict(pkg_dict, published=True)
    if facts.tier == UNCONDITIONAL:
        return pkg_dict
    url: Optional[str] = None
    for key in ("validated_data_dict", "data_dict"):  # copies nested by the index
        if isinstance(pkg_dict.get(key), str):
            pkg_dict[key] = scrub_json(caller, pkg_dict[key], facts)
    for resource in pkg_dict.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        if resource.get("url_type") == RESTRICTED_URL_TYPE:
            continue
        if not may_access(caller, facts, resource.get("id"), visible=visible):
            url = url or request_url(facts)
            scrub_resource(resource, url)
    return pkg_dict


def scrub_json(caller: Caller, text: str, facts: Optional[PackageFacts] = None) -> str:
    """:func:`scrub_package` for a dataset dict serialized as JSON (the
    ``data_dict`` and ``validated_data_dict`` fields of the search index)."""
    try:
        pkg_dict = json.loads(text)
    except ValueError:
        return text
    if not isinstance(pkg_dict, dict):
        return text
    scrub_package(caller, pkg_dict, facts, visible=True)
    return json.dumps(pkg_dict)


def facts_for_ids(ids: Iterable[str]) -> dict[str, PackageFacts]:
    """The facts of many datasets in one query (for lists of activities etc.)."""
    ids = list({i for i in ids if i})
    if not ids:
        return {}
    pkg = model.package_table
    extra = model.package_extra_table
    share = model.package_extra_table.alias("share")
    pub = publication_table
    rows = model.Session.execute(
        sa.select(pkg.c.id, pkg.c.name, pkg.c.owner_org, pkg.c.private, pkg.c.state,
                  pkg.c.creator_user_id, extra.c.value, share.c.value.label("share"),
                  pub.c.state.label("pub_state"))
        .select_from(pkg.outerjoin(extra, sa.and_(extra.c.package_id == pkg.c.id,
                                                  extra.c.key == TIER_FIELD))
                     .outerjoin(share, sa.and_(share.c.package_id == pkg.c.id,
                                               share.c.key == SHARE_FIELD))
                     .outerjoin(pub, pub.c.package_id == pkg.c.id))
        .where(pkg.c.id.in_(ids)))
    return {
        r.id: PackageFacts(id=r.id, name=r.name, owner_org=r.owner_org,
                           tier=normalise_tier(r.value), private=bool(r.private),
                           state=r.state or "active", creator_user_id=r.creator_user_id,
                           published=publication.is_published(r.pub_state),
                           share_type=r.share)
        for r in rows
    }
