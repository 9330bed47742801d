"""An interested party (利害关系人, Shanxi 2020 art. 14 ¶2): answering a data
request that the data cannot be opened, the agency opens one of its closed
datasets to the requester alone, until a last day. The holder sees the
entry and has its files; revoking the grant or the end of its term closes
it again; answers that do not fit are 409 and change nothing.

That nobody else sees the entry on any surface while the grant runs is the
surface matrix's business (tests/tiers: its ``party`` caller, and the
every-surface probe, whose world carries such a grant); here the life of
the grant, the pages and the answers refused."""
from __future__ import annotations

import datetime as dt

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import workdays
from ckanext.govshare.applications.model import Grant
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.tiers import policy
from tests import factories
from tests.applications.test_notifications import tick
from tests.applications.test_pages import auth
from tests.tiers.conftest import datastore_on, file_bytes, upload_resource

from .test_data_requests import ANSWER, answer, ask, ctx

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

BASIS = "《政务数据开放条例》第十二条：涉及个人隐私"
SECRET_TITLE = "不动产登记簿 zqxparty7c3e"
ROW = "party-datastore-row-41d9"


def closed_entry(org_id: str, **kwargs) -> dict:
    """A published closed dataset, not shared with other agencies, with an
    uploaded file (and, with the DataStore on, its rows)."""
    pkg = factories.Dataset(owner_org=org_id, open_tier="closed", share_type="not_shared",
                            title=SECRET_TITLE, **kwargs)
    sysadmin = factories.Sysadmin()
    upload = upload_resource(pkg["id"], file_bytes("closed"), "登记簿.csv", sysadmin["name"],
                             name="登记簿", format="CSV")
    if datastore_on():
        helpers.call_action("datastore_create", context={"user": sysadmin["name"]},
                            resource_id=upload["id"], force=True,
                            fields=[{"id": "name", "type": "text"}], records=[{"name": ROW}])
    return {**pkg, "upload": upload}


def last_day(days: int = 30) -> str:
    return (workdays.local_today() + dt.timedelta(days=days)).isoformat()


def open_to_requester(agency, entry: dict, **values) -> dict:
    made = ask(agency.applicant, organization=agency.org["id"])
    values = {"basis": BASIS, "package_id": entry["name"], "interested_party": True,
              "valid_until": last_day(), **values}
    return answer(agency.editor, made["id"], "cannot_open", **values)


def sees(user: dict | None, entry: dict) -> bool:
    """package_show answers, and package_search finds it."""
    try:
        shown = helpers.call_action("package_show", context=ctx(user), id=entry["id"])
    except (tk.NotAuthorized, tk.ObjectNotFound):
        shown = None
    found = helpers.call_action("package_search", context=ctx(user), q="zqxparty7c3e",
                                include_private=True)
    assert (shown is not None) is (found["count"] == 1), "package_show and search disagree"
    return shown is not None


def download(app, user: dict | None, entry: dict) -> tuple[int, bytes]:
    upload = entry["upload"]
    res = app.get(f"/dataset/{entry['name']}/resource/{upload['id']}/download",
                  headers=auth(user) if user else {}, follow_redirects=False)
    return res.status_code, res.get_data()


def rows(user: dict | None, entry: dict) -> list[str]:
    try:
        found = helpers.call_action("datastore_search", context=ctx(user),
                                    resource_id=entry["upload"]["id"])
    except tk.NotAuthorized:
        return []
    return [r["name"] for r in found["records"]]


