"""Template helpers of the message centre."""
from __future__ import annotations

from typing import Any

from ckanext.govshare.notifications import inbox


def govshare_unread_notices() -> int:
    """The logged-in user's unread notices (the header's bell), counted once
    per request."""
    return inbox.header_count()


def get_helpers() -> dict[str, Any]:
    return {"govshare_unread_notices": govshare_unread_notices}
