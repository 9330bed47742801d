"""What every GovShare action shares."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict


def validate(data_dict: DataDict, schema: dict[str, Any], context: Context) -> dict[str, Any]:
    """``data_dict`` validated by ``schema``; ``ValidationError`` (409) with
    the field messages otherwise."""
    data, errors = tk.navl_validate(data_dict, schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data