def test_the_holder_has_the_entry_until_an_admin_revokes_it(app, agency):
    entry = closed_entry(agency.org["id"])
    other = factories.User()
    factories.Organization(users=[{"name": other["name"], "capacity": "editor"}])
    outsiders = (None, agency.stranger, other)
    assert not sees(agency.applicant, entry)
    answered = open_to_requester(agency, entry)
    assert (answered["state"], answered["outcome"], answered["interested_party"]) == (
        "answered", "cannot_open", True)
    grant = model.Session.query(Grant).one()
    assert (grant.data_request_id, grant.application_id, grant.user_id, grant.state) == (
        answered["id"], None, agency.applicant["id"], "active")

    # the holder: metadata, page, search, file, rows
    assert sees(agency.applicant, entry)
    shown = helpers.call_action("package_show", context=ctx(agency.applicant), id=entry["id"])
    assert shown["resources"][0]["url_type"] == "upload"
    assert download(app, agency.applicant, entry) == (200, file_bytes("closed"))
    page = app.get(f"/dataset/{entry['name']}", headers=auth(agency.applicant))
    assert page.status_code == 200 and SECRET_TITLE in page.get_data(as_text=True)
    if datastore_on():
        assert rows(agency.applicant, entry) == [ROW]
    # everyone else: nothing
    for user in outsiders:
        assert not sees(user, entry)
        assert download(app, user, entry)[0] == 404
        assert rows(user, entry) == []
        assert entry["name"] not in helpers.call_action("package_list", context=ctx(user))

    # only an admin of the agency revokes it; not the editor, not the holder
    for user in (agency.editor, agency.applicant, agency.stranger):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_grant_revoke", context=ctx(user), id=grant.id,
                                reason="不再具备利害关系")
    revoked = helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin),
                                  id=grant.id, reason="不再具备利害关系")
    assert (revoked["state"], revoked["data_request_id"]) == ("revoked", answered["id"])
    assert not sees(agency.applicant, entry)
    assert download(app, agency.applicant, entry)[0] == 404
    assert rows(agency.applicant, entry) == []
    with pytest.raises(tk.ValidationError, match="ended"):
        helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin), id=grant.id,
                            reason="再次撤销")


def test_the_end_of_the_term_closes_it_and_the_tick_records_it(agency, freezer):
    freezer.move_to("2026-11-02 02:00:00")
    entry = closed_entry(agency.org["id"])
    open_to_requester(agency, entry, valid_until="2026-11-10")
    freezer.move_to("2026-11-10 15:59:00")  # 23:59 in China: the last day
    assert sees(agency.applicant, entry)
    assert tick()["expired"] == 0
    freezer.move_to("2026-11-10 16:00:00")  # midnight in China: over
    assert not sees(agency.applicant, entry)
    assert tick()["expired"] == 1
    grant = model.Session.query(Grant).one()
    assert (grant.state, grant.ended_at) == ("expired", dt.datetime(2026, 11, 10, 16))
    assert tick()["expired"] == 0


def test_nobody_opens_it_to_themselves(agency):
    """The requester cannot answer their own request, whatever their role in
    the agency, nor revoke the grant another answer gave them."""
    entry = closed_entry(agency.org["id"])
    made = ask(agency.admin, organization=agency.org["id"])
    values = {"basis": BASIS, "package_id": entry["id"], "interested_party": True,
              "valid_until": last_day()}
    with pytest.raises(tk.NotAuthorized, match="own"):
        answer(agency.admin, made["id"], "cannot_open", **values)
    assert model.Session.query(Grant).count() == 0
    answer(agency.editor, made["id"], "cannot_open", **values)
    grant = model.Session.query(Grant).one()
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin), id=grant.id,
                            reason="自己撤销")


@pytest.mark.parametrize("case, field", [
    ("another outcome", "interested_party"),
    ("no dataset", "package_id"),
    ("no last day", "valid_until"),
    ("another agency's closed dataset", "package_id"),
    ("a conditional dataset", "package_id"),
    ("an open dataset", "package_id"),
    ("a last day in the past", "valid_until"),
    ("a term too long", "valid_until"),
    ("a last day without an interested party", "valid_until"),
    ("not a yes or no", "interested_party"),
    ("a request naming no agency", "package_id"),
])
def test_an_answer_that_does_not_fit_is_409_and_nothing_changes(app, agency, case, field):
    entry = closed_entry(agency.org["id"])
    foreign = factories.Dataset(owner_org=factories.Organization()["id"], open_tier="closed",
                                share_type="not_shared")
    opened = factories.Dataset(owner_org=agency.org["id"])
    made = ask(agency.applicant, organization=agency.org["id"])
    body = {"id": made["id"], "outcome": "cannot_open", "reason": "答复", "basis": BASIS,
            "package_id": entry["name"], "interested_party": True, "valid_until": last_day()}
    answerer = agency.editor
    if case == "another outcome":
        body.update(outcome="will_open", open_by="2027-06-30")
    elif case == "no dataset":
        del body["package_id"]
    elif case == "no last day":
        del body["valid_until"]
    elif case == "another agency's closed dataset":
        body["package_id"] = foreign["name"]
    elif case == "a conditional dataset":
        body["package_id"] = agency.dataset["name"]
    elif case == "an open dataset":
        body["package_id"] = opened["name"]
    elif case == "a last day in the past":
        body["valid_until"] = (workdays.local_today() - dt.timedelta(days=1)).isoformat()
    elif case == "a term too long":
        body["valid_until"] = last_day(365 * 3 + 30)
    elif case == "a last day without an interested party":
        del body["interested_party"]
        body["package_id"] = ""
    elif case == "not a yes or no":
        body["interested_party"] = "maybe"
    elif case == "a request naming no agency":
        made = ask(agency.applicant)
        body["id"], answerer = made["id"], agency.sysadmin
    response = app.post(ANSWER, json=body, headers=auth(answerer), status=409)
    assert field in response.json["error"], response.json["error"]
    assert model.Session.get(DataRequest, body["id"]).state == "submitted"
    assert model.Session.query(Grant).count() == 0


