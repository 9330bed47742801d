"""Schemas of the labelling actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.applications.logic.validators import int_between, iso_date


@validator_args
def label_show_schema(ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe],
        "resource_id": [ignore_missing, unicode_safe],
        "obtained_date": [ignore_missing, iso_date],
    }


@validator_args
def receipt_list_schema(ignore_missing: Validator, unicode_safe: Validator,
                        default: ValidatorFactory) -> Schema:
    return {
        "user": [ignore_missing, unicode_safe],
        "include_labels": [default(False), v.strict_boolean],
        "package_id": [ignore_missing, unicode_safe],
        "limit": [default(50), int_between(1, "ckan.search.rows_max")],
        "offset": [default(0), v.offset],
    }
