"""Template helpers of data products: the label block of a product page and
the products list ("应用成果") of a dataset page."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.labelling import label as labels
from ckanext.govshare.products import sources as product_sources
from ckanext.govshare import views_common


def govshare_product_source_labels(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The label of each source of a product that the viewer may see
    (``labels``: dataset, resource, verification, ``text``, ``text_en``,
    ``facts``), and how many sources are hidden from them (``hidden``)."""
    result: dict[str, Any] = {"labels": [], "hidden": 0}
    for source in pkg_dict.get("sources") or []:
        obtained = workdays.parse_date(source.get("obtained_date"))
        if not isinstance(source, dict) or not source.get("dataset") or obtained is None:
            continue
        try:
            pkg = tk.get_action("package_show")(views_common.context(), {"id": source["dataset"]})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            result["hidden"] += 1
            continue
        resource = next((r for r in pkg.get("resources") or []
                         if r.get("id") == source.get("resource")), None)
        org = labels.agency(pkg.get("owner_org"), pkg.get("organization"))
        entry = _decorate(labels.label(pkg, org, resource, obtained))
        entry.update(dataset=pkg, resource=resource,
                     verification=source.get("verification") or product_sources.DECLARED,
                     evidence=source.get("evidence"))
        result["labels"].append(entry)
    return result


def _decorate(label: dict[str, Any]) -> dict[str, Any]:
    """The label's text in the page's language (the labelling helpers')."""
    try:
        from ckanext.govshare.labelling.helpers import decorate
    except ImportError:  # pragma: no cover - labelling pages not installed
        return {**label, "shown": label["text"], "facts_shown": []}
    return decorate(label)


def source_label(title: str, agency: str) -> str:
    """How the source picker names a catalog entry: its title and agency."""
    if not agency:
        return title
    return tk._("{title} ({agency})").format(title=title, agency=agency)


def govshare_product_source_label(reference: str) -> str:
    """The picker's name of the entry a source cites (id or name), when the
    viewer may see it; else empty (the picker shows what was stored)."""
    try:
        pkg = tk.get_action("package_show")(views_common.context(), {"id": reference})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return ""
    if pkg.get("type") != product_sources.DATASET_TYPE:
        return ""
    return source_label(pkg.get("title") or pkg["name"],
                        (pkg.get("organization") or {}).get("title") or "")


def govshare_products_citing(package_id: str, limit: int = 20) -> Optional[dict[str, Any]]:
    """The products built on a dataset (``count``, ``results``), or None when
    the list cannot be had."""
    try:
        return tk.get_action("govshare_product_list")(
            views_common.context(), {"package_id": package_id, "limit": limit})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None


def govshare_products_citing_grant(grant_id: str, limit: int = 20
                                   ) -> Optional[dict[str, Any]]:
    """The products whose sources a grant backs (the usage feedback shown on
    the application page to its applicant and reviewers), or None."""
    try:
        return tk.get_action("govshare_product_list")(
            views_common.context(), {"grant_id": grant_id, "limit": limit})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None


def _product_texts() -> dict[str, str]:
    """What CKAN's pages call a data product, by ``humanize_entity_type``
    purpose (CKAN would say "Data product" / "Data products" in English
    whatever the language)."""
    _ = tk._
    return {
        "add link": _("Register a data product"),
        "create label": _("Register a data product"),
        "create title": _("Register a data product"),
        "breadcrumb": _("Data products"),
        "content tab": _("Data products"),
        "facet label": _("Data products"),
        "main nav": _("Data products"),
        "page title": _("Data products"),
        "my label": _("My data products"),
        "edit label": _("Edit data product"),
        "view label": _("View data product"),
        "save label": _("Save data product"),
        "update label": _("Update data product"),
        "form label": _("Data product form"),
        "search placeholder": _("Search data products..."),
        "name placeholder": _("My data product"),
        "description placeholder": _("What the product does and how it uses the data"),
        "delete confirmation": _("Are you sure you want to delete this data product?"),
        "no any objects": _("No data products have been registered yet"),
        "no description": _("There is no description for this data product"),
    }


@tk.chained_helper
def humanize_entity_type(next_helper: Any, entity_type: str, object_type: str,
                         purpose: str) -> Optional[str]:
    """CKAN's names of a dataset type on its pages, translated for data products."""
    if (entity_type, object_type) != ("package", product_sources.PRODUCT_TYPE):
        return next_helper(entity_type, object_type, purpose)
    return _product_texts().get(purpose) or tk._("Data product")


def get_helpers() -> dict[str, Any]:
    helpers = {name: fn for name, fn in globals().items()
               if name.startswith("govshare_") and callable(fn)}
    helpers["humanize_entity_type"] = humanize_entity_type
    return helpers