def test_the_pages(app, agency):
    """The agency opens it through the answer form; the request's page links
    the requester (and the agency) to the dataset and names the access; the
    public sees neither, nor who asked; an admin revokes it there."""
    entry = closed_entry(agency.org["id"])
    made = ask(agency.applicant, organization=agency.org["id"])
    page = f"/datarequest/{made['id']}"
    form = app.get(page, headers=auth(agency.editor)).get_data(as_text=True)
    assert 'id="field-interested-party"' in form and 'id="field-valid-until"' in form
    app.post(f"{page}/answer", data={
        "outcome": "cannot_open", "reason": "不予开放，但申请人为利害关系人", "basis": BASIS,
        "package_id": entry["name"], "interested_party": "true", "valid_until": last_day()},
        headers=auth(agency.editor), follow_redirects=False, status=302)
    link = f'href="/dataset/{entry["name"]}"'
    for user in (agency.applicant, agency.editor, agency.admin):
        text = app.get(page, headers=auth(user)).get_data(as_text=True)
        assert link in text and 'id="govshare-data-request-party"' in text, user["name"]
    assert 'id="govshare-data-request-revoke-form"' in app.get(
        page, headers=auth(agency.admin)).get_data(as_text=True)
    assert 'id="govshare-data-request-revoke-form"' not in app.get(
        page, headers=auth(agency.editor)).get_data(as_text=True)
    for user in (None, agency.stranger):
        headers = auth(user) if user else {}
        for url in (page, "/datarequest?sort=newest"):
            text = app.get(url, headers=headers).get_data(as_text=True)
            assert SECRET_TITLE not in text and entry["name"] not in text, url
            assert "govshare-data-request-party" not in text
            assert agency.applicant["name"] not in text
        shown = helpers.call_action("govshare_data_request_show", context=ctx(user),
                                    id=made["id"])
        assert shown["package_id"] is None and shown["package_title"] is None
        assert not {"interested_party", "grant", "requester_name", "user_id"} & set(shown)
    # the holder's grants list it, with its request
    mine = app.get("/dashboard/applications", headers=auth(agency.applicant)).get_data(
        as_text=True)
    assert SECRET_TITLE in mine and f'href="{page}"' in mine

    app.post(f"{page}/revoke", data={"reason": "不再具备利害关系"}, headers=auth(agency.admin),
             follow_redirects=False, status=302)
    assert model.Session.query(Grant).one().state == "revoked"
    text = app.get(page, headers=auth(agency.applicant)).get_data(as_text=True)
    assert link not in text and 'data-state="revoked"' in text


def _change(entry: dict, change: str, holder: dict) -> None:
    sysadmin = {"user": factories.Sysadmin()["name"]}
    if change == "made conditional":
        helpers.call_action("package_patch", context=sysadmin, id=entry["id"],
                            open_tier="conditional")
    elif change == "made private":
        helpers.call_action("package_patch", context=sysadmin, id=entry["id"], private=True)
    elif change == "deleted":
        helpers.call_action("package_delete", context=sysadmin, id=entry["id"])
    elif change == "moved to another organization":
        helpers.call_action("package_patch", context=sysadmin, id=entry["id"],
                            owner_org=factories.Organization()["id"])
    elif change == "requester deleted":
        helpers.call_action("user_delete", context=sysadmin, id=holder["id"])


