"""The procedures one application workflow serves, as kinds of application.

* ``open``: the public's application for conditionally open data
  (有条件开放申请), the default;
* ``sharing``: a request by a member of one organization, for that
  organization, for data another organization shares on conditions
  (共享申请, Qingyang 2021 arts. 16-17);
* ``verification``: a request by a member of an organization that has a
  dataset's data (it uses it) for its provider to check data it doubts
  (数据校核, Qingyang 2021 art. 18, Liaoning 2019 art. 18): which records or
  fields, what looks wrong; the provider answers with the result, and the
  correction made when the data was wrong;
* ``error_report``: anyone logged in reports a problem with a dataset or a
  resource (纠错): the organization answers that it corrected it, that no
  error was found, or forwards the report to the organization whose data
  it is (:mod:`ckanext.govshare.error_reports`).

All follow the same move table (:mod:`.workflow`, where each move names the
kinds it serves), deadlines (the answer period is the jurisdiction profile's
for the kind, :mod:`.deadline`), events and notices; an approved application
or sharing request gives its requester a grant. Data shared unconditionally (无条件共享) needs no
request: agency staff have it directly (:func:`ckanext.govshare.tiers.policy.shared_with`).
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.jurisdiction import profile
from ckanext.govshare.tiers import policy

OPEN = profile.OPEN
SHARING = profile.SHARING
VERIFICATION = profile.VERIFICATION
ERROR_REPORT = profile.ERROR_REPORT
KINDS = profile.KINDS
#: the kinds an agency's staff make for their organization
AGENCY_KINDS = (SHARING, VERIFICATION)
#: the kinds ``govshare_application_create`` makes (an error report has its
#: own action, ``govshare_error_report_create``)
APPLIED_KINDS = (OPEN, SHARING, VERIFICATION)
#: the kinds whose approval gives a grant
ACCESS_KINDS = (OPEN, SHARING)


def N_(message: str) -> str:
    """Marks ``message`` for the translation catalog (translated where shown)."""
    return message


LABELS = {
    OPEN: N_("Application for conditionally open data"),
    SHARING: N_("Sharing request"),
    VERIFICATION: N_("Verification request"),
    ERROR_REPORT: N_("Error report"),
}


def label(kind: str) -> str:
    """The kind's name in the request's (or the mail's) language."""
    return tk._(LABELS[kind]) if kind in LABELS else kind


def sharing_refusal(facts: policy.PackageFacts) -> Optional[str]:
    """Why the dataset cannot be requested by another agency, naming its
    sharing type (共享类型), or None when it is shared on conditions."""
    if facts.share_type == policy.SHARED_ON_CONDITIONS:
        return None
    if facts.share_type == policy.SHARED_UNCONDITIONALLY:
        return tk._("This dataset is shared unconditionally (无条件共享): the staff of "
                    "every organization have its data without a request")
    if facts.share_type == policy.NOT_SHARED:
        return tk._("This dataset is not shared (不予共享): other organizations cannot "
                    "request it")
    return tk._("This dataset states no sharing type (共享类型): it cannot be requested "
                "by another organization")


def _organizations_of(user: model.User) -> list[model.Group]:
    """The active organizations ``user`` is a member of, in any capacity."""
    return (model.Session.query(model.Group)
            .join(model.Member, model.Member.group_id == model.Group.id)
            .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                    model.Member.state == "active", model.Group.is_organization.is_(True),
                    model.Group.state == "active")
            .order_by(model.Group.name).all())


def requesting_organization(user: model.User, reference: Optional[str],
                            provider_org: Optional[str]) -> model.Group:
    """The organization a sharing or verification request is made for:
    ``reference`` (id or name), which the user must be a member of and which
    must not be the provider; without it, the user's only other
    organization. Field errors (``organization``) otherwise."""
    mine = organizations_for(user, provider_org)
    if reference:
        found = next((g for g in mine if reference in (g.id, g.name)), None)
        if found is None:
            provider = model.Group.get(reference)
            if provider is not None and provider.id == provider_org:
                message = tk._("The organization that provides the data does not request "
                               "it from itself")
            else:
                message = tk._("You are not a member of this organization: an agency's "
                               "request is made for an organization you work for")
            raise tk.ValidationError({"organization": [message]})
        return found
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise tk.ValidationError({"organization": [tk._(
            "Sharing and verification requests are made by the staff of another "
            "organization: you are not a member of one")]})
    raise tk.ValidationError({"organization": [tk._(
        "Choose the organization you make the request for")]})


def verification_refusal(caller: policy.Caller, facts: policy.PackageFacts) -> Optional[str]:
    """Why the caller cannot ask for the dataset to be verified (None: they
    can): a verification is asked by an organization that has the data."""
    if not policy.may_access(caller, facts, visible=True):
        return tk._("A verification is asked for data your organization has: apply for "
                    "this dataset or request it first")
    return None


def offered(user: Optional[model.User], pkg_dict: dict[str, Any]) -> list[str]:
    """The agency requests ``user`` may make for a dataset (what its page
    offers them): ``sharing`` when it is shared on conditions and they do
    not have its data, ``verification`` when they have it; none for the
    public and for the provider's own staff."""
    caller = policy.Caller.for_user(user)
    if caller.user is None or not policy.is_agency_staff(caller):
        return []
    facts = policy.PackageFacts.from_dict(pkg_dict)
    if policy.is_member(caller, facts):
        return []
    has_data = policy.may_access(caller, facts, visible=True)
    found = [SHARING] if not has_data and sharing_refusal(facts) is None else []
    return found + ([VERIFICATION] if has_data else [])


def organizations_for(user: model.User, provider_org: Optional[str]) -> list[model.Group]:
    """The organizations ``user`` may make an agency request for."""
    return [g for g in _organizations_of(user) if g.id != provider_org]


def credit_code(organization: model.Group) -> Optional[str]:
    """The organization's 统一社会信用代码 (organization schema), if stated."""
    return organization.extras.get("unified_social_credit_code") or None
