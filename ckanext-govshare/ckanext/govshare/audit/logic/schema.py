"""Schemas of the audit actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v

#: how many chains one call checks by default (the command pages through)
DEFAULT_CHAINS = 500


@validator_args
def audit_page_schema(ignore_missing: Validator, unicode_safe: Validator,
                      default: ValidatorFactory, is_positive_integer: Validator) -> Schema:
    """A page of chains: those after the application id ``after``."""
    return {
        "after": [ignore_missing, unicode_safe],
        "limit": [default(DEFAULT_CHAINS), is_positive_integer,
                  v.int_between(1, "ckan.search.rows_max")],
    }

