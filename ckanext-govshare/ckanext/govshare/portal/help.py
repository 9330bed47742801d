"""The Help page: what the tiers mean, how to apply, the deadlines, the
source-and-date label, then the sections the operator writes.

The first four are read from the rules themselves (the tier policy, the
answer period of :mod:`ckanext.govshare.applications.deadline`, the label's
facts), so the page cannot promise what the portal does not do. Terms of
use, privacy and contact are the operator's: GovShare's text until a
sysadmin writes their own (Markdown) at ``/ckan-admin/config``
(:func:`update_config_schema`).
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Schema

from ckanext.govshare import options
from ckanext.govshare.applications import deadline
from ckanext.govshare.labelling import helpers as labelling_helpers
from ckanext.govshare.tiers import display as tier_display

#: (option, anchor) of the sections a sysadmin may rewrite, in page order
EDITABLE = ((options.PORTAL_HELP_TERMS, "terms"),
            (options.PORTAL_HELP_PRIVACY, "privacy"),
            (options.PORTAL_HELP_CONTACT, "contact"))


def _titles() -> dict[str, str]:
    return {"terms": tk._("Terms of use"), "privacy": tk._("Privacy"),
            "contact": tk._("Contact us")}


def editable_sections() -> list[dict[str, Any]]:
    """The operator's sections: option, anchor, title and the sysadmin's
    text (empty: GovShare's own)."""
    titles = _titles()
    return [{"key": key, "id": anchor, "title": titles[anchor],
             "text": (tk.config.get(key) or "").strip()}
            for key, anchor in EDITABLE]


def page() -> dict[str, Any]:
    """What the Help page shows."""
    return {
        "tiers": tier_display.tier_explanations(),
        "answer_days": deadline.answer_working_days(),
        "max_extension_days": deadline.max_extension_days(),
        "label_facts": [name for _key, name in labelling_helpers.fact_names()],
        "sections": editable_sections(),
    }


def update_config_schema(schema: Schema) -> Schema:
    """IConfigurer: the operator's sections are runtime-editable options."""
    ignore_missing = tk.get_validator("ignore_missing")
    unicode_safe = tk.get_validator("unicode_safe")
    schema.update({key: [ignore_missing, unicode_safe] for key, _anchor in EDITABLE})
    return schema


def get_helpers() -> dict[str, Any]:
    return {"govshare_help_sections": editable_sections}
