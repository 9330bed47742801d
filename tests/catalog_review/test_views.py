"""The review page of an organization and the change records of a dataset."""
from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

import ckan.model as model
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from tests import factories
from tests.catalog_review.conftest import PASSWORD, as_user, catalogued

from ckanext.govshare.catalog_review.model import CatalogChange

TODAY = "2026-10-20 02:00:00"


def auth(user: dict) -> dict:
    """An API token header for ``user``. Its ``iat`` is set in 2020: CKAN takes
    it from a column default that freezegun cannot reach, and a token issued
    "after" the frozen clock would be refused."""
    import datetime as dt

    from ckan.lib import api_token

    token = model.ApiToken(user_id=user["id"], name="tests")
    token.created_at = dt.datetime(2020, 1, 1)
    model.Session.add(token)
    model.Session.commit()
    encoded = api_token.encode({"jti": token.id,
                                "iat": api_token.into_seconds(token.created_at)})
    return {"Authorization": encoded}


@pytest.fixture()
def catalog(agency):
    """Three entries: overdue for the yearly review, with an overdue change,
    with a change still in time; and one that needs nothing."""
    old = catalogued(factories.Dataset(owner_org=agency.org["id"], name="old-entry",
                                       title="公交线路表"), "2024-01-01 02:00:00")
    changed = factories.Dataset(owner_org=agency.org["id"], name="changed-entry",
                                title="停车场名录", last_reviewed="2026-09-01")
    recent = factories.Dataset(owner_org=agency.org["id"], name="recent-entry",
                               title="充电桩分布", last_reviewed="2026-09-01")
    factories.Dataset(owner_org=agency.org["id"], name="fine-entry", title="路网数据",
                      last_reviewed="2026-09-01")
    for dataset, when in ((changed, "2026-09-18 02:00:00"), (recent, "2026-10-19 02:00:00")):
        with freeze_time(when):
            helpers.call_action("govshare_catalog_change_create",
                                context=as_user(agency.editor), package_id=dataset["id"],
                                kind="legal_basis", description="《公共数据管理办法》修订")
    return old, changed, recent


def review_url(agency) -> str:
    return url_for("govshare_catalog_review.review_page", id=agency.org["name"])


@pytest.mark.usefixtures("with_plugins", "clean_db")
@freeze_time(TODAY)
class TestReviewPage:
    def test_lists_what_needs_review_in_chinese(self, app, agency, catalog):
        body = app.get(review_url(agency), headers=auth(agency.editor)).body
        assert "需要审核的目录条目" in body
        needs, _, pending = body.partition('id="govshare-review-pending"')
        assert "公交线路表" in needs and "停车场名录" in needs
        assert "从未审核" in needs or "超过一年未审核" in needs
        assert "已 18 个工作日未处理" in needs       # 18 Sep → 20 Oct
        assert "充电桩分布" in pending and "2026-11-09" in pending
        assert "路网数据" not in body
        assert body.count('name="package_id"') == 3
        assert f'action="{review_url(agency)}/mark"' in body

    def test_in_english(self, app, agency, catalog):
        body = app.get("/en" + review_url(agency), headers=auth(agency.admin)).body
        assert "Catalog entries that need review" in body
        assert "Mark reviewed" in body
        assert ("Legal basis change of 2026-09-18, unanswered for "
                "18 working days") in body

    def test_sysadmin(self, app, agency, catalog):
        app.get(review_url(agency), headers=auth(agency.sysadmin), status=200)

    @pytest.mark.parametrize("who", ["member", "outsider"])
    def test_others_may_not_see_it(self, app, agency, catalog, who):
        app.get(review_url(agency), headers=auth(getattr(agency, who)), status=403)

    def test_anonymous(self, app, agency):
        app.get(review_url(agency), status=403)

    def test_unknown_organization(self, app, agency):
        app.get(url_for("govshare_catalog_review.review_page", id="nowhere"),
                headers=auth(agency.sysadmin), status=404)

    def test_nothing_to_review(self, app, agency):
        factories.Dataset(owner_org=agency.org["id"], last_reviewed="2026-09-01")
        body = app.get("/en" + review_url(agency), headers=auth(agency.editor)).body
        assert "No catalog entry needs review." in body


