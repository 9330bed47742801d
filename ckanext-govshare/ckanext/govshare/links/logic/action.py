"""The URL fields of CKAN's own forms that no scheming schema covers: the
image of a group and the picture of a user (``image_url``). Their create and
update actions refuse another scheme, as ``govshare_url`` does in the schemas."""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from ckanext.govshare.links import schemes

IMAGE_FIELD = "image_url"


def get_actions() -> dict[str, Callable[..., Any]]:
    return {"group_create": group_create, "group_update": group_update,
            "user_create": user_create, "user_update": user_update}


def _check_image_url(data_dict: DataDict) -> None:
    value = data_dict.get(IMAGE_FIELD)
    if value not in (None, "") and not schemes.is_safe_url(value):
        raise tk.ValidationError({IMAGE_FIELD: [schemes.refusal()]})


@tk.chained_action
def group_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    _check_image_url(data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def group_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    _check_image_url(data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def user_create(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    _check_image_url(data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def user_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    _check_image_url(data_dict)
    return up_func(context, data_dict)
