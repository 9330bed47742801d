"""``govshare_url``: the validator of every URL field of the schemas
(dataset source, resource URL, product URL, organization image)."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.govshare.links import schemes


def get_validators() -> dict[str, Callable[..., Any]]:
    return {"govshare_url": govshare_url}


def govshare_url(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                 context: Context) -> None:
    """Refuse a URL whose scheme is not an allowed one (relative URLs pass);
    stops the field's other validators, so it gets one message."""
    value = data.get(key)
    if value is tk.missing or value is None or value == "":
        return
    if not schemes.is_safe_url(value):
        errors[key].append(schemes.refusal())
        raise tk.StopOnError
