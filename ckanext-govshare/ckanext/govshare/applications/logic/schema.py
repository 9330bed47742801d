"""Schemas of the application actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare import options
from ckanext.govshare.applications import deadline, grants, kinds, workflow
from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.catalog.logic.validators import govshare_unified_social_credit_code
from ckanext.govshare.catalog_review.logic.validators import max_length


@validator_args
def application_materials_schema(
        not_missing: Validator, not_empty: Validator, ignore_missing: Validator,
        unicode_safe: Validator, strip_value: Validator, one_of: ValidatorFactory,
        default: ValidatorFactory, email_validator: Validator) -> Schema:
    """What an applicant states (on submission and on a supplement)."""
    return {
        "resource_ids": [ignore_missing, v.string_list],
        "purpose": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
        "use_scenario": [not_missing, unicode_safe, strip_value, not_empty,
                         max_length(2000)],
        "requested_fields": [default(""), unicode_safe, strip_value, max_length(2000)],
        "requested_term_months": [not_missing, not_empty,
                                  v.int_between(1, options.APPLICATION_MAX_TERM_MONTHS)],
        "applicant_type": [not_missing, not_empty, unicode_safe,
                           one_of(["person", "organization"])],
        "applicant_name": [not_missing, unicode_safe, strip_value, not_empty,
                           max_length(200)],
        "credit_code": [ignore_missing, unicode_safe, govshare_unified_social_credit_code,
                        v.credit_code_for_organizations],
        "contact_email": [not_missing, unicode_safe, strip_value, not_empty,
                          email_validator],
        "contact_phone": [not_missing, unicode_safe, not_empty, v.phone],
        "accept_terms": [not_missing, v.accepted],
        "accept_security_commitment": [not_missing, v.accepted],
    }


@validator_args
def _create_fields(not_missing: Validator, not_empty: Validator, unicode_safe: Validator,
                   ignore_missing: Validator, default: ValidatorFactory,
                   one_of: ValidatorFactory) -> Schema:
    return {
        "package_id": [not_missing, not_empty, unicode_safe],
        "kind": [default(kinds.OPEN), unicode_safe, one_of(list(kinds.APPLIED_KINDS))],
        "organization": [ignore_missing, unicode_safe],
    }


@validator_args
def verification_materials_schema(not_missing: Validator, not_empty: Validator,
                                  unicode_safe: Validator, strip_value: Validator,
                                  default: ValidatorFactory) -> Schema:
    """What an agency states when it asks for data to be verified: which
    records or fields (``requested_fields``), what looks wrong (``purpose``),
    optionally what it uses the data for (``use_scenario``); no term of use,
    no terms to accept."""
    materials = application_materials_schema()
    return {
        "resource_ids": materials["resource_ids"],
        "requested_fields": [not_missing, unicode_safe, strip_value, not_empty,
                             max_length(2000)],
        "purpose": materials["purpose"],
        "use_scenario": [default(""), unicode_safe, strip_value, max_length(2000)],
        **{f: materials[f] for f in ("applicant_type", "applicant_name", "credit_code",
                                     "contact_email", "contact_phone")},
    }


def application_create_schema(kind: str = kinds.OPEN) -> Schema:
    """The create action's schema for the procedure ``kind``."""
    materials = (verification_materials_schema() if kind == kinds.VERIFICATION
                 else application_materials_schema())
    return {**materials, **_create_fields()}


@validator_args
def application_supplement_schema(not_missing: Validator, not_empty: Validator,
                                  unicode_safe: Validator, ignore_missing: Validator,
                                  strip_value: Validator) -> Schema:
    schema = application_materials_schema()
    # a supplement repeats the materials; what is left out keeps its value
    for field, validators in schema.items():
        schema[field] = [ignore_missing] + [f for f in validators
                                           if f not in (not_missing, not_empty)]
    schema["id"] = [not_missing, not_empty, unicode_safe]
    schema["note"] = [ignore_missing, unicode_safe, strip_value, max_length(2000)]
    return schema


