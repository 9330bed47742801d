"""One tier world for each module (``tests/worlds.py``): the tests read its
organizations and datasets, and download, receipt and apply as callers of
their own."""
from __future__ import annotations

import pytest

from tests.tiers.conftest import World, build_world
from tests.worlds import with_own_callers


@pytest.fixture(scope="module")
def module_world(module_db) -> World:
    return build_world(with_views=False)


@pytest.fixture()
def world(module_world, with_plugins) -> World:
    return with_own_callers(module_world)
