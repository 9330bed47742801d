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

from ckanext.govshare.tiers import policy


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

#: CKAN's strings on the pages a citizen sees (dashboard, register, login,
#: API tokens) that its Chinese catalog leaves in English
UNTRANSLATED = (
    N_("News feed"),
    N_("Activity from:"),
    N_("Activity from items that I'm following"),
    N_("Search followee"),
    N_("Username or Email"),
    N_("Profile picture"),
    N_("Profile picture URL"),
    N_("Joe Bloggs"),
    N_("joe@example.com"),
    N_("Token"),
    N_("Last access"),
    N_("Actions"),
    N_("Revoke"),
    N_("Go"),
    N_("Search datasets"),
    N_("You might need to login to access this page."),
    N_("Click here to login"),
)

#: CKAN's strings whose Chinese in its own catalog is wrong or reads badly:
#: 登陆 (to land) for 登录, 登记 for 注册, 域/价值 for 字段/值, 组件 (a
#: software component) for 数据集, traditional characters, "signed up"
#: said as "logged in". Ours wins: a plugin's catalog is merged after CKAN's.
CORRECTED = (
    N_("Log in"),
    N_("Login"),
    N_("Log out"),
    N_("Logout"),
    N_("Logged Out"),
    N_("Log out now"),
    N_("You are now logged out."),
    N_("You're already logged in as {user}."),
    N_("You're already logged in"),
    N_("Access denied"),
    N_("Register"),
    N_('User "%s" is now registered but you are still logged in as "%s" from before'),
    N_("You must be logged in to access your dashboard."),
    N_("Dashboard"),
    N_("{actor} signed up"),
    N_("Field"),
    N_("Value"),
    N_('Field "{field}" not recognised in resource_search.'),
    N_("Package resource(s) invalid"),
    N_("Package was not found."),
    N_("User %s not authorized to create packages"),
    N_("No package found for this resource, cannot check auth."),
    N_("User %s not authorized to edit these packages"),
    N_("User %s not authorized to read these packages"),
    N_("User %s not authorized to read package %s"),
    N_("User %s not authorized to edit package %s"),
    N_("User %s not authorized to change state of package %s"),
    N_("Unauthorized to read package %s"),
    N_("Unauthorized to create a package"),
    N_("Unable to add package to search index."),
    N_("Unauthorized to delete package %s"),
    N_("Followers"),
    N_("Unauthorized to view followers %s"),
    N_("{actor} started following {dataset}"),
    N_("{actor} started following {user}"),
    N_("No matches found"),
    N_("There are currently no groups for this site"),
    N_("There are currently no organizations for this site"),
    N_("How about creating one?"),
    N_("This group has no description"),
    N_("There is no API data to load for this resource"),
)

#: the names werkzeug gives HTTP errors, which CKAN's error page shows as
#: its heading (error_document_template.html translates them)
ERROR_NAMES = (
    N_("Bad Request"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Conflict"),
    N_("Gone"),
    N_("Request Entity Too Large"),
    N_("Too Many Requests"),
    N_("Internal Server Error"),
    N_("Service Unavailable"),
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
#: values shown by a label of their own: a conditional resource's address is
#: the application page (tiers/policy.py), an internal value to a citizen
VALUE_LABELS = {("url type", policy.RESTRICTED_URL_TYPE): N_("Provided on application")}


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
        elif (key, value) in VALUE_LABELS:
            value = tk._(VALUE_LABELS[key, value])
        label = _RESOURCE_LABELS.get(key)
        shown.append((tk._(label) if label else key, value))
    return shown


def get_helpers() -> dict[str, Callable[..., Any]]:
    return {"format_resource_items": format_resource_items}
