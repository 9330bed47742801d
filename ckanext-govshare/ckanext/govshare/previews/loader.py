"""How ckanext-xloader's jobs reach the portal: with the site user's token.

A job fetches an uploaded file from the portal's own download route
(``ckanext.xloader.site_url``, else ``ckan.site_url``) and reports back
through the Action API, both with an API token. The download guard lets a
sysadmin's token through for every tier, and nothing the job fetched leaves
the DataStore but through ``datastore_search``, which asks the tier policy.

An operator may set ``ckanext.xloader.api_token``. Without one the site
user's token named :data:`TOKEN_NAME` is used: made on first use, re-signed
from its id afterwards (a token is its id signed with the install's key), so
no secret is written into an ini file and a database made anew gets a new
token by itself.
"""
from __future__ import annotations

from typing import Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import api_token

#: xloader's own option (declared by ckanext-xloader)
TOKEN_OPTION = "ckanext.xloader.api_token"
#: xloader's value for "not configured"
NOT_SET = "NOT_SET"
TOKEN_NAME = "xloader"

#: the token this process put into the config (so it is not taken for the
#: operator's own)
_ours: Optional[str] = None


def ensure_token() -> None:
    """Put the site user's token into the config unless the operator set one."""
    global _ours
    configured = tk.config.get(TOKEN_OPTION)
    if configured and configured != NOT_SET and configured != _ours:
        return
    _ours = site_token()
    tk.config[TOKEN_OPTION] = _ours


def site_token() -> str:
    """The site user's loader token (made now if the database has none)."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    user = model.User.get(site_user["name"])
    assert user is not None
    token = (model.Session.query(model.ApiToken)
             .filter_by(user_id=user.id, name=TOKEN_NAME)
             .order_by(model.ApiToken.created_at).first())
    if token is None:
        # its own session: the caller's transaction (a resource being
        # saved) commits when it will
        session = model.meta.create_local_session()
        try:
            token = model.ApiToken(user_id=user.id, name=TOKEN_NAME)
            session.add(token)
            session.commit()
            jti, created = token.id, token.created_at
        finally:
            session.close()
    else:
        jti, created = token.id, token.created_at
    return api_token.encode({"jti": jti, "iat": api_token.into_seconds(created)})
