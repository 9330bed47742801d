"""What every GovShare action shares."""
from __future__ import annotations

import functools
import importlib
import inspect
import re
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict


def validate(data_dict: DataDict, schema: dict[str, Any], context: Context) -> dict[str, Any]:
    """``data_dict`` validated by ``schema``; ``ValidationError`` (409) with
    the field messages otherwise."""
    data, errors = tk.navl_validate(data_dict, schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def user_of(name_or_obj: object) -> Optional[model.User]:
    """The active user named (or given), or None."""
    if isinstance(name_or_obj, model.User):
        user = name_or_obj
    elif isinstance(name_or_obj, str) and name_or_obj:
        user = model.User.get(name_or_obj)
    else:
        return None
    return user if user is not None and user.state == "active" else None


def context_user(context: Context) -> Optional[model.User]:
    """The active user an action or auth function is called for, or None."""
    return user_of(context.get("auth_user_obj") or context.get("user"))


def given_id(data_dict: DataDict, *keys: str) -> str:
    """The id given under the first of ``keys`` (default ``id``) that is
    present, checked before anything is looked up: 409 "Missing value" when
    none is given (as CKAN core answers), a field error when it is not text."""
    keys = keys or ("id",)
    key = next((k for k in keys if data_dict.get(k) not in (None, "")), keys[0])
    value = data_dict.get(key)
    if value in (None, ""):
        raise tk.ValidationError({key: [tk._("Missing value")]})
    if not isinstance(value, str):
        raise tk.ValidationError({key: [tk._("Give the id as text")]})
    return value


def deciding_own_case(user: Optional[model.User], author_id: Optional[str],
                      may_otherwise_decide: bool) -> bool:
    """Nobody decides their own case (an application they made, an entry
    they submitted for publication): is ``user`` the author, trying a move
    that their role in the organization (or as sysadmin) would otherwise
    let them make? The one definition the applications and the publication
    review both ask."""
    return bool(user is not None and author_id and user.id == author_id
                and may_otherwise_decide)


def merged(*tables: dict[str, Any]) -> dict[str, Any]:
    """The capabilities' action (or auth) tables as the one table a plugin
    registers. Two chained functions of the same name are chained in turn
    (the later one around the earlier), not one silently dropped; two plain
    functions of the same name are a mistake. A chained action carries the
    docstring of the action it chains (see :func:`_document_chained`)."""
    out: dict[str, Any] = {}
    for table in tables:
        for name, fn in table.items():
            if name not in out:
                out[name] = fn
                continue
            inner = out[name]
            chained = ("chained_action", "chained_auth_function")
            kind = next((k for k in chained if getattr(fn, k, False)), None)
            if kind is None or not getattr(inner, kind, False):
                raise ValueError(f"{name} is defined twice")
            out[name] = _chain(fn, inner, kind)
    for name, fn in out.items():
        if getattr(fn, "chained_action", False):
            _document_chained(name, fn)
    return out


def _chain(outer: Any, inner: Any, kind: str) -> Any:
    @functools.wraps(outer)
    def both(next_fn: Any, context: Any, data_dict: Any = None) -> Any:
        return outer(functools.partial(inner, next_fn), context, data_dict)

    both.__doc__ = "\n\n".join(inspect.cleandoc(f.__doc__) for f in (outer, inner) if f.__doc__)

    setattr(both, kind, True)
    for flag in ("side_effect_free", "auth_allow_anonymous_access", "auth_sysadmins_check"):
        if hasattr(outer, flag) or hasattr(inner, flag):
            setattr(both, flag, getattr(outer, flag, False) or getattr(inner, flag, False))
    return both


CORE_ACTION_MODULES = ("get", "create", "update", "patch", "delete")
_FIELD_LINE = re.compile(r"^:(param|type|returns?|rtype|raises)\b", re.M)


def chained_docstring(name: str, govshare_doc: Optional[str]) -> str:
    """The docstring of the chained action ``name`` as an API user needs it:
    the chained action's own (CKAN's or another plugin's), with a paragraph
    saying what GovShare adds before its fields. A GovShare docstring that
    documents parameters itself replaces it."""
    own = inspect.cleandoc(govshare_doc or "")
    if _FIELD_LINE.search(own):
        return own
    base = inspect.cleandoc(_unchained_doc(name) or "")
    note = "GovShare: " + (own or "this action is chained by GovShare.")
    field = _FIELD_LINE.search(base)
    if field is None:
        return f"{base}\n\n{note}".strip()
    return f"{base[:field.start()].rstrip()}\n\n{note}\n\n{base[field.start():]}"


def _unchained_doc(name: str) -> Optional[str]:
    """The docstring of the action GovShare's ``name`` chains: another
    plugin's, else CKAN core's (the order of ``ckan.logic.get_action``)."""
    for plugin in p.PluginImplementations(p.IActions):
        if plugin.name == "govshare":
            continue
        fn = plugin.get_actions().get(name)
        if fn is not None and not getattr(fn, "chained_action", False):
            return fn.__doc__
    for module in CORE_ACTION_MODULES:
        fn = getattr(importlib.import_module(f"ckan.logic.action.{module}"), name, None)
        if fn is not None:
            return fn.__doc__
    return None


def _document_chained(name: str, fn: Any) -> None:
    # CKAN registers a chained action as functools.partial(fn, previous),
    # copying fn.__dict__ onto it; a partial's own __doc__ is the partial
    # class's text, which help_show returned. "__doc__" in fn.__dict__ is
    # what that copy carries over (a function's __doc__ attribute is not in
    # its __dict__, so the function itself keeps its own docstring).
    fn.__dict__["__doc__"] = chained_docstring(name, fn.__doc__)
