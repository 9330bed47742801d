"""Schemas of the publication actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.catalog_review.logic.validators import max_length
from ckanext.govshare.publication import workflow


@validator_args
def publication_decide_schema(not_missing: Validator, not_empty: Validator,
                              ignore_missing: Validator, unicode_safe: Validator,
                              strip_value: Validator, one_of: ValidatorFactory,
                              default: ValidatorFactory,
                              boolean_validator: Validator) -> Schema:
    schema: Schema = {
        "id": [not_missing, not_empty, unicode_safe],
        "decision": [not_missing, not_empty, unicode_safe, one_of(list(workflow.DECISIONS))],
        "reason": [default(""), unicode_safe, strip_value, max_length(2000)],
    }
    for name in workflow.CHECKLIST_FIELDS:
        schema[name] = [default(False), boolean_validator]
    return schema


@validator_args
def publication_list_schema(not_missing: Validator, not_empty: Validator,
                            ignore_missing: Validator, unicode_safe: Validator,
                            one_of: ValidatorFactory) -> Schema:
    return {
        "organization": [not_missing, not_empty, unicode_safe],
        "state": [ignore_missing, unicode_safe, one_of(list(workflow.STATES))],
    }
