"""Validators of the catalog schema (schemas/dataset.yaml, schemas/organization.yaml).

The schemas name them in their ``validators`` keys; ckanext-scheming resolves
the names through CKAN's validator registry (``get_validators``, registered by
the plugin). Each rule of the catalog lives here once:

* the unified social credit code (统一社会信用代码) and its check character
  (GB 32100-2015);
* an organization's short names (简称, ``alias``): how they are split, stored
  and read back (:func:`aliases`, which the search index reads too);
* the resource code (资源代码), unique among active datasets, case-insensitive;
* the openness tier (``open_tier``), one of three, and the reason and legal
  basis that every tier but ``unconditional`` needs, and the same for the
  sharing type (``share_type``, Shanxi 2020 art. 12);
* ``desensitised``, which must be true when an opened dataset (unconditional
  or conditional) contains personal data (Shanxi 2020 art. 15);
* the tiers a data grade allows (``open_tiers`` of each grade in
  ``schemas/presets.yaml``);
* at least one machine-readable resource in an active, unconditionally open
  dataset that has resources (the formats of ``machine_readable_formats`` in
  ``schemas/presets.yaml``);
* at least one information item (信息项) and a temporal coverage that does
  not end before it starts.

Field validators run in CKAN's order (sorted by field name), so a rule that
reads another field reads its submitted value and normalises it itself.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Validator

from ckanext.scheming.helpers import scheming_get_preset, scheming_language_text
from ckanext.scheming.validation import scheming_validator

from ckanext.govshare import workdays

missing = tk.missing
StopOnError = tk.StopOnError

OPEN_TIERS = ("unconditional", "conditional", "closed")
UNCONDITIONAL = "unconditional"
#: the tiers in which a dataset's data reaches people outside its organization
OPENED_TIERS = ("unconditional", "conditional")

#: Letters, digits and the separators catalogs use (``-``, ``_``, ``.``, ``/``).
RESOURCE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$")

_TRUE = {"true", "yes", "t", "y", "1", "on"}
_FALSE = {"false", "no", "f", "n", "0", "off"}


# --------------------------------------------------------------------------- helpers
def _is_blank(value: Any) -> bool:
    return value is missing or value is None or (isinstance(value, str) and not value.strip())


def parse_bool(value: Any) -> bool | None:
    """``True``/``False`` for the usual spellings (API booleans, form strings),
    ``None`` when blank, ``ValueError`` for anything else."""
    if isinstance(value, bool):
        return value
    if _is_blank(value):
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _tier(data: FlattenDataDict, field: str = "open_tier") -> str:
    value = data.get((field,))
    return value.strip() if isinstance(value, str) else ""


def _add_error(errors: FlattenErrorDict, key: FlattenKey, message: str) -> None:
    errors.setdefault(key, []).append(message)


# --------------------------------------------------------------------------- credit code
#: GB 32100-2015: registration authority and type (letters allowed, e.g. N2
#: for rural collective economic organizations), division code, then ten
#: characters of the 31 (no I, O, S, V, Z). python-stdnum's own format check
#: wants digits in the first two positions, so only its check digit is used.
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    return stdnum_uscc.calc_check_digit(first17)


def uscc_is_valid(code: str) -> bool:
    """Whether ``code`` is a well-formed unified social credit code whose
    check character (the 18th) matches (GB 32100-2015)."""
    code = str(code)
    return bool(USCC_RE.match(code)) and uscc_check_char(code[:17]) == code[17]


def govshare_unified_social_credit_code(value: Any, context: Context) -> Any:
    """An organization's 统一社会信用代码: 18 characters, upper-cased, with a
    matching check character."""
    if _is_blank(value):
        return value
    code = re.sub(r"\s+", "", str(value)).upper()
    if not USCC_RE.match(code):
        raise tk.Invalid(tk._(
            "Enter the 18-character unified social credit code: digits and capital "
            "letters except I, O, S, V and Z, with the administrative division code "
            "(6 digits) in positions 3 to 8"))
    if uscc_check_char(code[:17]) != code[17]:
        raise tk.Invalid(tk._(
            "This unified social credit code is not valid: its check character "
            "(the last one) does not match the other 17"))
    return code


# --------------------------------------------------------------------------- short names
#: What may separate the short names typed into an organization's ``alias``:
#: commas (ASCII and full-width), the enumeration comma, semicolons (ASCII and
#: full-width) and white space.
ALIAS_SEPARATORS = re.compile(r"[,，、;；\s]+")
#: How the short names are joined in the stored value.
ALIAS_JOINER = "、"
#: The length of one short name, in characters.
ALIAS_MIN_LENGTH, ALIAS_MAX_LENGTH = 2, 20


def aliases(value: str | None) -> list[str]:
    """The short names (简称) in an organization's ``alias`` value, in their
    order, each once (letter case ignored), blanks dropped.

    Reads the stored value (joined with ``、``) and anything typed with the
    other separators of :data:`ALIAS_SEPARATORS` alike; ``[]`` for ``None``
    or an empty value."""
    seen: set[str] = set()
    names = []
    for name in ALIAS_SEPARATORS.split(value or ""):
        name = name.strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def govshare_organization_alias(value: Any, context: Context) -> Any:
    """An organization's short names (简称): split on commas, enumeration
    commas, semicolons and spaces, each 2 to 20 characters, duplicates
    dropped, stored joined with ``、`` (empty when none is left). A list of
    names is taken too."""
    if value is missing or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        value = ALIAS_JOINER.join(value)
    if not isinstance(value, str):
        raise tk.Invalid(tk._("Enter the short names as text, separated by commas"))
    names = aliases(value)
    wrong = [n for n in names if not ALIAS_MIN_LENGTH <= len(n) <= ALIAS_MAX_LENGTH]
    if wrong:
        raise tk.Invalid(tk._(
            "Each short name is {min} to {max} characters long: {names}").format(
                min=ALIAS_MIN_LENGTH, max=ALIAS_MAX_LENGTH, names=ALIAS_JOINER.join(wrong)))
    return ALIAS_JOINER.join(names)


# --------------------------------------------------------------------------- resource code
def resource_code_owner(code: str, exclude_id: str | None = None) -> str | None:
    """The id of an active dataset (other than ``exclude_id``) whose resource
    code is ``code``, ignoring case; ``None`` when there is none."""
    q = (model.Session.query(model.Package.id)
         .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
         .filter(model.PackageExtra.key == "resource_code",
                 model.PackageExtra.state == "active",
                 sa.func.lower(sa.func.btrim(model.PackageExtra.value)) == code.lower(),
                 model.Package.state == "active"))
    if exclude_id:
        q = q.filter(model.Package.id != exclude_id)
    row = q.first()
    return row[0] if row else None


def govshare_resource_code(key: FlattenKey, data: FlattenDataDict,
                           errors: FlattenErrorDict, context: Context) -> None:
    """资源代码: letters, digits and ``- _ . /``, unique among active datasets
    (case-insensitive; on update the dataset itself does not count)."""
    value = data.get(key)
    if _is_blank(value):
        return
    code = str(value).strip()
    data[key] = code
    if not RESOURCE_CODE_RE.match(code):
        errors[key].append(tk._(
            "A resource code is 1 to 100 letters, digits and the characters - _ . / "
            "and starts with a letter or digit"))
        raise StopOnError
    # package_update sets the id to the dataset's own before validating
    own_id = data.get(("id",))
    if resource_code_owner(code, own_id if isinstance(own_id, str) else None):
        errors[key].append(tk._("This resource code is already used by another dataset"))
        raise StopOnError


# --------------------------------------------------------------------------- tiers
def govshare_open_tier(value: Any, context: Context) -> Any:
    """One of ``unconditional`` (无条件开放), ``conditional`` (有条件开放),
    ``closed`` (不予开放)."""
    tier = value.strip() if isinstance(value, str) else value
    if tier not in OPEN_TIERS:
        raise tk.Invalid(tk._(
            "Unknown openness tier: use unconditional, conditional or closed"))
    return tier


@scheming_validator
def govshare_required_unless_unconditional(field: dict[str, Any],
                                           schema: dict[str, Any]) -> Validator:
    """Required unless the field named by the schema field's ``unless_unconditional``
    (``open_tier`` by default, or ``share_type``) is ``unconditional``: the
    reason and the legal basis of a conditional or closed tier, of a
    conditional or refused sharing type. Dropped when empty."""
    tier_field = field.get("unless_unconditional", "open_tier")
    message = (tk._("Missing value: required for a dataset that is shared on conditions "
                    "or not shared") if tier_field == "share_type" else
               tk._("Missing value: required for a dataset that is open on conditions "
                    "or not open"))

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        if not _is_blank(data.get(key)):
            return
        if _tier(data, tier_field) != UNCONDITIONAL:
            errors[key].append(message)
        data.pop(key, None)
        raise StopOnError

    return validator


@scheming_validator
def govshare_boolean(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A yes/no field stored as ``"true"``/``"false"`` (the ``boolean_validator``
    output validator turns it back into a boolean). Accepts JSON booleans and
    the usual strings; blank is an error when the field is ``required``."""
    required = bool(field.get("required"))

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        try:
            value = parse_bool(data.get(key))
        except ValueError:
            errors[key].append(tk._("Enter true or false"))
            raise StopOnError
        if value is None:
            if required:
                errors[key].append(tk._("Missing value"))
            data.pop(key, None)
            raise StopOnError
        data[key] = "true" if value else "false"

    return validator


