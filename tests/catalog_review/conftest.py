from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import factories


#: the password of the agency's users (for tests that log in through the form)
PASSWORD = "correct123"


@pytest.fixture()
def agency():
    """An organization with an admin, an editor and a (read-only) member, and
    a user from outside."""
    admin, editor, member, outsider = (factories.User(password=PASSWORD) for _ in range(4))
    org = factories.Organization(users=[
        {"name": admin["name"], "capacity": "admin"},
        {"name": editor["name"], "capacity": "editor"},
        {"name": member["name"], "capacity": "member"},
    ])
    return SimpleNamespace(org=org, admin=admin, editor=editor, member=member,
                           outsider=outsider, sysadmin=factories.Sysadmin())


def catalogued(dataset: dict, when: str) -> dict:
    """Backdate a dataset's ``metadata_created`` (a column default freezegun
    cannot reach) to ``when`` (UTC), and re-index it."""
    import datetime as dt

    import ckan.lib.search as search
    import ckan.model as model

    model.Session.query(model.Package).filter_by(id=dataset["id"]).update(
        {"metadata_created": dt.datetime.fromisoformat(when)})
    model.repo.commit()
    search.rebuild(dataset["id"])
    return dataset


def as_user(user: dict | None) -> dict:
    """An action context that checks permissions for ``user`` (None: anonymous)."""
    return {"user": user["name"] if user else "", "ignore_auth": False}
