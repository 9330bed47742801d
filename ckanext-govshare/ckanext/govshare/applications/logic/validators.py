"""Validators of the application schemas (used directly, not registered)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import missing
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Validator

from ckanext.govshare.catalog.logic.validators import govshare_date_in_range, parse_bool

#: a mainland mobile number (+86 optional) or a landline with area code and
#: optional extension: 13812345678, +86 138 1234 5678, 0571-88888888-123
PHONE_RE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")


def phone(value: Any) -> Any:
    """A Chinese mobile or landline number; spaces are dropped."""
    if value is missing or value is None:
        return value
    number = re.sub(r"[\s()]", "", str(value))
    if not PHONE_RE.match(number):
        raise tk.Invalid(tk._("Enter a mobile number (11 digits) or a landline number "
                              "with its area code, e.g. 0571-88888888"))
    return number


def accepted(value: Any) -> Any:
    """A box that must be ticked (true)."""
    try:
        ticked = parse_bool(value)
    except ValueError:
        ticked = None
    if not ticked:
        raise tk.Invalid(tk._("Must be accepted to apply"))
    return True


def int_between(low: int, high_option: str | Callable[[], int]) -> Validator:
    """A whole number from ``low`` up to the configured ``high_option`` (an
    option's name, or a function giving the number)."""

    def validator(value: Any) -> Any:
        high = int(high_option() if callable(high_option) else tk.config.get(high_option))
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise tk.Invalid(tk._("Enter a whole number"))
        if not low <= number <= high:
            raise tk.Invalid(tk._("Must be between {low} and {high}").format(
                low=low, high=high))
        return number

    return validator


def iso_date(value: Any) -> Any:
    """A date given as ``YYYY-MM-DD``, inside the portal's date range."""
    if value is missing or value is None or value == "":
        return value
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise tk.Invalid(tk._("Enter a date as YYYY-MM-DD")) from None
    else:
        raise tk.Invalid(tk._("Enter a date as YYYY-MM-DD"))
    return govshare_date_in_range(day, {})


def string_list(value: Any) -> Any:
    """A list of ids, given as a list or as a comma/space separated string."""
    if value is missing or value is None or value == "":
        return []
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    if not isinstance(value, (list, tuple)):
        raise tk.Invalid(tk._("Give a list of ids"))
    return [str(v).strip() for v in value if str(v).strip()]


def credit_code_for_organizations(key: FlattenKey, data: FlattenDataDict,
                                  errors: FlattenErrorDict, context: Context) -> None:
    """An organization applicant gives its 统一社会信用代码; a person gives none."""
    value = data.get(key)
    if data.get(("applicant_type",)) == "organization":
        if value is missing or not value:
            errors[key].append(tk._("An organization applicant must give its unified "
                                    "social credit code"))
    else:
        data[key] = None


#: the largest offset a list accepts (PostgreSQL's OFFSET is a bigint; a
#: client asking for more gets a field error, not a database error)
MAX_OFFSET = 10**9
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


def strict_boolean(value: Any) -> Any:
    """A yes/no parameter: a boolean, 0/1, or true/false, yes/no, on/off;
    anything else is a field error (CKAN's boolean_validator fails on numbers
    and lists with a 500)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise tk.Invalid(tk._("Give true or false"))


def offset(value: Any) -> Any:
    """How many results to skip: a whole number from 0 to :data:`MAX_OFFSET`."""
    if isinstance(value, bool):
        raise tk.Invalid(tk._("Enter a whole number"))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Enter a whole number")) from None
    if not 0 <= number <= MAX_OFFSET:
        raise tk.Invalid(tk._("Must be between {low} and {high}").format(
            low=0, high=MAX_OFFSET))
    return number