def govshare_desensitised(key: FlattenKey, data: FlattenDataDict,
                          errors: FlattenErrorDict, context: Context) -> None:
    """已脱敏: a yes/no value (blank means no) that must be yes when the
    dataset is opened, unconditionally or on conditions, and contains personal
    data (Shanxi 2020 art. 15; Qingyang 2021 art. 22 keeps privacy data closed)."""
    try:
        value = parse_bool(data.get(key))
    except ValueError:
        errors[key].append(tk._("Enter true or false"))
        raise StopOnError
    try:
        personal = parse_bool(data.get(("contains_personal_data",)))
    except ValueError:
        personal = None  # reported on its own field
    if _tier(data) in OPENED_TIERS and personal and not value:
        errors[key].append(tk._(
            "A dataset open unconditionally or on conditions that contains personal "
            "data must be desensitised; otherwise it is not open"))
        raise StopOnError
    data[key] = "true" if value else "false"


# --------------------------------------------------------------------------- grades
def tiers_allowed_by_grade(grade: str) -> tuple[str, ...]:
    """The openness tiers a data grade allows (``open_tiers`` of the grade's
    choice in ``schemas/presets.yaml``); every tier for an unknown grade."""
    for choice in scheming_get_preset("govshare_data_grade")["choices"]:
        if choice["value"] == grade:
            return tuple(choice.get("open_tiers", OPEN_TIERS))
    return OPEN_TIERS


