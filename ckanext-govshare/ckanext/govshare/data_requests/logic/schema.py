"""Schemas of the data-request actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.catalog_review.logic.validators import max_length
from ckanext.govshare.data_requests import outcomes
from ckanext.govshare.data_requests.model import STATES


@validator_args
def data_request_create_schema(not_missing: Validator, not_empty: Validator,
                               ignore_missing: Validator, unicode_safe: Validator,
                               strip_value: Validator) -> Schema:
    return {
        "title": [not_missing, unicode_safe, strip_value, not_empty, max_length(200)],
        "description": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
        "purpose": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
        "organization": [ignore_missing, unicode_safe],
    }


@validator_args
def data_request_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                             one_of: ValidatorFactory, default: ValidatorFactory,
                             is_positive_integer: Validator) -> Schema:
    return {
        "sort": [default("support"), unicode_safe, one_of(["support", "newest"])],
        "state": [ignore_missing, unicode_safe, one_of(list(STATES))],
        "organization": [ignore_missing, unicode_safe],
        "limit": [default(20), is_positive_integer, v.int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }


@validator_args
def data_request_answer_schema(not_missing: Validator, not_empty: Validator,
                               ignore_missing: Validator, unicode_safe: Validator,
                               strip_value: Validator, one_of: ValidatorFactory) -> Schema:
    return {
        "id": [not_missing, not_empty, unicode_safe],
        "outcome": [not_missing, not_empty, unicode_safe, one_of(list(outcomes.OUTCOMES))],
        "reason": [not_missing, unicode_safe, strip_value, not_empty, max_length(2000)],
        "basis": [ignore_missing, unicode_safe, strip_value, max_length(1000)],
        "package_id": [ignore_missing, unicode_safe, strip_value],
        "open_by": [ignore_missing, v.iso_date],
        "interested_party": [ignore_missing, v.strict_boolean],
        "valid_until": [ignore_missing, v.iso_date],
    }
