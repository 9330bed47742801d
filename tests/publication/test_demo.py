"""The demo catalog is loaded through the review path: submitted by the site
user, published by another user (an admin of each demo organization), so the
public sees it after ``make run`` with review on."""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare.demo import loader
from ckanext.govshare.publication import workflow as wf
from tests.publication.conftest import REVIEW_ON


@REVIEW_ON
@pytest.mark.usefixtures("with_plugins", "clean_db", "remove_demo_uploads")
def test_the_demo_is_reviewed_and_published():
    report = loader.load(echo=lambda _line: None)
    assert not report.failures
    catalog = loader.load_catalog()
    open_names = sorted(d["name"] for d in catalog["datasets"]
                        if d["catalog"]["open_tier"] != "closed")
    assert sorted(helpers.call_action("package_list", context={"user": ""})) == open_names
    site_user = model.User.get(helpers.call_action("get_site_user")["name"])
    reviewer = helpers.call_action("user_show", id=loader.DEMO_REVIEWER)
    shown = helpers.call_action("govshare_publication_show", id=open_names[0])
    moves = [(e["move"], e["actor_id"]) for e in shown["events"]]
    assert moves[-2:] == [(wf.SUBMIT, site_user.id), (wf.PUBLISH, reviewer["id"])]
    assert reviewer["sysadmin"] is False
