"""CKAN's JavaScript translations, served under the name the page asks for.

A CKAN page states its language as a BCP 47 tag, every ``_`` of the locale
turned into ``-`` (``h.unix_locale_to_bcp47``: ``<html lang="zh-Hans-CN">``).
CKAN's script turns it back with ``locale.replace('-', '_')``
(``public/base/javascript/client.js``, ``getLocaleData``), which replaces
the *first* hyphen only, and asks ``/api/i18n/zh_Hans-CN``. The API's view
knows ``zh_Hans_CN`` and answers 400 "Unknown locale", and CKAN starts its
JavaScript modules only once that request succeeds (``main.js``,
``ckan.initialize``): in a locale of three parts, no module ran at all.
Locales of one or two parts (``en``, ``pt_BR``) survive the round trip.

:func:`install` maps whatever spelling of a configured locale the page asks
for (``zh_Hans-CN``, ``zh-Hans-CN``, any case) to that locale before CKAN's
view runs, so the view, its checks and its answer stay CKAN's own. An
unknown name is passed on unchanged and still answered 400.

The view serves the files ``ckan run`` writes at start-up
(``ckan.lib.i18n.build_js_translations``, into
``<ckan.storage_path>/i18n/js``); a server started otherwise (gunicorn, the
tests) never writes them, and every script's message stayed English. The
first request for them in a process brings them up to date (the function
rewrites only the missing and the stale ones).
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from ckan.lib import i18n

#: the endpoint of CKAN's view ``/api/i18n/<lang>``
ENDPOINT = "api.i18n_js_translations"

_built = False
_lock = threading.Lock()


def install(app: Any) -> Any:
    """Register the mapping on the Flask app (IMiddleware)."""
    if hasattr(app, "url_value_preprocessor"):
        app.url_value_preprocessor(_preprocess)
    return app


def configured_locale(name: str) -> Optional[str]:
    """The configured locale ``name`` spells (``-`` or ``_`` between its
    parts, any case), or ``None``."""
    wanted = name.replace("-", "_").casefold()
    return next((locale for locale in sorted(i18n.get_locales_from_config())
                 if locale.casefold() == wanted), None)


def _preprocess(endpoint: Optional[str], values: Optional[dict[str, Any]]) -> None:
    if endpoint != ENDPOINT or not values or not isinstance(values.get("lang"), str):
        return
    locale = configured_locale(values["lang"])
    if locale is None:
        return
    values["lang"] = locale
    ensure_built()


def ensure_built() -> None:
    """Write the JavaScript translation files that are missing or older than
    their catalogs, once per process."""
    global _built
    if _built:
        return
    with _lock:
        if not _built:
            i18n.build_js_translations()
            _built = True
