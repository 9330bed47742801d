"""Schemas of the audit actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.audit import chain

#: how many chains one call checks by default (the command pages through)
DEFAULT_CHAINS = 500


@validator_args
def audit_page_schema(ignore_missing: Validator, unicode_safe: Validator,
                      default: ValidatorFactory, is_positive_integer: Validator,
                      one_of: ValidatorFactory) -> Schema:
    """A page of chains of one trail: those after the id ``after`` (an
    application's, a dataset's)."""
    return {
        "trail": [default(chain.APPLICATIONS.name), unicode_safe, one_of(list(chain.TRAILS))],
        "after": [ignore_missing, unicode_safe],
        "limit": [default(DEFAULT_CHAINS), is_positive_integer,
                  v.int_between(1, "ckan.search.rows_max")],
    }

