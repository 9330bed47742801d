"""What an error report is about, and what its answers are called: the one
list the schema, the pages, the mails and the tests read."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import workflow

WRONG_VALUES = "wrong_values"
OUT_OF_DATE = "out_of_date"
BROKEN_LINK = "broken_link"
PERSONAL_DATA = "personal_data"
OTHER = "other"


def N_(message: str) -> str:
    """Marks ``message`` for the translation catalog (translated where shown)."""
    return message


LABELS = {
    WRONG_VALUES: N_("Wrong values"),
    OUT_OF_DATE: N_("Out of date"),
    BROKEN_LINK: N_("Broken file or link"),
    PERSONAL_DATA: N_("Personal data exposed"),
    OTHER: N_("Other problem"),
}
PROBLEMS = tuple(LABELS)

#: the answers ``govshare_error_report_answer`` takes, as moves of the workflow
CORRECTED, NO_ERROR, FORWARDED = "corrected", "no_error", "forwarded"
OUTCOME_MOVES = {CORRECTED: workflow.CORRECT, NO_ERROR: workflow.CONFIRM,
                 FORWARDED: workflow.FORWARD}
OUTCOMES = tuple(OUTCOME_MOVES)
#: the answer an answered report's state stands for
OUTCOME_OF_STATE = {workflow.CORRECTED: CORRECTED, workflow.CONFIRMED: NO_ERROR}
OUTCOME_LABELS = {
    CORRECTED: N_("Corrected"),
    NO_ERROR: N_("No error found"),
    FORWARDED: N_("Forwarded to the responsible organization"),
}


def label(problem: str | None) -> str:
    return tk._(LABELS[problem]) if problem in LABELS else (problem or "")


def outcome_label(outcome: str | None) -> str:
    return tk._(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else (outcome or "")


def options() -> list[dict[str, str]]:
    """The problems as a form's options."""
    return [{"value": p, "text": label(p)} for p in PROBLEMS]
