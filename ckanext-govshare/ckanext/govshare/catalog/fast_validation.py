"""CKAN's schema validation (``ckan.lib.navl``), same answers, less work.

Every ``package_show`` of the search index (``index_package`` validates the
dict it stores), every form and every API write runs a dataset through
navl's ``_validate``. CKAN 2.11 does avoidable work there, which for a
GovShare dataset (some thirty scheming fields, resources, extras) was about
2.4 ms of the 6.3 ms a re-index spends on a dataset:

* ``augment_data`` builds, for every data key the schema does not name, a
  list of every schema key's prefix, to ask whether the key sits under a
  sub-schema (quadratic); here the prefixes are a set, made once;
* it flattens the schema and finds the data's key combinations twice, and
  ``_validate`` makes the full schema a third time; here once;
* ``_validate`` sorts the full schema four times, ``flattened_order_key``
  building a list and a tuple per key per comparison; here once, with a key
  that builds one tuple (the same value);
* key combinations sort the data's keys on their whole value, where their
  length is all the check needs (a key's parent is always shorter).

The functions below replace those of ``ckan.lib.navl.dictization_functions``
(monkeypatching, like :mod:`ckanext.govshare.database.user_lookup`), once,
from ``IConfigurer.update_config``. They keep CKAN's order of validators,
keys and errors. ``tests/catalog/test_fast_validation.py`` checks that they
return what CKAN's return for real datasets, forms with errors, junk keys and
nested lists, and that CKAN's functions are still the ones these were made
from (a CKAN upgrade fails that test until this module is checked again).
"""
from __future__ import annotations

import copy
from typing import Any, Optional

from ckan.lib.navl import dictization_functions as df

#: the replaced functions, as CKAN defines them
ORIGINALS: dict[str, Any] = {}


def flattened_order_key(key: Any) -> tuple[Any, ...]:
    """``(len(key), *key)``: CKAN's order (by length, then the values)."""
    return (len(key), *key)


def get_all_key_combinations(data: df.FlattenDataDict,
                             flattened_schema: dict[df.FlattenKey, Any]
                             ) -> set[df.FlattenKey]:
    # a key's parent combination (key[:-3]) is added by a key two shorter:
    # ordering by length alone keeps CKAN's "parents first"
    schema_prefixes = {key[:-1] for key in flattened_schema}
    combinations: set[df.FlattenKey] = {()}
    for key in sorted(data, key=len):
        if key[:-1:2] not in schema_prefixes:
            continue
        if key[:-3] not in combinations:
            continue
        combinations.add(key[:-1])
    return combinations


def _full_schema(schema: dict[str, Any],
                 key_combinations: set[df.FlattenKey]) -> dict[df.FlattenKey, Any]:
    full_schema: dict[df.FlattenKey, Any] = {}
    for combination in key_combinations:
        sub_schema = schema
        for key in combination[::2]:
            sub_schema = sub_schema[key]
        for key, value in sub_schema.items():
            if isinstance(value, list):
                full_schema[combination + (key,)] = value
    return full_schema


def make_full_schema(data: df.FlattenDataDict,
                     schema: dict[str, Any]) -> dict[df.FlattenKey, Any]:
    return _full_schema(schema, get_all_key_combinations(data, df.flatten_schema(schema)))


def _augmented(data: df.FlattenDataDict, schema: df.Schema
               ) -> tuple[df.FlattenDataDict, dict[df.FlattenKey, Any]]:
    """``augment_data(data, schema)`` and ``make_full_schema(data, schema)``."""
    flattened_schema = df.flatten_schema(schema)
    key_combinations = get_all_key_combinations(data, flattened_schema)
    full_schema = _full_schema(schema, key_combinations)
    # every prefix of every schema key: CKAN's
    # ``initial_tuple in [k[:len(initial_tuple)] for k in flattened_schema]``
    schema_key_prefixes = {key[:length] for key in flattened_schema
                           for length in range(len(key) + 1)}

    new_data = copy.copy(data)
    keys_to_remove: list[df.FlattenKey] = []
    junk = {}
    extras_keys: df.FlattenDataDict = {}
    for key, value in new_data.items():
        if key in full_schema:
            continue
        # anything naughty placed against a sub-schema?
        if key[::2] in schema_key_prefixes and data[key] != []:
            raise df.DataError('Only lists of dicts can be placed against '
                               'subschema %s, not %s' % (key, type(data[key])))
        if key[:-1] in key_combinations:
            extras_key = key[:-1] + ('__extras',)
            extras = extras_keys.get(extras_key, {})
            extras[key[-1]] = value
            extras_keys[extras_key] = extras
        else:
            junk[key] = value
        keys_to_remove.append(key)

    if junk:
        new_data[("__junk",)] = junk
    for extra_key in extras_keys:
        new_data[extra_key] = extras_keys[extra_key]
    for key in keys_to_remove:
        new_data.pop(key)
    for key in full_schema:
        if key not in new_data and not key[-1].startswith("__"):
            new_data[key] = df.missing
    return new_data, full_schema


def augment_data(data: df.FlattenDataDict, schema: df.Schema) -> df.FlattenDataDict:
    return _augmented(data, schema)[0]


def _run(keys: list[df.FlattenKey], full_schema: dict[df.FlattenKey, Any],
         converted_data: df.FlattenDataDict, errors: df.FlattenErrorDict,
         context: Any) -> None:
    for key in keys:
        for converter in full_schema[key]:
            try:
                df.convert(converter, key, converted_data, errors, context)
            except df.StopOnError:
                break


def _validate(data: df.FlattenDataDict, schema: df.Schema,
              context: Any) -> tuple[df.FlattenDataDict, df.FlattenErrorDict]:
    """CKAN 2.11's ``_validate``: before, main, extras, after (reversed) and
    junk runs over the full schema in key order."""
    converted_data, full_schema = _augmented(data, schema)
    errors: df.FlattenErrorDict = {key: [] for key in full_schema}
    ordered = sorted(full_schema, key=flattened_order_key)
    _run([key for key in ordered if key[-1] == '__before'],
         full_schema, converted_data, errors, context)
    _run([key for key in ordered if not key[-1].startswith('__')],
         full_schema, converted_data, errors, context)
    _run([key for key in ordered if key[-1] == '__extras'],
         full_schema, converted_data, errors, context)
    _run([key for key in reversed(ordered) if key[-1] == '__after'],
         full_schema, converted_data, errors, context)
    if ('__junk',) in full_schema:
        _run([('__junk',)], full_schema, converted_data, errors, context)
    return converted_data, errors


_REPLACEMENTS: dict[str, Any] = {
    "flattened_order_key": flattened_order_key,
    "get_all_key_combinations": get_all_key_combinations,
    "make_full_schema": make_full_schema,
    "augment_data": augment_data,
    "_validate": _validate,
}


def install() -> None:
    """Replace CKAN's functions with these (once; idempotent)."""
    for name, replacement in _REPLACEMENTS.items():
        current = getattr(df, name)
        if current is not replacement:
            ORIGINALS.setdefault(name, current)
            setattr(df, name, replacement)


def uninstall() -> None:
    """Give CKAN its own functions back."""
    for name, original in ORIGINALS.items():
        setattr(df, name, original)


def original(name: str) -> Optional[Any]:
    """CKAN's own function ``name`` (whether installed or not)."""
    return ORIGINALS.get(name) or getattr(df, name)