@scheming_validator
def govshare_grade_allows_tier(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """The data grade (数据分级) limits the openness tier; the message cites the
    basis the preset names (``tier_basis``)."""

    def validator(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                  context: Context) -> None:
        grade, tier = data.get(key), _tier(data)
        if errors.get(key) or tier not in OPEN_TIERS or tier in tiers_allowed_by_grade(grade):
            return
        errors[key].append(tk._(
            "Data of this grade cannot have this openness tier: it allows only "
            "{tiers} ({basis})").format(
                tiers=", ".join(tier_label(t) for t in tiers_allowed_by_grade(grade)),
                basis=scheming_language_text(field.get("tier_basis"))))

    return validator


def tier_label(tier: str) -> str:
    """The openness tier's label in the user's language (from the preset)."""
    for choice in scheming_get_preset("govshare_open_tier")["choices"]:
        if choice["value"] == tier:
            return scheming_language_text(choice["label"])
    return tier


# --------------------------------------------------------------------------- machine-readable
def machine_readable_formats() -> frozenset[str]:
    """The formats that count as machine-readable, upper-cased
    (``machine_readable_formats`` of ``schemas/presets.yaml``)."""
    values = scheming_get_preset("govshare_data_format")
    return frozenset(f.upper() for f in values["machine_readable_formats"])


def lacks_machine_readable_resource(tier: str, formats: list[Any]) -> bool:
    """Whether an entry of ``tier`` whose resources have ``formats`` breaks the
    rule: unconditional, with resources, none machine-readable (an entry
    without resources is not attached yet, and its own rule flags it)."""
    readable = machine_readable_formats()
    return (tier == UNCONDITIONAL and bool(formats)
            and not any(str(f or "").strip().upper() in readable for f in formats))


def govshare_machine_readable_resource(key: FlattenKey, data: FlattenDataDict,
                                       errors: FlattenErrorDict, context: Context) -> None:
    """An active, unconditionally open dataset with resources has at least one
    in a machine-readable format (Shanxi 2020 art. 15; Qingyang 2021 art. 23).

    It bites when the entry is active: CKAN's two-step form and the API's
    ``package_create`` then ``resource_create`` may add resources in any order
    to a draft; ``resource_create``, ``resource_update`` and ``resource_delete``
    validate the whole dataset, so a change that leaves an active entry
    without one is refused."""
    if data.get(("state",)) not in (None, missing, "", "active"):
        return
    positions = sorted({k[1] for k in data if len(k) == 3 and k[0] == "resources"})
    formats = [data.get(("resources", n, "format")) for n in positions]
    if not lacks_machine_readable_resource(_tier(data), formats):
        return
    message = tk._(
        "A dataset open unconditionally needs at least one resource in a "
        "machine-readable format ({formats}), not only PDF or word-processor files").format(
            formats=", ".join(scheming_get_preset("govshare_data_format")[
                "machine_readable_formats"]))
    # on each resource's format: CKAN's resource_create, _update and _delete
    # answer with the errors of their own resource
    for n in positions:
        _add_error(errors, ("resources", n, "format"), message)


# --------------------------------------------------------------------------- dataset rules
def govshare_info_items_required(key: FlattenKey, data: FlattenDataDict,
                                 errors: FlattenErrorDict, context: Context) -> None:
    """At least one information item (信息项)."""
    if any(k[0] == "info_items" and len(k) == 3 for k in data):
        return
    if any(k[0] == "info_items" and errors.get(k) for k in errors):
        return
    _add_error(errors, ("info_items",), tk._("List at least one information item"))


def govshare_temporal_coverage_order(key: FlattenKey, data: FlattenDataDict,
                                     errors: FlattenErrorDict, context: Context) -> None:
    """The temporal coverage does not end before it starts."""
    start_key, end_key = ("temporal_coverage_start",), ("temporal_coverage_end",)
    if errors.get(start_key) or errors.get(end_key):
        return
    start, end = workdays.parse_date(data.get(start_key)), workdays.parse_date(data.get(end_key))
    if start and end and end < start:
        _add_error(errors, end_key, tk._("The temporal coverage cannot end before it starts"))


def govshare_date_in_range(value: Any, context: Context) -> Any:
    """A date (or date and time) inside :data:`workdays.DATE_RANGE`; after a
    validator that parsed it (CKAN's ``isodate``). A year near 9999 passes
    CKAN's parser, then overflows wherever a day or a term is added."""
    if not isinstance(value, dt.date):  # not parsed: the parser before said so
        return value
    if not workdays.in_date_range(value):
        first, last = workdays.DATE_RANGE
        raise tk.Invalid(tk._("Enter a date between {first} and {last}").format(
            first=first.isoformat(), last=last.isoformat()))
    return value


def get_validators() -> dict[str, Callable[..., Any]]:
    return {
        "govshare_date_in_range": govshare_date_in_range,
        "govshare_unified_social_credit_code": govshare_unified_social_credit_code,
        "govshare_organization_alias": govshare_organization_alias,
        "govshare_resource_code": govshare_resource_code,
        "govshare_open_tier": govshare_open_tier,
        "govshare_required_unless_unconditional": govshare_required_unless_unconditional,
        "govshare_boolean": govshare_boolean,
        "govshare_desensitised": govshare_desensitised,
        "govshare_grade_allows_tier": govshare_grade_allows_tier,
        "govshare_machine_readable_resource": govshare_machine_readable_resource,
        "govshare_info_items_required": govshare_info_items_required,
        "govshare_temporal_coverage_order": govshare_temporal_coverage_order,
    }
