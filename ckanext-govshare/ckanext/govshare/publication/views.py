"""Pages of the review before publication; thin wrappers around the actions.

* ``/organization/<id>/publication``: the reviewers' inbox (submitted
  entries, each with the checklist and the publish / return form), and the
  organization's drafts and returned entries; editors and admins.
* ``POST /organization/<id>/publication/decide``: a reviewer's decision.
* ``POST /dataset/<id>/publication/submit``: an editor submits an entry.

The dataset page's banner is :func:`govshare_publication_banner`.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.publication import access, held_resources, workflow
from ckanext.govshare.publication import state as publication_state
from ckanext.scheming import helpers as scheming_helpers

publication = Blueprint("govshare_publication", __name__)
#: the states a reviewer decides (the inbox)
AWAITING = (workflow.SUBMITTED, workflow.CHANGE_SUBMITTED)


def get_blueprints() -> list[Blueprint]:
    return [publication]


def get_helpers() -> dict[str, Any]:
    return {"govshare_publication_banner": govshare_publication_banner}


def govshare_publication_banner(pkg: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page tells its organization's editors about an entry
    that is not published: its state, the reason it was returned, whether
    they may submit it, and whether they review it. None for everyone else,
    for published entries and with review off."""
    if not publication_state.review_on() or not isinstance(pkg, dict) or not pkg.get("id"):
        return None
    try:
        shown = tk.get_action("govshare_publication_show")(
            views_common.context(), {"id": pkg["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    if shown["published"] and shown["state"] != workflow.CHANGE_SUBMITTED:
        return None
    user = tk.current_user if tk.current_user.is_authenticated else None
    roles = access.roles(user, shown["owner_org"])  # type: ignore[arg-type]
    return {**shown, "state_view": workflow.state_view(shown["state"]),
            "pending_labels": _field_labels(pkg.get("type"), shown["pending_change"])
            + [_held_label(entry) for entry in shown["pending_resources"]],
            "may_submit": any(m.name == workflow.SUBMIT
                              for m in workflow.moves_for(shown["state"], roles)),
            "reviews": workflow.REVIEWER in roles}


def _field_labels(package_type: Any, fields: dict[str, Any]) -> list[str]:
    """The labels the dataset form gives the fields (their names otherwise)."""
    schema = scheming_helpers.scheming_get_dataset_schema(package_type or "dataset") or {}
    labels = {field["field_name"]: scheming_helpers.scheming_language_text(field.get("label"))
              for field in schema.get("dataset_fields") or []}
    return [labels.get(name) or name for name in fields]


def _held_label(entry: dict[str, Any]) -> str:
    name = entry["resource"].get("name") or (entry.get("file") or {}).get("filename") \
        or entry["resource"].get("url") or entry["id"]
    if entry["change"] == held_resources.CREATE:
        return tk._("new resource {name}").format(name=name)
    return tk._("new file or link of {name}").format(name=name)


def _organization(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("organization_show")(
            views_common.context(), {"id": id, "include_datasets": False,
                                     "include_users": False, "include_extras": False,
                                     "include_tags": False, "include_groups": False,
                                     "include_followers": False})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Organization not found"))


def inbox(id: str) -> Any:
    """The organization's entries awaiting review, drafts and returned ones."""
    org = _organization(id)
    context = views_common.context()
    try:
        listing = tk.get_action("govshare_publication_list")(
            context, {"organization": org["id"]})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors and admins of the organization may "
                                  "see its entries awaiting publication"))
    user = tk.current_user if tk.current_user.is_authenticated else None
    reviews = workflow.REVIEWER in access.roles(user, org["id"])  # type: ignore[arg-type]
    for entry in listing["results"]:
        entry["state_view"] = workflow.state_view(entry["state"])
        entry["own"] = bool(user and entry["submitted_by"] == user.id)  # type: ignore[union-attr]
    return tk.render("govshare/publication/inbox.html", {
        "group_dict": org, "group_type": org.get("type", "organization"),
        "submitted": [e for e in listing["results"] if e["state"] in AWAITING],
        "others": [e for e in listing["results"] if e["state"] not in AWAITING],
        "reviews": reviews, "checklist": workflow.checklist_view(),
        "review_on": publication_state.review_on(),
    })


def _summary(error: tk.ValidationError) -> str:
    return "; ".join(f"{field}: {messages}"
                     for field, messages in (error.error_summary or {}).items()) or str(error)


def decide(id: str) -> Any:
    """POST: publish a submitted entry or return it with a reason."""
    views_common.check_csrf()
    org = _organization(id)
    form = tk.request.form
    data: dict[str, Any] = {"id": form.get("package_id", ""),
                            "decision": form.get("decision", ""),
                            "reason": form.get("reason", "")}
    for name in workflow.CHECKLIST_FIELDS:
        data[name] = form.get(name) == "on"
    try:
        result = tk.get_action("govshare_publication_decide")(views_common.context(), data)
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e) or tk._("Only admins of the organization review "
                                            "its entries"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("Not decided: {errors}").format(errors=_summary(e)))
    else:
        tk.h.flash_success(tk._("{title}: {state}").format(
            title=result["title"], state=workflow.state_label(result["state"])))
    return tk.redirect_to("govshare_publication.inbox", id=org["name"])


def submit(id: str) -> Any:
    """POST: submit an entry for review."""
    views_common.check_csrf()
    try:
        result = tk.get_action("govshare_publication_submit")(
            views_common.context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only editors and admins of the organization may "
                                  "submit its entries"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(tk._("Not submitted: {errors}").format(errors=_summary(e)))
        return tk.redirect_to("dataset.read", id=id)
    tk.h.flash_success(tk._("Submitted for review: an admin of the organization will "
                            "publish it or return it with a reason."))
    return tk.redirect_to("dataset.read", id=result["name"])


publication.add_url_rule("/organization/<id>/publication", view_func=inbox)
publication.add_url_rule("/organization/<id>/publication/decide", view_func=decide,
                         methods=["POST"])
publication.add_url_rule("/dataset/<id>/publication/submit", view_func=submit,
                         methods=["POST"])
