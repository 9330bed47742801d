"""GovShare's test factories: CKAN's, filled in with a valid catalog entry.

The catalog schema (schemas/dataset.yaml, schemas/organization.yaml) makes
fields required that CKAN's own factories do not know about, so tests create
datasets and organizations through these::

    from tests import factories

    org = factories.Organization()                  # valid credit code, review contact
    ds = factories.Dataset(owner_org=org["id"])      # every required catalog field
    closed = factories.Dataset(open_tier="closed")   # reason and basis filled in

Every keyword overrides a default, exactly as with CKAN's factories
(``title``, ``tags``, ``resources``, ``private``, ``user`` …). The defaults
are deliberately dull words, so they do not turn up in the search tests'
free-text queries. Users, groups, API tokens etc. are CKAN's own
(``from ckan.tests import factories``); they are re-exported here for
convenience.
"""
from __future__ import annotations

import factory

from ckan.tests import factories as ckan_factories

from ckanext.govshare.catalog.logic.validators import uscc_check_char

# re-exported unchanged
User = ckan_factories.User
Sysadmin = ckan_factories.Sysadmin
Group = ckan_factories.Group
APIToken = ckan_factories.APIToken
UserWithToken = ckan_factories.UserWithToken
SysadminWithToken = ckan_factories.SysadminWithToken

#: Administrative division code used in generated credit codes.
DIVISION = "330100"


def credit_code(n: int, prefix: str = "11") -> str:
    """A valid unified social credit code (GB 32100-2015), unique for each ``n``:
    ``prefix`` (登记管理部门 + 机构类别), the division code, a 9-digit
    organization code and the check character."""
    first17 = f"{prefix}{DIVISION}{n % 10**9:09d}"
    return first17 + uscc_check_char(first17)


def tier_text(kind: str):
    """Reason/basis defaults: filled in for the tiers that need them."""
    texts = {
        "reason": "测试用的有条件开放或不予开放理由",
        "basis": "《测试用的依据》第一条",
    }
    return factory.LazyAttribute(
        lambda o: None if o.open_tier == "unconditional" else texts[kind])


class Organization(ckan_factories.Organization):
    """An agency: CKAN's organization factory plus the organization schema's
    required fields (unified social credit code, review contact)."""

    unified_social_credit_code = factory.Sequence(lambda n: credit_code(n + 1))
    review_contact = "审核联系人"
    review_contact_email = factory.Sequence(lambda n: f"review-{n}@govshare.example")


class Dataset(ckan_factories.Dataset):
    """A catalog entry with every required catalog field filled in.

    ``owner_org`` defaults to a new :class:`Organization`; ``resource_code`` is
    unique per instance; ``open_tier`` defaults to ``unconditional``, and
    ``open_tier_reason``/``open_tier_basis`` are filled in for the other tiers;
    ``desensitised`` follows ``contains_personal_data``; ``share_type``
    defaults to ``conditional`` with its reason and basis.
    """

    owner_org = factory.LazyFunction(lambda: Organization()["id"])
    resource_code = factory.Sequence(lambda n: f"GS-TEST-{n:06d}")
    resource_category = "basic"
    subject_category = "government"
    maintainer = "目录联系人"
    maintainer_email = "catalog-contact@govshare.example"
    data_format = factory.LazyFunction(lambda: ["CSV"])
    info_items = factory.LazyFunction(
        lambda: [{"name": "编号", "type": "string", "description": ""}])
    update_frequency = "yearly"
    # shared between agencies on conditions (共享申请): no other agency's
    # staff has the data without a request; tests of unconditional sharing
    # say so
    share_type = "conditional"
    share_type_reason = factory.LazyAttribute(
        lambda o: None if o.share_type == "unconditional" else "测试用的有条件共享理由")
    share_type_basis = factory.LazyAttribute(
        lambda o: None if o.share_type == "unconditional" else "《测试用的共享依据》第一条")
    open_tier = "unconditional"
    open_tier_reason = tier_text("reason")
    open_tier_basis = tier_text("basis")
    release_date = "2024-01-01"
    data_grade = "L1"
    contains_personal_data = False
    desensitised = factory.LazyAttribute(lambda o: bool(o.contains_personal_data))


class Resource(ckan_factories.Resource):
    """CKAN's resource factory, on a :class:`Dataset` of ours by default, in a
    machine-readable format (CKAN's draws a random file extension, and an
    unconditionally open dataset needs one machine-readable resource)."""

    package_id = factory.LazyFunction(lambda: Dataset()["id"])
    format = "CSV"


def catalog_fields(**overrides) -> dict:
    """The catalog fields of a valid dataset as a plain dict (for API calls
    and forms in tests), without name, title or organization."""
    stub = vars(Dataset.stub(owner_org=None, **overrides))
    for key in ("name", "title", "notes", "owner_org"):
        if key not in overrides:
            stub.pop(key, None)
    return {k: v for k, v in stub.items() if v is not None or k in overrides}
