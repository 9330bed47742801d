"""A data product's update checks new and changed sources; an unchanged
recorded one is kept as it was. Apart from ``test_validation.py``: these
tests change a source's tier, so each builds a world of its own in an empty
database, and the tests of a module run in random order."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests.products.conftest import days_ago, download
from tests.products.test_validation import UNKNOWN, register, source
from tests.tiers.conftest import World, build_world


class TestUpdates:
    """An update checks new and changed sources; an unchanged recorded one
    is kept as it was, whatever became of its dataset since."""

    @pytest.fixture()
    def world(self, with_plugins, clean_db) -> World:
        """A world of the test's own: a source's tier changes (the module's
        world is not used after this class)."""
        return build_world(with_views=False)

    def test_a_source_closed_since_does_not_block_an_edit(self, world, app):
        from tests.tiers.conftest import set_tier

        download(app, world, "stranger", "unconditional")
        product = register(world, "stranger", [source(world)])
        set_tier(world.datasets["unconditional"]["id"], "closed", world.user("sysadmin"))
        patched = helpers.call_action("package_patch", context=world.context("stranger"),
                                      id=product["id"], title="改名后的产品")
        assert patched["title"] == "改名后的产品"
        [kept] = patched["sources"]
        assert kept["dataset"] == world.datasets["unconditional"]["id"]
        assert (kept["verification"], kept["evidence"]) == ("verified", "receipt")
        # citing it anew, or on another date, is checked: it is closed now
        with pytest.raises(tk.ValidationError) as e:
            helpers.call_action("package_patch", context=world.context("stranger"),
                                id=product["id"],
                                sources=[*patched["sources"],
                                         source(world, obtained=days_ago(1))])
        assert e.value.error_dict["sources"][1]["dataset"] == [UNKNOWN]
        shown = helpers.call_action("package_show", id=product["id"])
        assert len(shown["sources"]) == 1 and shown["title"] == "改名后的产品"

    def test_a_recorded_source_cannot_be_upgraded_by_sending_it(self, world):
        product = register(world, "stranger", [source(world)])
        [stored] = product["sources"]
        assert stored["verification"] == "declared"
        patched = helpers.call_action(
            "package_patch", context=world.context("stranger"), id=product["id"],
            sources=[{**stored, "verification": "verified", "evidence": "receipt"}])
        [kept] = patched["sources"]
        assert kept["verification"] == "declared" and "evidence" not in kept

    def test_a_changed_date_is_checked_again(self, world):
        product = register(world, "stranger", [source(world)])
        with pytest.raises(tk.ValidationError) as e:
            helpers.call_action("package_patch", context=world.context("stranger"),
                                id=product["id"],
                                sources=[source(world, obtained="2999-01-01")])
        assert "obtained_date" in e.value.error_dict["sources"][0]
