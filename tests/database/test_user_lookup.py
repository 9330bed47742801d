"""``model.User.get`` asks the database once per user and transaction
(:mod:`ckanext.govshare.database.user_lookup`), and never answers from its
memo what a fresh SELECT would answer differently."""
from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests.helpers import call_action

from ckanext.govshare.database import user_lookup

from tests import factories


@pytest.fixture()
def user_selects(clean_db) -> Iterator[list[str]]:
    """The SELECTs on the user table sent from now on."""
    seen: list[str] = []

    def record(conn, cursor, statement, *_):
        if statement.lstrip().startswith("SELECT") and 'FROM "user"' in statement:
            seen.append(statement)

    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_it_is_installed():
    assert user_lookup.is_installed()
    assert model.User.get.__func__ is user_lookup._get


def test_one_select_per_user_and_transaction(user_selects):
    user = factories.User()
    model.Session.commit()
    del user_selects[:]
    first = model.User.get(user["name"])
    assert model.User.get(user["name"]) is first
    assert model.User.get(user["name"]) is first
    assert len(user_selects) == 1
    assert model.User.get(user["id"]) is first
    assert len(user_selects) == 2  # by id: another reference, another SELECT
    model.Session.commit()
    assert model.User.get(user["name"]) is first
    assert len(user_selects) == 3  # a new transaction asks again


def test_an_action_asks_for_its_caller_once(user_selects):
    user = factories.User()
    del user_selects[:]
    call_action("organization_list_for_user", {"user": user["name"]}, id=user["name"])
    by_name = [s for s in user_selects if '"user".name =' in s]
    assert len(by_name) == 1, by_name


def test_unknown_users_are_asked_for_again(user_selects):
    assert model.User.get("nobody-here") is None
    assert model.User.get("nobody-here") is None
    assert len(user_selects) == 2


def test_a_rename_in_the_session_is_seen(clean_db):
    user = factories.User()
    found = model.User.get(user["name"])
    found.name = "renamed-in-session"
    model.Session.flush()
    assert model.User.get(user["name"]) is None
    assert model.User.get("renamed-in-session") is found


def test_an_update_statement_is_seen(clean_db):
    user = factories.User()
    assert model.User.get(user["name"]) is not None
    model.Session.execute(sa.text('UPDATE "user" SET name = :new WHERE id = :id'),
                          {"new": "renamed-by-sql", "id": user["id"]})
    assert model.User.get(user["name"]) is None


def test_a_deleted_user_is_not_handed_out(clean_db):
    user = factories.User()
    found = model.User.get(user["name"])
    model.Session.delete(found)
    model.Session.flush()
    assert model.User.get(user["name"]) is None
    model.Session.rollback()


def test_another_connections_change_is_seen_in_the_next_transaction(clean_db):
    user = factories.User()
    assert model.User.get(user["name"]) is not None
    with model.meta.engine.begin() as other:
        other.execute(sa.text('UPDATE "user" SET name = :new WHERE id = :id'),
                      {"new": "renamed-elsewhere", "id": user["id"]})
    model.Session.commit()
    assert model.User.get(user["name"]) is None
    assert model.User.get("renamed-elsewhere") is not None


def test_a_closed_session_holds_nothing(clean_db):
    user = factories.User()
    found = model.User.get(user["name"])
    model.Session.remove()
    again = model.User.get(user["name"])
    assert again is not None and again is not found
