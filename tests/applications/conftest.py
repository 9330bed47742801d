"""Fixtures of the applications tests: an agency with a reviewer team, a
conditional dataset with two resources, an applicant."""
from __future__ import annotations

import datetime as dt
import types

import pytest

from ckan.tests import helpers

from ckanext.govshare import workdays
from tests import factories


def application_data(package_id: str, **overrides) -> dict:
    """A complete, valid application for ``package_id``."""
    data = {
        "package_id": package_id,
        "purpose": "城市交通规划研究",
        "use_scenario": "公交线网优化模型的训练与验证",
        "requested_fields": "线路编号、站点、发车间隔",
        "requested_term_months": 12,
        "applicant_type": "organization",
        "applicant_name": "某市交通研究院",
        "credit_code": factories.credit_code(4242, prefix="12"),
        "contact_email": "applicant@research.example",
        "contact_phone": "13812345678",
        "accept_terms": True,
        "accept_security_commitment": True,
    }
    data.update(overrides)
    return data


def approval_terms(**overrides) -> dict:
    terms = {
        "scope": "全部资源的线路与站点字段",
        "extent": "仅用于研究，不得公开原始数据",
        "valid_until": (workdays.local_today() + dt.timedelta(days=365)).isoformat(),
        "disposal": "期满后30日内删除全部数据及副本",
        "derived_data_ownership": "衍生数据归申请人所有，须注明数据来源",
    }
    terms.update(overrides)
    return terms


def accept_terms(application_id: str, applicant: dict) -> dict:
    """The applicant accepts the approval's agreement as it is shown to them."""
    context = {"user": applicant["name"], "ignore_auth": False}
    shown = helpers.call_action("govshare_application_show", context=context,
                                id=application_id)
    return helpers.call_action("govshare_application_accept_terms", context=context,
                               id=application_id,
                               terms_version=shown["agreement"]["version"])


def approve_and_accept(application_id: str, reviewer: dict, applicant: dict,
                       **terms) -> dict:
    """Approve with :func:`approval_terms` (``terms`` overriding), then the
    applicant accepts them: the grant opens the data (both shipped profiles
    require the acceptance)."""
    helpers.call_action("govshare_application_decide",
                        context={"user": reviewer["name"], "ignore_auth": False},
                        id=application_id, decision="approve", terms=approval_terms(**terms))
    return accept_terms(application_id, applicant)


@pytest.fixture
def agency():
    """An organization with an admin, an editor and a plain member, a
    conditional dataset with two resources, an applicant and a stranger."""
    return make_agency()


def make_agency() -> types.SimpleNamespace:
    """The data of :func:`agency`, for fixtures of other scopes."""
    admin = factories.User(email="admin@agency.example")
    editor = factories.User(email="editor@agency.example")
    member = factories.User(email="member@agency.example")
    org = factories.Organization(users=[
        {"name": admin["name"], "capacity": "admin"},
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"},
    ])
    dataset = factories.Dataset(
        owner_org=org["id"], open_tier="conditional",
        resources=[{"url": "http://example.com/a.csv", "name": "A"},
                   {"url": "http://example.com/b.csv", "name": "B"}])
    return types.SimpleNamespace(
        org=org, admin=admin, editor=editor, member=member, dataset=dataset,
        resources=dataset["resources"],
        applicant=factories.User(email="someone@example.com"),
        stranger=factories.User(), sysadmin=factories.Sysadmin())
