"""Schemas of the error-report actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications import workflow
from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.catalog_review.logic.validators import max_length
from ckanext.govshare.error_reports import problems

#: the states an error report may be in
STATES = (workflow.SUBMITTED, workflow.CORRECTED, workflow.CONFIRMED, workflow.WITHDRAWN)


@validator_args
def error_report_create_schema(not_missing: Validator, not_empty: Validator,
                               ignore_missing: Validator, unicode_safe: Validator,
                               strip_value: Validator, one_of: ValidatorFactory) -> Schema:
    return {
        "package_id": [not_missing, not_empty, unicode_safe],
        "resource_id": [ignore_missing, unicode_safe, strip_value],
        "kind": [not_missing, not_empty, unicode_safe, one_of(list(problems.PROBLEMS))],
        "description": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
    }


@validator_args
def error_report_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                             one_of: ValidatorFactory, default: ValidatorFactory,
                             is_positive_integer: Validator) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe],
        "organization": [ignore_missing, unicode_safe],
        "mine": [ignore_missing, v.strict_boolean],
        "state": [ignore_missing, unicode_safe, one_of(list(STATES))],
        "limit": [default(50), is_positive_integer, v.int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }


@validator_args
def error_report_answer_schema(not_missing: Validator, not_empty: Validator,
                               ignore_missing: Validator, unicode_safe: Validator,
                               strip_value: Validator, one_of: ValidatorFactory) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "outcome": [not_missing, not_empty, unicode_safe, one_of(list(problems.OUTCOMES))],
        "reason": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
        "forward_to": [ignore_missing, unicode_safe],
    }
