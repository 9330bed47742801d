"""One SELECT per user and transaction for CKAN's ``model.User.get``.

CKAN looks the acting user up by name or id over and over while it answers
one call: ``check_access`` once per action context, ``authz`` for every
sysadmin and membership check it makes outside a web request (jobs, the
CLI, actions calling actions), ``get_site_user`` for every internal call.
Each is the same SELECT, answered with the same identity-mapped object (the
session keeps loaded attributes as they are), at about a millisecond each:
up to a fifth of an action's time. This module keeps the first answer in the
session (``Session.info``) until the transaction ends, or until anything
writes through the session (a flush that touches a user, or any statement
that is not a SELECT), whichever comes first. Nothing else changes: a user
that is not found is looked up again, and an object the session no longer
holds is never handed out.

It replaces ``User.get`` on CKAN's model class (monkeypatching, like
:mod:`ckanext.govshare.search.backend`, :mod:`ckanext.govshare.search.index_once`,
:mod:`ckanext.govshare.catalog.fast_validation` and
:mod:`ckanext.govshare.dcat.entry_points`: the places that do), once,
from ``IConfigurer.update_config``; ``uninstall`` gives CKAN its own back.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm

import ckan.model as model

#: the memo's key in a session's ``info``
MEMO = "govshare_user_lookup"

_original: Optional[classmethod] = None


def _memo(session: orm.Session) -> dict[str, model.User]:
    return session.info.setdefault(MEMO, {})


def _forget(session: orm.Session, *_: Any) -> None:
    session.info.pop(MEMO, None)


def _after_flush(session: orm.Session, _context: Any) -> None:
    if any(isinstance(obj, model.User)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        _forget(session)


def _before_execute(state: orm.ORMExecuteState) -> None:
    # an UPDATE or DELETE (ORM or textual) may rename or remove a user
    if not state.is_select:
        _forget(state.session)


def _get(cls: type[model.User], user_reference: Optional[str]) -> Optional[model.User]:
    assert _original is not None
    if not user_reference or not isinstance(user_reference, str):
        return _original.__func__(cls, user_reference)
    session = model.Session()
    memo = _memo(session)
    user = memo.get(user_reference)
    if user is not None:
        state = sa.inspect(user)
        if state.session is session and not state.deleted and not state.detached:
            return user
    user = _original.__func__(cls, user_reference)
    if user is not None:
        memo[user_reference] = user
    return user


def is_installed() -> bool:
    return _original is not None


def install() -> None:
    """Memoise ``model.User.get`` per transaction (idempotent)."""
    global _original
    if _original is not None:
        return
    _original = model.User.__dict__["get"]
    model.User.get = classmethod(_get)  # type: ignore[method-assign]
    sa.event.listen(orm.Session, "after_transaction_end", _forget)
    sa.event.listen(orm.Session, "after_flush", _after_flush)
    sa.event.listen(orm.Session, "do_orm_execute", _before_execute)


def uninstall() -> None:
    """Give CKAN its own ``model.User.get`` back."""
    global _original
    if _original is None:
        return
    model.User.get = _original  # type: ignore[method-assign]
    _original = None
    sa.event.remove(orm.Session, "after_transaction_end", _forget)
    sa.event.remove(orm.Session, "after_flush", _after_flush)
    sa.event.remove(orm.Session, "do_orm_execute", _before_execute)
