"""Template helpers: the scan report on the resource page, for those who may
see it."""
from __future__ import annotations

from typing import Any, Callable, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare.personal_data import detectors


def govshare_pii_scan(resource_id: str) -> Optional[dict[str, Any]]:
    """The resource's scan (``govshare_pii_scan_show``) as the viewer may see
    it; ``None`` for anyone outside the owning organization."""
    try:
        shown = tk.get_action("govshare_pii_scan_show")(
            {"user": tk.g.user if getattr(tk.g, "user", None) else ""},
            {"resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    return shown["resources"][0] if shown["resources"] else None


def govshare_pii_kind_label(kind: str) -> str:
    """A kind of personal data in the reader's language."""
    labels = {detectors.ID_NUMBER: tk._("Resident ID number"),
              detectors.MOBILE: tk._("Mobile number"),
              detectors.BANK_CARD: tk._("Bank card number"),
              detectors.EMAIL: tk._("E-mail address")}
    return labels.get(kind, kind)


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"govshare_pii_scan": govshare_pii_scan,
            "govshare_pii_kind_label": govshare_pii_kind_label}
