"""The answers to a data request and what each needs: the one list the
schema, the action, the pages and the tests read."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

WILL_OPEN, AVAILABLE, BY_APPLICATION, CANNOT_OPEN = (
    "will_open", "available", "by_application", "cannot_open")


def N_(message: str) -> str:
    """Marks ``message`` for the translation catalog (translated where shown)."""
    return message


LABELS = {
    WILL_OPEN: N_("Will be opened"),
    AVAILABLE: N_("Already available"),
    BY_APPLICATION: N_("Available by application"),
    CANNOT_OPEN: N_("Cannot be opened"),
}
OUTCOMES = tuple(LABELS)
#: the fields each answer must give (besides ``reason``)
NEEDS = {
    WILL_OPEN: ("open_by",),
    AVAILABLE: ("package_id",),
    BY_APPLICATION: ("package_id",),
    CANNOT_OPEN: ("basis",),
}


def label(outcome: str | None) -> str:
    return tk._(LABELS[outcome]) if outcome in LABELS else (outcome or "")