@validator_args
def application_decide_schema(not_missing: Validator, not_empty: Validator,
                              ignore_missing: Validator, unicode_safe: Validator,
                              strip_value: Validator, one_of: ValidatorFactory) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "decision": [not_missing, not_empty, unicode_safe, one_of(list(workflow.DECISIONS))],
        "reason": [ignore_missing, unicode_safe, strip_value, max_length(4000)],
        "basis": [ignore_missing, unicode_safe, strip_value, max_length(2000)],
        "terms": [ignore_missing],
        "correction": [ignore_missing, unicode_safe, strip_value, max_length(4000)],
    }


@validator_args
def approval_terms_schema(not_missing: Validator, not_empty: Validator,
                          ignore_missing: Validator, unicode_safe: Validator,
                          strip_value: Validator) -> Schema:
    """The agreement terms an approval records (the rules name them all)."""
    text = [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)]
    return {
        "scope": list(text),
        "resource_ids": [ignore_missing, v.string_list],
        "extent": list(text),
        "valid_from": [ignore_missing, v.iso_date],
        "valid_until": [not_missing, not_empty, v.iso_date],
        "disposal": list(text),
        "derived_data_ownership": list(text),
    }


@validator_args
def application_id_schema(not_missing: Validator, not_empty: Validator,
                          ignore_missing: Validator, unicode_safe: Validator,
                          strip_value: Validator) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "reason": [ignore_missing, unicode_safe, strip_value, max_length(4000)],
    }


@validator_args
def application_accept_terms_schema(not_missing: Validator, not_empty: Validator,
                                    unicode_safe: Validator,
                                    strip_value: Validator) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "terms_version": [not_missing, unicode_safe, strip_value, not_empty,
                          max_length(200)],
    }


@validator_args
def _application_extend_schema(not_missing: Validator, not_empty: Validator,
                               unicode_safe: Validator, strip_value: Validator) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "days": [not_missing, not_empty],
        "reason": [not_missing, unicode_safe, strip_value, not_empty, max_length(4000)],
    }


def application_extend_schema(kind: str = kinds.OPEN) -> Schema:
    """The extension of an application of ``kind``: up to the profile's
    extension days for the kind."""
    schema = _application_extend_schema()
    schema["days"].append(v.int_between(1, lambda: deadline.max_extension_days(kind)))
    return schema


@validator_args
def application_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                            one_of: ValidatorFactory, default: ValidatorFactory,
                            is_positive_integer: Validator) -> Schema:
    return {
        "mine": [ignore_missing, v.strict_boolean],
        "organization": [ignore_missing, unicode_safe],
        "package_id": [ignore_missing, unicode_safe],
        "state": [ignore_missing, unicode_safe, one_of(list(workflow.STATES))],
        "kind": [ignore_missing, unicode_safe, one_of(list(kinds.KINDS))],
        "overdue": [ignore_missing, v.strict_boolean],
        "sort": [default("due_date"), unicode_safe,
                 one_of(["due_date", "submitted_at desc", "created_at desc"])],
        "limit": [default(50), is_positive_integer, v.int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }


@validator_args
def grant_list_schema(ignore_missing: Validator, unicode_safe: Validator, one_of: ValidatorFactory,
                      default: ValidatorFactory,
                      is_positive_integer: Validator) -> Schema:
    return {
        "mine": [ignore_missing, v.strict_boolean],
        "organization": [ignore_missing, unicode_safe],
        "package_id": [ignore_missing, unicode_safe],
        "application_id": [ignore_missing, unicode_safe],
        "state": [ignore_missing, unicode_safe, one_of(list(grants.STATES))],
        "kind": [ignore_missing, unicode_safe, one_of(list(kinds.ACCESS_KINDS))],
        "limit": [default(50), is_positive_integer, v.int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }


@validator_args
def grant_revoke_schema(not_missing: Validator, not_empty: Validator,
                        unicode_safe: Validator, strip_value: Validator) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "reason": [not_missing, unicode_safe, strip_value, not_empty, max_length(4000)],
    }


@validator_args
def report_schema(ignore_missing: Validator, unicode_safe: Validator,
                  one_of: ValidatorFactory) -> Schema:
    return {
        "organization": [ignore_missing, unicode_safe],
        "kind": [ignore_missing, unicode_safe, one_of(list(kinds.KINDS))],
        "since": [ignore_missing, v.iso_date],
        "until": [ignore_missing, v.iso_date],
    }
