"""Only published entries are visible outside their organization: the five
kinds of caller against an entry in every state, through package_show,
package_search and the dataset page; the option that turns review off; the
banner and the inbox. (Every other surface: tests/tiers/test_every_surface.py
probes an unpublished entry as well.)"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.publication import workflow as wf
from tests.publication.conftest import (CHECKLIST, REVIEW_OFF, REVIEW_ON, bring_to, ctx,
                                        new_entry)

CALLERS = ("anonymous", "stranger", "other_org_member", "member", "sysadmin")


def caller(agency, kind: str):
    return {"anonymous": None, "stranger": agency.outsider,
            "other_org_member": agency.other_org_member, "member": agency.member,
            "sysadmin": agency.sysadmin}[kind]


def sees(kind: str, state: str) -> bool:
    """The rule: published entries for everyone, others for the organization."""
    return state in (wf.PUBLISHED, wf.CHANGE_SUBMITTED) or kind in ("member", "sysadmin")


@pytest.fixture(scope="module")
def entries(agency):
    """One entry per state, created and moved with review on."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, options.PUBLICATION_REVIEW, True)
        made = {}
        for state in wf.STATES:
            entry = new_entry(agency, title=f"审核状态 pubmark-{state}")
            bring_to(agency, entry, state)
            made[state] = entry
    return made


@REVIEW_ON
@pytest.mark.parametrize("kind", CALLERS)
@pytest.mark.parametrize("state", wf.STATES)
def test_who_sees_an_entry_in_each_state(agency, entries, app, state, kind):
    entry, user = entries[state], caller(agency, kind)
    visible = sees(kind, state)
    if visible:
        assert helpers.call_action("package_show", context=ctx(user),
                                   id=entry["id"])["id"] == entry["id"]
    else:
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("package_show", context=ctx(user), id=entry["id"])
    found = helpers.call_action("package_search", context=ctx(user),
                                q=f"pubmark-{state}", include_private=True)
    assert (entry["id"] in {r["id"] for r in found["results"]}) is visible
    env = {"REMOTE_USER": user["name"]} if user else {}
    page = app.get(f"/dataset/{entry['name']}", extra_environ=env)
    assert (page.status_code == 200) is visible
    assert (f"pubmark-{state}" in page.get_data(as_text=True)) is visible


@REVIEW_OFF
@pytest.mark.parametrize("state", wf.STATES)
def test_with_review_off_every_entry_is_open(agency, entries, state):
    shown = helpers.call_action("package_show", context=ctx(None), id=entries[state]["id"])
    assert shown["id"] == entries[state]["id"]


@REVIEW_OFF
def test_with_review_off_a_new_entry_is_published_and_stays_so(agency):
    entry = new_entry(agency)
    assert helpers.call_action("govshare_publication_show",
                               id=entry["id"])["state"] == wf.PUBLISHED
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, options.PUBLICATION_REVIEW, True)
        # turning review on later hides nothing that was open
        assert helpers.call_action("package_show", context=ctx(None),
                                   id=entry["id"])["id"] == entry["id"]


@REVIEW_ON
def test_publishing_opens_the_entry_at_once_on_search(agency):
    entry = new_entry(agency, title="即将发布 pubmark-now")
    helpers.call_action("govshare_publication_submit", context=ctx(agency.editor),
                        id=entry["id"])
    assert not helpers.call_action("package_search", context=ctx(None),
                                   q="pubmark-now")["results"]
    helpers.call_action("govshare_publication_decide", context=ctx(agency.admin),
                        id=entry["id"], decision=wf.PUBLISH, **CHECKLIST)
    found = helpers.call_action("package_search", context=ctx(None), q="pubmark-now")
    assert [r["id"] for r in found["results"]] == [entry["id"]]


@REVIEW_ON
def test_editors_see_the_banner_with_the_reason_outsiders_nothing(agency, entries, app):
    returned = entries[wf.RETURNED]
    page = app.get(f"/dataset/{returned['name']}",
                   extra_environ={"REMOTE_USER": agency.editor["name"]}).get_data(as_text=True)
    assert 'id="govshare-publication-banner"' in page
    assert "缺少数据项说明" in page
    assert f"/dataset/{returned['name']}/publication/submit" in page  # may resubmit
    published = app.get(f"/dataset/{entries[wf.PUBLISHED]['name']}",
                        extra_environ={"REMOTE_USER": agency.editor["name"]})
    assert "govshare-publication-banner" not in published.get_data(as_text=True)


@REVIEW_ON
def test_the_editor_submits_from_the_page_and_the_admin_publishes_from_the_inbox(agency,
                                                                                 app):
    entry = new_entry(agency, title="页面提交 pubmark-page")
    editor = {"REMOTE_USER": agency.editor["name"]}
    res = app.post(f"/dataset/{entry['name']}/publication/submit", extra_environ=editor,
                   follow_redirects=False)
    assert res.status_code == 302
    admin = {"REMOTE_USER": agency.admin["name"]}
    inbox = app.get(f"/organization/{agency.org['name']}/publication", extra_environ=admin)
    assert inbox.status_code == 200
    assert "pubmark-page" in inbox.get_data(as_text=True)
    res = app.post(f"/organization/{agency.org['name']}/publication/decide",
                   extra_environ=admin, follow_redirects=False,
                   data={"package_id": entry["id"], "decision": "publish",
                         **{name: "on" for name in wf.CHECKLIST_FIELDS}})
    assert res.status_code == 302
    assert helpers.call_action("govshare_publication_show",
                               id=entry["id"])["state"] == wf.PUBLISHED
    assert app.get(f"/dataset/{entry['name']}").status_code == 200


@REVIEW_ON
def test_the_inbox_is_the_organizations(agency, app):
    for user in (agency.member, agency.outsider, agency.other_org_member):
        res = app.get(f"/organization/{agency.org['name']}/publication",
                      extra_environ={"REMOTE_USER": user["name"]})
        assert res.status_code == 403
