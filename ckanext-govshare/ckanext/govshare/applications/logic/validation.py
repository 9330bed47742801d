"""The hand validation of applications that a navl schema cannot express:
resources of the dataset (and among those applied for), and the approval's
agreement terms against today and the longest term allowed."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

from dateutil.relativedelta import relativedelta

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context

from ckanext.govshare import options, workdays
from ckanext.govshare.applications.dictization import TERM_FIELDS
from ckanext.govshare.applications.logic import schema


def check_resource_ids(ids: list[str], package_id: str, field: str,
                        allowed: Optional[list[str]] = None) -> list[str]:
    if not ids:
        return []
    rows = model.Session.query(model.Resource.id).filter(
        model.Resource.package_id == package_id, model.Resource.state == "active").all()
    known = {r.id for r in rows}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise tk.ValidationError({field: [tk._("Not a resource of this dataset: {ids}")
                                          .format(ids=", ".join(unknown))]})
    if allowed:
        outside = [i for i in ids if i not in allowed]
        if outside:
            raise tk.ValidationError({field: [tk._(
                "Not among the resources applied for: {ids}").format(ids=", ".join(outside))]})
    return list(dict.fromkeys(ids))


def term_errors(valid_from: dt.date, valid_until: dt.date) -> dict[str, list[str]]:
    """What is wrong with a grant's term from ``valid_from`` to
    ``valid_until`` (its last day), by field: it starts today or later,
    ends on or after its first day and lasts at most
    ``ckanext.govshare.application.max_term_months``. The one rule of every
    grant's term (an approval's, an interested party's)."""
    if valid_from < workdays.local_today():
        return {"valid_from": [tk._("The term cannot start in the past")]}
    if valid_until < valid_from:
        return {"valid_until": [tk._("The term must end on or after its first day")]}
    longest = int(tk.config.get(options.APPLICATION_MAX_TERM_MONTHS))
    if valid_until > valid_from + relativedelta(months=longest):
        return {"valid_until": [tk._("The term may be at most {months} months").format(
            months=longest)]}
    return {}


def approval_terms(raw: Any, context: Context) -> dict[str, Any]:
    """The approval's agreement terms, validated; 409 with field errors."""
    if raw in (None, "", {}):
        raise tk.ValidationError({"terms": [tk._(
            "Missing value: an approval records the agreement terms (scope, extent, "
            "term, disposal of the data, ownership of derived data)")]})
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        raise tk.ValidationError({"terms": [tk._("Give the terms as an object")]})
    terms, errors = tk.navl_validate(raw, schema.approval_terms_schema(), context)
    if errors:
        raise tk.ValidationError({"terms": errors})
    today = workdays.local_today()
    valid_from = terms.get("valid_from") or today
    valid_until = terms["valid_until"]
    errors = term_errors(valid_from, valid_until)
    if errors:
        raise tk.ValidationError({"terms": errors})
    result = {k: terms.get(k) for k in TERM_FIELDS if k in terms}
    result["valid_from"] = valid_from.isoformat()
    result["valid_until"] = valid_until.isoformat()
    return result