@pytest.mark.usefixtures("with_plugins", "clean_db")
@freeze_time(TODAY)
class TestMarkReviewed:
    def test_mark(self, app, agency, catalog):
        _, changed, _ = catalog
        client = app.test_client()   # one client: the flash message lives in its session
        response = client.post(review_url(agency) + "/mark",
                               data={"package_id": changed["id"]},
                               headers=auth(agency.editor), follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(review_url(agency))
        shown = helpers.call_action("package_show", id=changed["id"])
        assert shown["last_reviewed"] == "2026-10-20"
        assert model.Session.query(CatalogChange).filter_by(
            package_id=changed["id"]).one().answered_at is not None
        body = client.get(review_url(agency), headers=auth(agency.editor)).body
        assert "已标记为于 2026-10-20 审核；已处理 1 条变更记录。" in body
        assert "停车场名录" not in body

    def test_member_may_not(self, app, agency, catalog):
        old = catalog[0]
        app.post(review_url(agency) + "/mark", data={"package_id": old["id"]},
                 headers=auth(agency.member), status=403)
        assert helpers.call_action("package_show", id=old["id"]).get("last_reviewed") is None

    def test_unknown_dataset(self, app, agency):
        app.post(review_url(agency) + "/mark", data={"package_id": "nothing"},
                 headers=auth(agency.editor), status=404)

    def test_only_post_marks(self, app, agency, catalog):
        old = catalog[0]
        response = app.get(review_url(agency) + "/mark", query_string={"package_id": old["id"]},
                           headers=auth(agency.editor), expect_errors=True)
        assert response.status_code in (404, 405)
        assert helpers.call_action("package_show", id=old["id"]).get("last_reviewed") is None


def _token(body: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1)


@pytest.fixture()
def csrf_on(app, monkeypatch):
    """``WTF_CSRF_ENABLED`` on in the built app's config, where CKAN's and
    GovShare's checks read it at each request: a ``ckan_config`` mark of it
    would rebuild the app (and again for the next test), seconds each."""
    monkeypatch.setitem(app.flask_app.config, "WTF_CSRF_ENABLED", True)


@pytest.mark.usefixtures("with_plugins", "clean_db", "csrf_on")
class TestCSRF:
    """The forms are CSRF-protected even while CKAN exempts extensions'
    blueprints (``ckan.csrf_protection.ignore_extensions``). A browser session:
    one client that keeps its cookies, logged in through the form. (API token
    clients are exempt, as they are from CKAN's own forms.)"""

    def browser(self, app, user):
        client = app.test_client()
        body = client.get(url_for("user.login")).body
        client.post(url_for("user.login"), data={
            "login": user["name"], "password": PASSWORD, "_csrf_token": _token(body)})
        assert user["fullname"] in client.get(url_for("dashboard.datasets")).body
        return client

    def test_mark_needs_the_token(self, app, agency, catalog):
        old = catalog[0]
        browser = self.browser(app, agency.editor)
        mark = review_url(agency) + "/mark"
        assert browser.post(mark, data={"package_id": old["id"]}).status_code == 400
        assert helpers.call_action("package_show", id=old["id"]).get("last_reviewed") is None
        token = _token(browser.get(review_url(agency)).body)
        response = browser.post(mark, data={"package_id": old["id"], "_csrf_token": token},
                                follow_redirects=False)
        assert response.status_code == 302
        assert helpers.call_action("package_show", id=old["id"])["last_reviewed"]

    def test_recording_a_change_needs_the_token(self, app, agency, catalog):
        old = catalog[0]
        url = url_for("govshare_catalog_review.changes", id=old["name"])
        browser = self.browser(app, agency.editor)
        data = {"kind": "duties", "description": "机构职责调整"}
        assert browser.post(url, data=data).status_code == 400
        token = _token(browser.get(url).body)
        assert browser.post(url, data={**data, "_csrf_token": token},
                            follow_redirects=False).status_code == 302
        assert model.Session.query(CatalogChange).filter_by(package_id=old["id"]).count() == 1


@pytest.mark.usefixtures("with_plugins", "clean_db")
@freeze_time(TODAY)
class TestChangeRecordsPage:
    def url(self, dataset) -> str:
        return url_for("govshare_catalog_review.changes", id=dataset["name"])

    def test_members_read(self, app, agency, catalog):
        _, changed, _ = catalog
        body = app.get(self.url(changed), headers=auth(agency.member)).body
        assert "《公共数据管理办法》修订" in body
        assert "法律依据" in body
        assert "2026-10-15" in body                 # due
        assert "已逾期" in body
        assert 'name="description"' not in body     # no form for a member

    def test_editor_records_a_change(self, app, agency, catalog):
        old = catalog[0]
        body = app.get(self.url(old), headers=auth(agency.editor)).body
        assert 'name="description"' in body and "记录变更" in body
        response = app.post(self.url(old), data={"kind": "system", "description": "系统迁移"},
                            headers=auth(agency.editor), follow_redirects=False)
        assert response.status_code == 302
        [change] = model.Session.query(CatalogChange).filter_by(package_id=old["id"]).all()
        assert change.kind == "system" and change.recorded_by == agency.editor["id"]
        assert change.occurred_on.isoformat() == "2026-10-20"   # the form's default: today

    def test_other_change_with_its_occurrence_date(self, app, agency, catalog):
        old = catalog[0]
        body = app.get(self.url(old), headers=auth(agency.editor)).body
        assert 'name="occurred_on"' in body and 'value="2026-10-20"' in body
        assert '<option value="other"' in body and "其他" in body
        response = app.post(self.url(old),
                            data={"kind": "other", "description": "机构合并",
                                  "occurred_on": "2026-09-07"},
                            headers=auth(agency.editor), follow_redirects=False)
        assert response.status_code == 302
        body = app.get(self.url(old), headers=auth(agency.member)).body
        assert "发生日期" in body and "2026-09-07" in body
        assert "2026-09-28" in body                 # due: 15 working days after 7 Sep

    def test_form_errors(self, app, agency, catalog):
        old = catalog[0]
        response = app.post("/en" + self.url(old), data={"kind": "weather", "description": ""},
                            headers=auth(agency.editor))
        assert response.status_code == 200
        assert "The form contains invalid entries" in response.body
        assert "Missing value" in response.body
        assert model.Session.query(CatalogChange).filter_by(package_id=old["id"]).count() == 0

    def test_a_future_occurrence_is_a_form_error(self, app, agency, catalog):
        old = catalog[0]
        response = app.post("/en" + self.url(old),
                            data={"kind": "duties", "description": "x",
                                  "occurred_on": "2026-10-21"},
                            headers=auth(agency.editor))
        assert "The change cannot have occurred after today" in response.body
        assert 'value="2026-10-21"' in response.body
        assert model.Session.query(CatalogChange).filter_by(package_id=old["id"]).count() == 0

    def test_member_may_not_record(self, app, agency, catalog):
        old = catalog[0]
        app.post(self.url(old), data={"kind": "system", "description": "x"},
                 headers=auth(agency.member), status=403)

    def test_outsiders_see_nothing(self, app, agency, catalog):
        app.get(self.url(catalog[0]), headers=auth(agency.outsider), status=403)

    def test_unknown_dataset(self, app, agency):
        app.get(url_for("govshare_catalog_review.changes", id="nothing"),
                headers=auth(agency.sysadmin), status=404)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestLinksFromCKANPages:
    """The organization's pages link to its review list and the dataset's pages
    to its change records, for exactly those who may open them."""

    @staticmethod
    def headers(agency, who) -> dict:
        return auth(getattr(agency, who)) if who else {}

    @pytest.mark.parametrize("who, allowed", [
        ("editor", True), ("admin", True), ("sysadmin", True),
        ("member", False), ("outsider", False), (None, False)])
    def test_organization_pages_link_to_the_review_list(self, app, agency, who, allowed):
        headers = self.headers(agency, who)
        for page in ("organization.read", "organization.about"):
            body = app.get(url_for(page, id=agency.org["name"]), headers=headers).body
            link = re.search(rf'<a href="{re.escape(review_url(agency))}"[^>]*>(.*?)</a>',
                             body, re.S)
            assert bool(link) is allowed, page
            if link:
                assert "目录审核" in link.group(1)
        app.get(review_url(agency), headers=headers, status=200 if allowed else 403)

    @pytest.mark.parametrize("who, allowed", [
        ("editor", True), ("admin", True), ("member", True), ("sysadmin", True),
        ("outsider", False), (None, False)])
    def test_dataset_pages_link_to_the_change_records(self, app, agency, who, allowed):
        dataset = factories.Dataset(owner_org=agency.org["id"], name="bus-routes")
        headers = self.headers(agency, who)
        changes_url = url_for("govshare_catalog_review.changes", id=dataset["name"])
        for page in ("dataset.read", "dataset.groups"):
            body = app.get(url_for(page, id=dataset["name"]), headers=headers).body
            link = re.search(rf'<a href="{re.escape(changes_url)}"[^>]*>(.*?)</a>', body, re.S)
            assert bool(link) is allowed, page
            if link:
                assert "变更记录" in link.group(1)
        app.get(changes_url, headers=headers, status=200 if allowed else 403)

    def test_in_english(self, app, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"], name="bus-routes")
        headers = auth(agency.editor)
        org_page = app.get("/en" + url_for("organization.read", id=agency.org["name"]),
                           headers=headers).body
        assert re.search(r'/organization/[^"]+/review"[^>]*>.*?Catalog review</a>', org_page, re.S)
        dataset_page = app.get("/en" + url_for("dataset.read", id=dataset["name"]),
                               headers=headers).body
        assert re.search(r'/dataset/bus-routes/changes"[^>]*>.*?Change records</a>',
                         dataset_page, re.S)
