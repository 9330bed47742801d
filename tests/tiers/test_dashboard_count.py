"""The header's count of new dashboard items (``dashboard_new_activities_count``,
on every page of a logged-in user) is computed in one query for a user who
follows nothing: it must equal CKAN's definition, the ``is_new`` items of
``dashboard_activity_list``, in every case."""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

from tests import factories


def _counts(user: dict) -> tuple[int, int]:
    context = {"user": user["name"]}
    count = helpers.call_action("dashboard_new_activities_count", context=dict(context))
    stream = helpers.call_action("dashboard_activity_list", context=dict(context))
    return count, len([a for a in stream if a["is_new"]])


def _about(user: dict, by: dict, n: int = 1) -> None:
    for i in range(n):
        helpers.call_action("activity_create", context={"user": by["name"]},
                            user_id=by["id"], object_id=user["id"],
                            activity_type="changed user", data={"n": i})


@pytest.mark.usefixtures("clean_db")
class TestNewActivitiesCount:
    def test_others_activities_about_a_user_who_follows_nothing(self):
        user, admin = ckan_factories.User(), ckan_factories.Sysadmin()
        assert _counts(user) == (0, 0)
        _about(user, admin, 3)
        _about(user, user)  # their own: never new
        assert _counts(user) == (3, 3)
        site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})
        # the site user's activities are hidden from activity streams
        _about(user, {"name": site_user["name"], "id": model.User.get(site_user["name"]).id})
        assert _counts(user) == (3, 3)
        helpers.call_action("dashboard_mark_activities_old", context={"user": user["name"]})
        assert _counts(user) == (0, 0)
        _about(user, admin)
        assert _counts(user) == (1, 1)

    @pytest.mark.ckan_config("ckan.activity_list_limit", "2")
    def test_the_count_stops_at_the_stream_limit(self):
        user, admin = ckan_factories.User(), ckan_factories.Sysadmin()
        _about(user, admin, 4)
        assert _counts(user) == (2, 2)

    def test_a_user_who_follows_a_dataset_gets_ckans_count(self):
        user, admin = ckan_factories.User(), ckan_factories.Sysadmin()
        org = factories.Organization(user=admin)
        dataset = factories.Dataset(owner_org=org["id"], user=admin)
        helpers.call_action("follow_dataset", context={"user": user["name"]}, id=dataset["id"])
        helpers.call_action("dashboard_mark_activities_old", context={"user": user["name"]})
        helpers.call_action("package_patch", context={"user": admin["name"]},
                            id=dataset["id"], notes="更新说明")
        count, listed = _counts(user)
        assert count == listed >= 1
