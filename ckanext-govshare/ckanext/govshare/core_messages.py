"""CKAN's own strings that its zh_Hans_CN catalog leaves untranslated (or
gets wrong) on the pages GovShare shows: the header and footer, the dataset,
resource and organization pages.

CKAN merges every ``ITranslation`` plugin's catalog into its own domain,
after its own catalog, so a msgid translated in GovShare's catalog is
translated on CKAN's pages too. The msgids are listed here (marked with
:func:`N_`, not translated here) so that ``make i18n`` extracts them into
``i18n/ckanext-govshare.pot`` and keeps them in the catalogs; each must be
exactly CKAN's msgid (see ``ckan/i18n/ckan.pot``), or the text GovShare's
template overrides pass through ``_()`` (snippets/follow_button.html).
tests/test_i18n.py renders the pages in Chinese.

A resource's other fields are a different case: CKAN's (and
ckanext-scheming's) resource page lists them by their keys, untranslated
(``has_views`` → "Has views"). :func:`format_resource_items` chains CKAN's
helper of that name and translates the names it knows, yes/no, the state and
an upload.
"""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk


def N_(message: str) -> str:
    """Mark ``message`` for extraction, untranslated (gettext's ``N_``)."""
    return message


#: CKAN's dataset pages name a dataset type with ``_(dataset_type.title())``
#: (plus "s" in the search breadcrumb): the data product type's; the English
#: catalog gives them too ("Data product")
DATASET_TYPE_TITLES = (N_("Data_Product"), N_("Data_Products"))

#: CKAN's templates (header, footer, dataset, resource and organization pages)
TEMPLATES = (
    N_("Skip to main content"),
    N_("Toggle navigation"),
    N_("Breadcrumb"),
    N_("Account"),
    N_("Profile settings"),
    N_("Search Datasets..."),
    N_("Submit"),
    N_("CKAN Association"),
    N_('<strong>Powered by</strong> <a class="hide-text ckan-footer-logo" '
       'href="http://ckan.org">CKAN</a>'),
    N_("Social"),
    N_("Follow"),      # snippets/follow_button.html (GovShare's copy adds the _())
    N_("Unfollow"),
    N_("Dataset description:"),
    N_("Data last updated"),
    N_("Metadata last updated"),
    N_("Manage resource: {name}"),
    N_("If a view requires the DataStore, the DataStore plugin may not be enabled, or "
       "the data may not have been pushed to the DataStore, or the DataStore hasn't "
       "finished processing the data yet"),
)

#: A resource's other fields, as the resource page names them: CKAN's
#: ``h.format_resource_items`` key (``has views``), capitalized. The
#: translations must read the same capitalized (no capitals but the first).
RESOURCE_FIELDS = (
    N_("Id"),
    N_("Package id"),
    N_("Position"),
    N_("State"),
    N_("Url type"),
    N_("Size"),
    N_("Mimetype"),
    N_("Mimetype inner"),
    N_("Has views"),
    N_("Hash"),
    N_("Resource type"),
    N_("Cache url"),
    N_("Cache last updated"),
    N_("Datastore active"),
)

#: The values of those fields that are translated: yes/no, the state, an upload
RESOURCE_VALUES = (N_("True"), N_("False"), N_("active"), N_("upload"))
_RESOURCE_LABELS = {label.lower(): label for label in RESOURCE_FIELDS}
_TRANSLATED_VALUES = {("state", "active"), ("url type", "upload")}


@tk.chained_helper
def format_resource_items(next_helper: Callable[..., list[tuple[str, Any]]],
                          items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """CKAN's ``h.format_resource_items``, with the names in
    :data:`RESOURCE_FIELDS` and the values in :data:`RESOURCE_VALUES`
    translated. The other names stay CKAN's keys, which the templates compare
    (``created``, ``last modified``, ``format``...)."""
    shown = []
    for key, value in next_helper(items):
        if value in ("True", "False") or (key, value) in _TRANSLATED_VALUES:
            value = tk._(value)
        label = _RESOURCE_LABELS.get(key)
        shown.append((tk._(label) if label else key, value))
    return shown


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"format_resource_items": format_resource_items}
