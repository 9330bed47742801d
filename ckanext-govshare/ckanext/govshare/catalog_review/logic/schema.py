"""Schemas of the catalog review actions."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.govshare.applications.logic import validators as v
from ckanext.govshare.catalog_review.logic.validators import max_length, occurrence_date
from ckanext.govshare.catalog_review import updates
from ckanext.govshare.catalog_review.model import KINDS


@validator_args
def catalog_change_create_schema(
        not_missing: Validator, not_empty: Validator, unicode_safe: Validator,
        strip_value: Validator, one_of: ValidatorFactory, ignore_empty: Validator,
        package_id_or_name_exists: Validator,
        convert_package_name_or_id_to_id: Validator) -> Schema:
    return {
        "package_id": [not_missing, not_empty, unicode_safe,
                       package_id_or_name_exists, convert_package_name_or_id_to_id],
        "kind": [not_missing, not_empty, unicode_safe, one_of(list(KINDS))],
        "description": [not_missing, unicode_safe, strip_value, not_empty,
                        max_length(2000)],
        # missing or empty: the change occurred today
        "occurred_on": [ignore_empty, occurrence_date],
    }


@validator_args
def catalog_change_list_schema(
        ignore_missing: Validator, unicode_safe: Validator, one_of: ValidatorFactory,
        default: ValidatorFactory, package_id_or_name_exists: Validator,
        convert_package_name_or_id_to_id: Validator,
        group_id_or_name_exists: Validator,
        convert_group_name_or_id_to_id: Validator,
        natural_number_validator: Validator) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe, package_id_or_name_exists,
                       convert_package_name_or_id_to_id],
        "organization_id": [ignore_missing, unicode_safe, group_id_or_name_exists,
                            convert_group_name_or_id_to_id],
        "status": [default("all"), unicode_safe, one_of(["open", "answered", "all"])],
        "limit": [default(100), natural_number_validator],
        "offset": [default(0), v.offset],
    }


@validator_args
def dataset_id_schema(
        not_missing: Validator, not_empty: Validator, unicode_safe: Validator,
        package_id_or_name_exists: Validator,
        convert_package_name_or_id_to_id: Validator) -> Schema:
    """``id``: a dataset, by id or name (marking it reviewed, its update deadline)."""
    return {
        "id": [not_missing, not_empty, unicode_safe, package_id_or_name_exists,
               convert_package_name_or_id_to_id],
    }


catalog_review_mark_schema = dataset_id_schema
catalog_update_show_schema = dataset_id_schema


@validator_args
def organization_list_schema(
        not_missing: Validator, not_empty: Validator, unicode_safe: Validator,
        group_id_or_name_exists: Validator,
        convert_group_name_or_id_to_id: Validator) -> Schema:
    """``id``: an organization, by id or name, whose entries are listed."""
    return {
        "id": [not_missing, not_empty, unicode_safe, group_id_or_name_exists,
               convert_group_name_or_id_to_id],
    }


@validator_args
def catalog_review_list_schema(default: ValidatorFactory) -> Schema:
    return {**organization_list_schema(),
            "include_pending": [default(False), v.strict_boolean]}


@validator_args
def catalog_update_list_schema(
        ignore_empty: Validator, unicode_safe: Validator,
        one_of: ValidatorFactory) -> Schema:
    return {**organization_list_schema(),
            "status": [ignore_empty, unicode_safe, one_of(list(updates.STATUSES))]}
