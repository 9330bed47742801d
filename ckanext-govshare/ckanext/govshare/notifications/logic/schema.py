"""Schemas of the message centre's and the outbox page's actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v

#: a notice id is a PostgreSQL bigint
_MAX_ID = 2 ** 63 - 1
#: notices per call at most
MAX_LIMIT = 100


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise tk.Invalid(tk._("Enter a whole number"))
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("Enter a whole number")) from None


def notice_id(value: Any) -> Any:
    """A notice's id: a whole number."""
    number = _whole_number(value)
    if not 1 <= number <= _MAX_ID:
        raise tk.Invalid(tk._("No such notice"))
    return number


def limit(value: Any) -> Any:
    number = _whole_number(value)
    if not 1 <= number <= MAX_LIMIT:
        raise tk.Invalid(tk._("Must be between {low} and {high}").format(
            low=1, high=MAX_LIMIT))
    return number


@validator_args
def notice_list_schema(default: ValidatorFactory) -> Schema:
    return {
        "mine": [default(True), v.strict_boolean],
        "unread_only": [default(False), v.strict_boolean],
        "limit": [default(20), limit],
        "offset": [default(0), v.offset],
    }


@validator_args
def notice_show_schema(not_missing: Validator) -> Schema:
    return {"id": [not_missing, notice_id]}


@validator_args
def notice_read_schema(ignore_missing: Validator, default: ValidatorFactory) -> Schema:
    return {"id": [ignore_missing, notice_id], "all": [default(False), v.strict_boolean]}


@validator_args
def outbox_list_schema(default: ValidatorFactory) -> Schema:
    return {"limit": [default(50), limit], "offset": [default(0), v.offset]}


@validator_args
def outbox_retry_schema(ignore_missing: Validator, default: ValidatorFactory) -> Schema:
    return {"id": [ignore_missing, notice_id], "all": [default(False), v.strict_boolean]}