@pytest.mark.parametrize("change", ["made conditional", "made private", "deleted",
                                    "moved to another organization", "requester deleted"])
def test_the_grant_opens_the_agency_s_closed_entry_and_nothing_else(app, agency, change):
    """The grant opens the entry while it is the agency's published closed
    entry, to its holder: made conditional, its files are had by applying
    (the party's grant is no application's); moved to another organization,
    that one did not open it (nor could its admins revoke it)."""
    entry = closed_entry(agency.org["id"])
    open_to_requester(agency, entry)
    token = factories.APIToken(user=agency.applicant["name"])["token"]
    assert download(app, agency.applicant, entry) == (200, file_bytes("closed"))
    _change(entry, change, agency.applicant)
    model.Session.remove()
    res = app.get(f"/dataset/{entry['name']}/resource/{entry['upload']['id']}/download",
                  headers={"Authorization": token}, follow_redirects=False)
    assert res.status_code != 200 and file_bytes("closed") not in res.get_data()
    assert rows(agency.applicant, entry) == []
    holder = model.User.get(agency.applicant["id"])
    assert not policy.has_access(holder, model.Package.get(entry["id"]))
    try:
        shown = helpers.call_action("package_show", context=ctx(agency.applicant),
                                    id=entry["id"])
    except (tk.NotAuthorized, tk.ObjectNotFound):
        shown = None
    if change == "made conditional":  # its entry is public now; its files are not
        assert shown is not None
        assert {r["url_type"] for r in shown["resources"]} == {policy.RESTRICTED_URL_TYPE}
    else:
        assert shown is None


def test_nobody_revokes_their_own_access_not_even_a_sysadmin(agency):
    entry = closed_entry(agency.org["id"])
    boss = factories.Sysadmin()
    made = ask(boss, organization=agency.org["id"])
    answer(agency.editor, made["id"], "cannot_open", basis=BASIS, package_id=entry["id"],
           interested_party=True, valid_until=last_day())
    grant = model.Session.query(Grant).one()
    with pytest.raises(tk.NotAuthorized, match="not their own"):
        helpers.call_action("govshare_grant_revoke", context=ctx(boss), id=grant.id,
                            reason="自己撤销")
    model.Session.remove()
    assert model.Session.query(Grant).one().state == "active"
    shown = helpers.call_action("govshare_data_request_show", context=ctx(boss), id=made["id"])
    assert shown["grant"]["may_revoke"] is False


def test_once_the_access_ends_the_entry_is_named_to_the_holder_no_more(app, agency):
    """Revoked, the grant is still the holder's to see, but not which closed
    entry it opened: not its name nor its title (renamed since, or not)."""
    entry = closed_entry(agency.org["id"])
    made = open_to_requester(agency, entry)
    mine = helpers.call_action("govshare_grant_list", context=ctx(agency.applicant))
    assert mine["results"][0]["package_title"] == SECRET_TITLE
    grant = model.Session.query(Grant).one()
    helpers.call_action("govshare_grant_revoke", context=ctx(agency.admin), id=grant.id,
                        reason="不再具备利害关系")
    renamed = "更名后的登记簿 zqxrenamed9d"
    helpers.call_action("package_patch", context={"user": agency.sysadmin["name"]},
                        id=entry["id"], title=renamed)
    mine = helpers.call_action("govshare_grant_list", context=ctx(agency.applicant))
    assert [(g["state"], g["package_name"], g["package_title"]) for g in mine["results"]] == [
        ("revoked", None, None)]
    shown = helpers.call_action("govshare_data_request_show", context=ctx(agency.applicant),
                                id=made["id"])
    assert (shown["grant"]["state"], shown["grant"]["package_title"]) == ("revoked", None)
    page = app.get("/dashboard/applications", headers=auth(agency.applicant)).get_data(
        as_text=True)
    assert renamed not in page and entry["name"] not in page
    # the agency still sees what it opened
    theirs = helpers.call_action("govshare_grant_list", context=ctx(agency.admin),
                                 organization=agency.org["id"])
    assert theirs["results"][0]["package_title"] == renamed
