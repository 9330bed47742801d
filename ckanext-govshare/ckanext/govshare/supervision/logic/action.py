"""The supervisor capability (:mod:`..access`): sysadmins grant and revoke it."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.logic import context_user, given_id
from ckanext.govshare.supervision import access


def _user(data_dict: DataDict) -> model.User:
    user = model.User.get(given_id(data_dict, "user"))
    if user is None or user.state != "active":
        raise tk.ObjectNotFound(tk._("User not found"))
    return user


def _as_dict(user: model.User) -> dict[str, Any]:
    return {"user": user.name, "user_id": user.id, "sysadmin": bool(user.sysadmin),
            "grant": access.grant_of(user)}


def govshare_supervisor_grant(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Make a user a supervisor of the catalog (sysadmins only).

    :param user: the user's id or name
    :param reason: why (for example the supervising department and the
        document that designates the person; required)
    :returns: ``{"user", "user_id", "sysadmin", "grant"}``
    """
    tk.check_access("govshare_supervisor_grant", context, data_dict)
    user = _user(data_dict)
    reason = data_dict.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise tk.ValidationError({"reason": [tk._(
            "Missing value: say who designated this supervisor and why")]})
    by = context_user(context)
    user.plugin_extras = {**(user.plugin_extras or {}), access.KEY: {
        "granted_by": by.name if by else None, "reason": reason.strip(),
        "granted_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}}
    model.repo.commit()
    return _as_dict(user)


def govshare_supervisor_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Take the supervisor capability back (sysadmins only).

    :param user: the user's id or name
    """
    tk.check_access("govshare_supervisor_revoke", context, data_dict)
    user = _user(data_dict)
    user.plugin_extras = {key: value for key, value in (user.plugin_extras or {}).items()
                          if key != access.KEY}
    model.repo.commit()
    return _as_dict(user)


@tk.side_effect_free
def govshare_supervisor_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The supervisors: granted users and sysadmins (sysadmins only)."""
    tk.check_access("govshare_supervisor_list", context, data_dict)
    users = (model.Session.query(model.User).filter(model.User.state == "active")
             .order_by(model.User.name).all())
    return [_as_dict(user) for user in users if access.is_supervisor(user)]


def get_actions() -> dict[str, Any]:
    return {"govshare_supervisor_grant": govshare_supervisor_grant,
            "govshare_supervisor_revoke": govshare_supervisor_revoke,
            "govshare_supervisor_list": govshare_supervisor_list}
