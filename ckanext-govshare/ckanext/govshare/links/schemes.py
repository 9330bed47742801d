"""The one definition of a safe URL (see the package docstring)."""
from __future__ import annotations

import re
from typing import Any, Optional

import ckan.plugins.toolkit as tk

#: the scheme of an absolute URL, as a browser reads it (WHATWG URL standard)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
#: browsers drop these before reading a URL: leading and trailing C0 controls
#: and spaces, and every tab and line break inside (``java\tscript:``)
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def allowed_schemes() -> list[str]:
    """CKAN's ``ckan.valid_url_schemes``: what it renders as links."""
    return [scheme.lower() for scheme in tk.aslist(tk.config.get("ckan.valid_url_schemes"))]


def url_scheme(url: str) -> Optional[str]:
    """The scheme a browser sees in ``url`` (lower case), None when relative."""
    match = _SCHEME.match(_TAB_OR_NEWLINE.sub("", url.strip(_C0_OR_SPACE)))
    return match.group(1).lower() if match else None


def is_safe_url(url: Any) -> bool:
    """True for a relative URL or one with an allowed scheme; False for any
    other scheme and anything that is not text."""
    if not isinstance(url, str):
        return False
    scheme = url_scheme(url)
    return scheme is None or scheme in allowed_schemes()


def refusal() -> str:
    """The field message for a URL with another scheme."""
    return tk._("Only {schemes} addresses or addresses on this portal can be given "
                "here").format(schemes=", ".join(allowed_schemes()))
