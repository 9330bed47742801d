"""What every GovShare page view shares: the action context of the logged-in
user, the CSRF check of the forms it posts, and the way to the login page."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.types import Context
from flask import current_app


def context() -> Context:
    """The action context for the request's user (anonymous: empty name)."""
    user = tk.current_user
    authenticated = bool(user and user.is_authenticated)
    return {"user": user.name if authenticated else "",  # type: ignore[typeddict-item]
            "auth_user_obj": user if authenticated else None}


def check_csrf() -> None:
    """Validate the form's CSRF token (HTTP 400 when missing or wrong), as
    CKAN does for its own forms."""
    if not current_app.config.get("WTF_CSRF_ENABLED") or tk.g.get("login_via_auth_header"):
        # (API token clients are exempt, as they are from CKAN's own forms)
        return
    current_app.extensions["csrf"].protect()


def to_login(back_to: Optional[str] = None, message: Optional[str] = None) -> Any:
    """Send an anonymous visitor to the login page, and back (to ``back_to``,
    default this page) after."""
    tk.h.flash_error(message or tk._("Log in to see this page"))
    return tk.redirect_to("user.login", next=back_to or tk.request.full_path.rstrip("?"))
