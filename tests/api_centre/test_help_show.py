"""``help_show`` answers every registered action with its real docstring:
CKAN registers a chained action as a ``functools.partial``, whose own
docstring is the partial class's text; GovShare's chained actions carry the
docstring of the action they chain, with what GovShare adds."""
from __future__ import annotations

import ckan.logic as logic
from ckan.tests import helpers


def registered_actions() -> list[str]:
    logic.get_action("package_show")  # fills the registry
    return sorted(logic._actions)


def test_every_action_has_its_docstring(with_plugins):
    names = registered_actions()
    assert "package_search" in names and "govshare_application_create" in names
    missing = {}
    for name in names:
        doc = helpers.call_action("help_show", name=name)
        if not isinstance(doc, str) or not doc.strip() or "functools.partial" in doc \
                or "partial(func" in doc:
            missing[name] = doc
    assert missing == {}


def test_a_chained_action_says_what_govshare_adds(with_plugins):
    doc = helpers.call_action("help_show", name="package_search")
    # CKAN's own documentation, its parameters after GovShare's paragraph
    assert doc.startswith("Searches for packages satisfying a given search criteria.")
    note = doc.index("GovShare: CKAN's ``package_search``; resources of conditional datasets")
    assert note < doc.index(":param q:")
    # a GovShare docstring that documents the parameters replaces CKAN's
    listed = helpers.call_action("help_show", name="package_list")
    assert listed.startswith("The names (ids with API v2) of the site's public")
    assert "GovShare:" not in listed
