"""Who may reach the publication actions. The moves themselves (who makes
which move from which state) are :mod:`..workflow`'s; the own-case rule is
the action's (it records the attempt)."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govshare.logic import context_user, given_id
from ckanext.govshare.publication import access, workflow


def get_auth_functions() -> dict[str, Any]:
    return {
        "govshare_publication_submit": govshare_publication_submit,
        "govshare_publication_decide": govshare_publication_decide,
        "govshare_publication_show": govshare_publication_show,
        "govshare_publication_list": govshare_publication_list,
    }


def _org_of(data_dict: DataDict) -> str | None:
    package = model.Package.get(given_id(data_dict, "id"))
    if package is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package.owner_org


def _needs(context: Context, org_id: str | None, role: str, message: str) -> AuthResult:
    if role in access.roles(context_user(context), org_id):
        return {"success": True}
    return {"success": False, "msg": message}


def govshare_publication_submit(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs(context, _org_of(data_dict), workflow.EDITOR,
                  tk._("Only editors and admins of the organization may submit its entries"))


def govshare_publication_decide(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs(context, _org_of(data_dict), workflow.REVIEWER,
                  tk._("Only admins of the organization review its entries"))


def govshare_publication_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _needs(context, _org_of(data_dict), workflow.EDITOR,
                  tk._("Only editors and admins of the organization may see this"))


def govshare_publication_list(context: Context, data_dict: DataDict) -> AuthResult:
    org = model.Group.get(given_id(data_dict, "organization"))
    return _needs(context, org.id if org else None, workflow.EDITOR,
                  tk._("Only editors and admins of the organization may see this"))
