"""The agreement (使用协议) an approval's terms make, and the applicant's
acceptance of it: the use of conditionally open data rests on an agreement
(Shanxi 2020 art. 20).

Where the jurisdiction profile says so (``procedures.open.
terms_acceptance_required``), an approval issues its grant
``awaiting_acceptance`` (:mod:`.grants`): it opens nothing until the
applicant has read the agreement on the application page and accepted it
(the ``accept_terms`` move, ``govshare_application_accept_terms``). The
text is written here from the terms the reviewer recorded, in the request's
language; its :func:`version` (a hash of the text) is what the page sends
back, so that the text accepted is the text shown (in whichever of the
portal's languages it was shown: :func:`shown`), and the acceptance's event
holds that text.
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare.applications import grants
from ckanext.govshare.applications.model import Application, Grant
from ckanext.govshare.jurisdiction import profile


def required(kind: str = profile.OPEN) -> bool:
    """Whether an approval's grant waits for the applicant's acceptance."""
    return bool(profile.procedure(kind).terms_acceptance_required.value)


def _resources(resource_ids: list[str]) -> str:
    if not resource_ids:
        return tk._("All resources")
    rows = dict(model.Session.query(model.Resource.id, model.Resource.name).filter(
        model.Resource.id.in_(resource_ids)).all())
    return tk._(", ").join(rows.get(rid) or rid for rid in resource_ids)


def text(application: Application) -> str:
    """The agreement an approval's terms make, as the applicant reads and
    accepts it (plain text, one clause a line)."""
    terms: dict[str, Any] = application.terms or {}
    package = model.Package.get(application.package_id)
    organization = model.Group.get(application.owner_org)

    def clause(label: str, value: Any) -> str:
        return tk._("{label}: {value}").format(label=label, value=value or "")

    return "\n".join([
        tk._("Agreement on the use of conditionally open data"),
        clause(tk._("Dataset"), (package.title or package.name) if package
               else application.package_id),
        clause(tk._("Provided by"), (organization.title or organization.name)
               if organization else application.owner_org),
        clause(tk._("Resources granted"), _resources(list(terms.get("resource_ids") or []))),
        clause(tk._("Scope"), terms.get("scope")),
        clause(tk._("Extent"), terms.get("extent")),
        clause(tk._("Term"), tk._("{start} to {end}").format(
            start=terms.get("valid_from"), end=terms.get("valid_until"))),
        clause(tk._("Disposal when the term ends"), terms.get("disposal")),
        clause(tk._("Ownership of derived data"), terms.get("derived_data_ownership")),
        tk._("The applicant uses the data only within the scope, extent and term above, "
             "keeps it secure, disposes of it as agreed when the term ends and states "
             "its source in whatever is derived from it."),
    ])


def version(shown: str) -> str:
    """What identifies a text of the agreement: its SHA-256, hex."""
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


def _languages() -> list[str]:
    """The request's language, then the portal's others."""
    import flask_babel

    offered = tk.config.get("ckan.locales_offered") or []
    return list(dict.fromkeys([str(flask_babel.get_locale() or ""),
                               tk.config.get("ckan.locale_default") or "en", *offered]))


def shown(application: Application, shown_version: str) -> Optional[tuple[str, str]]:
    """The text of the agreement whose version is ``shown_version``, as it
    reads now in the request's language or another the portal offers:
    ``(language, text)``; None when no text of the terms as they stand has
    that version (they changed since it was shown)."""
    import flask_babel

    for language in _languages():
        if not language:
            continue
        with flask_babel.force_locale(language):
            current = text(application)
        if version(current) == shown_version:
            return language, current
    return None


def grant_of(application_id: str, *, lock: bool = False) -> Optional[Grant]:
    query = model.Session.query(Grant).filter(Grant.application_id == application_id)
    if lock:
        query = query.with_for_update().populate_existing()
    return query.one_or_none()


def refusal(application: Application) -> Optional[str]:
    """Why the applicant cannot accept the terms now (None: they can)."""
    grant = grant_of(application.id)
    if grant is None or grant.state != grants.AWAITING_ACCEPTANCE:
        return tk._("No terms of this approval await acceptance: they were accepted "
                    "already, or the approval opened the data at once")
    return None


def as_dict(application: Application, grant: Optional[Grant],
            accepted: Optional[Any] = None) -> dict[str, Any]:
    """What the application's API and page show of the agreement: its
    ``text`` and ``version`` now, whether it ``awaits_acceptance``, and the
    acceptance's event (``accepted``: ``at``, ``version``, ``text``)."""
    shown = text(application)
    return {
        "text": shown,
        "version": version(shown),
        "awaits_acceptance": bool(grant is not None
                                  and grant.state == grants.AWAITING_ACCEPTANCE),
        "accepted": accepted,
    }
