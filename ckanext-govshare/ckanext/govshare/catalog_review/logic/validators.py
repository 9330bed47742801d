"""Validators of the catalog review schemas (used directly, not registered)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Validator


def max_length(length: int) -> Validator:
    """Refuse text longer than ``length`` characters."""

    def validator(value: Any) -> Any:
        if isinstance(value, str) and len(value) > length:
            raise tk.Invalid(
                tk._("Must be at most {max} characters long").format(max=length))
        return value

    return validator

