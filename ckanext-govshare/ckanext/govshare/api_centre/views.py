"""``/api-centre`` (``govshare_api_centre.index``): the Action API for
developers, in the page's language; the actions' own documentation is their
docstring, in English, as ``help_show`` returns it."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk
from ckan.logic import ValidationError

from ckanext.govshare.api_centre import examples, reference
from ckanext.govshare.tiers import policy
from ckanext.govshare.tiers import views as tier_views

api_centre = Blueprint("govshare_api_centre", __name__)


def get_blueprints() -> list[Blueprint]:
    return [api_centre]


#: the groups of actions, in the page's order: CKAN's own that a data user
#: needs, then GovShare's by who may call them
GROUPS = ("core", reference.PUBLIC, reference.USER, reference.AGENCY)


def group_titles() -> dict[str, str]:
    return {
        "core": tk._("Finding and reading data"),
        reference.PUBLIC: tk._("GovShare actions open to everyone"),
        reference.USER: tk._("GovShare actions for logged-in users"),
        reference.AGENCY: tk._("GovShare actions for agencies and sysadmins"),
    }


def _error_examples(facts: dict[str, str]) -> dict[str, str]:
    """The error answers as the API gives them: a 409 from a real call with
    a missing parameter, and the 403 of a conditional download."""

    try:
        tk.get_action("package_show")({"user": ""}, {})
        validation: dict[str, Any] = {}
    except ValidationError as error:
        validation = {"__type": "Validation Error", **error.error_dict}
    dataset = {"name": facts["conditional"], "title": facts["conditional"]}
    refused = tier_views.api_error(
        403, "Authorization Error", tier_views.restricted_message(dataset, {"name": "…"}),
        apply_url=policy.apply_url(facts["conditional"]))
    help_url = tk.h.url_for("api.action", logic_function="help_show", ver=3,
                            name="package_show", _external=True)
    return {
        "409": json.dumps({"help": help_url, "success": False, "error": validation},
                          ensure_ascii=False, indent=2),
        "403": json.dumps(json.loads(refused.get_data(as_text=True)),
                          ensure_ascii=False, indent=2),
    }


def index() -> str:
    facts = examples.catalog_facts()
    groups: dict[str, list[tuple[reference.Action, examples.Example]]] = {g: [] for g in GROUPS}
    for name in reference.documented_names():
        doc = reference.parse(reference.registry()[name].__doc__)
        params = examples.params_for(name, facts, [p.name for p in doc.params])
        action = reference.describe(name, doc, params)
        group = action.access if name.startswith(reference.PREFIX) else "core"
        groups[group].append((action, examples.example(action, params)))
    user = tk.current_user
    logged_in = bool(user and user.is_authenticated)
    return tk.render("govshare/api_centre/index.html", {
        "groups": [(key, group_titles()[key], groups[key]) for key in GROUPS if groups[key]],
        "api_root": tk.config.get("ckan.site_url").rstrip("/") + examples.API_PATH,
        "token_url": tk.h.url_for("user.api_tokens", id=user.name) if logged_in else None,
        "login_url": tk.h.url_for("user.login",
                                  came_from=tk.h.url_for("govshare_api_centre.index")),
        "limits": examples.limits(),
        "errors": _error_examples(facts),
        "facts": facts,
        "render": reference.render,
    })


api_centre.add_url_rule("/api-centre", view_func=index, endpoint="index")
