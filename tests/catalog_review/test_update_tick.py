"""The catalog's clock: entries that became overdue are indexed again,
the entry's contact is reminded before the due date and the organization's
admins are told once it has passed, once per due date, through the tick
and the outbox."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests import factories
from tests.catalog_review.conftest import as_user


def call(action: str, user: dict | None, **data):
    return helpers.call_action(action, context=as_user(user), **data)



@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTick:
    """An entry becomes overdue with nothing written to it: the tick indexes
    it again."""

    def statuses(self, sysadmin) -> dict:
        return call("package_search", sysadmin, include_private=True,
                    **{"facet.field": '["update_status"]'})["facets"]["update_status"]

    def test_the_tick_reindexes_what_became_overdue(self, cli):
        from ckan.cli.cli import ckan as ckan_command

        sysadmin = factories.Sysadmin()
        with freeze_time("2026-10-20 02:00:00"):
            pkg = factories.Dataset(update_frequency="daily")
            factories.Resource(package_id=pkg["id"], last_modified="2026-10-19T02:00:00")
            assert self.statuses(sysadmin) == {"on_time": 1}
            assert call("govshare_catalog_tick", sysadmin) == {"reindexed": 0}
        with freeze_time("2026-10-21 02:00:00"):
            assert self.statuses(sysadmin) == {"on_time": 1}     # the index is a day behind
            result = cli.invoke(ckan_command, ["govshare", "catalog", "tick"])
            assert result.exit_code == 0, result.output
            assert "reindexed: 1" in result.output
            assert self.statuses(sysadmin) == {"overdue": 1}
            assert call("govshare_catalog_tick", sysadmin) == {"reindexed": 0}

    def test_only_sysadmins_tick(self):
        with pytest.raises(tk.NotAuthorized):
            call("govshare_catalog_tick", factories.User())
