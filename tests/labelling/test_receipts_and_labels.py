"""Download receipts, the label headers on downloads, and govshare_label_show."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare.labelling import label as labels
from tests import harness
from tests.applications.conftest import application_data, approve_and_accept
from tests.tiers.conftest import World


def download_url(world: World, tier: str) -> str:
    upload = world.uploads[tier]
    return f"/dataset/tier-{tier}/resource/{upload['id']}/download"


def receipts(user_id: str | None = None) -> list[dict]:
    query = "SELECT * FROM govshare_download_receipt"
    params = {}
    if user_id:
        query += " WHERE user_id = :u"
        params["u"] = user_id
    return [dict(r._mapping) for r in model.Session.execute(
        sa.text(query + " ORDER BY id"), params)]


def anonymous_count(resource_id: str) -> int:
    return model.Session.execute(sa.text(
        "SELECT coalesce(sum(count), 0) FROM govshare_download_count "
        "WHERE resource_id = :r"), {"r": resource_id}).scalar()


def label_text(response) -> str:
    value = response.headers[labels.LABEL_HEADER]
    assert value.startswith("label*=UTF-8''")
    return unquote(value[len("label*=UTF-8''"):])


class TestReceipts:
    @pytest.mark.parametrize("role,tier,channel", [
        ("member", "unconditional", "api"),
        ("member", "conditional", "api"),
        ("member", "closed", "api"),
        ("stranger", "unconditional", "api"),
        ("sysadmin", "closed", "api"),
    ])
    def test_a_token_download_is_receipted(self, world, app, role, tier, channel):
        res = app.get(download_url(world, tier), headers=world.headers(role))
        assert res.status_code == 200
        user = world.users[role]
        rows = receipts(user["id"])
        assert len(rows) == 1
        upload = world.uploads[tier]
        assert rows[0]["resource_id"] == upload["id"]
        assert rows[0]["package_id"] == world.datasets[tier]["id"]
        assert rows[0]["channel"] == channel
        assert rows[0]["obtained_at"] is not None
        assert rows[0]["metadata_modified"] is not None

    def test_a_browser_download_is_receipted_as_web(self, world, app):
        res = app.get(download_url(world, "unconditional"),
                      extra_environ={"REMOTE_USER": world.user("stranger")})
        assert res.status_code == 200
        assert [r["channel"] for r in receipts(world.users["stranger"]["id"])] == ["web"]

    def test_refused_downloads_leave_no_receipt(self, world, app):
        before = receipts()
        assert app.get(download_url(world, "conditional"),
                       headers=world.headers("stranger")).status_code == 403
        assert receipts() == before

    def test_anonymous_downloads_are_counted_without_anyone(self, world, app):
        upload = world.uploads["unconditional"]
        # the module's world: counts and receipts of earlier tests stay
        counted, before = anonymous_count(upload["id"]), receipts()
        for _ in range(3):
            assert app.get(download_url(world, "unconditional")).status_code == 200
        assert anonymous_count(upload["id"]) == counted + 3
        assert receipts() == before

    def test_a_grant_holder_is_receipted(self, world, app):
        ds = world.datasets["conditional"]
        stranger = world.users["stranger"]
        created = helpers.call_action(
            "govshare_application_create",
            context={"user": stranger["name"], "ignore_auth": False},
            **application_data(ds["id"]))
        approve_and_accept(created["id"], world.users["sysadmin"], stranger)
        res = app.get(download_url(world, "conditional"), headers=world.headers("stranger"))
        assert res.status_code == 200
        assert len(receipts(stranger["id"])) == 1

    def test_a_failing_receipt_does_not_fail_the_download(self, world, app):
        """The receipt table is renamed away (a real database failure): the
        file is still served, whole (the failure is logged)."""
        before = receipts()
        model.Session.remove()  # its read would hold a lock the rename waits for
        # only the owner role may rename a table
        with harness.DATABASE.owner().begin() as conn:
            conn.execute(sa.text("ALTER TABLE govshare_download_receipt "
                                 "RENAME TO govshare_download_receipt_away"))
        try:
            res = app.get(download_url(world, "conditional"), headers=world.headers("member"))
            assert res.status_code == 200
            assert res.get_data().startswith(b"id,name\n1,conditional-file-bytes-4f2a")
            assert "rel=\"describedby\"" in res.headers["Link"]
        finally:
            with harness.DATABASE.owner().begin() as conn:
                conn.execute(sa.text("ALTER TABLE govshare_download_receipt_away "
                                     "RENAME TO govshare_download_receipt"))
        assert receipts() == before

    def test_my_downloads(self, world, app):
        for tier in ("unconditional", "conditional"):
            app.get(download_url(world, tier), headers=world.headers("member"))
        mine = helpers.call_action("govshare_download_receipt_list",
                                   context=world.context("member"))
        assert mine["count"] == 2
        assert [r["resource_name"] for r in mine["results"]] == [
            "conditional upload", "unconditional upload"]
        assert helpers.call_action("govshare_download_receipt_list",
                                   context=world.context("stranger"))["count"] == 0
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("govshare_download_receipt_list",
                                context=world.context("stranger"),
                                user=world.user("member"))
        theirs = helpers.call_action("govshare_download_receipt_list",
                                     context=world.context("sysadmin"),
                                     user=world.user("member"))
        assert theirs["count"] == 2


class TestHeaders:
    def test_streamed_downloads_carry_the_label(self, world, app):
        res = app.get(download_url(world, "unconditional"))
        assert res.status_code == 200
        link = res.headers["Link"]
        assert link.endswith('/dataset/tier-unconditional>; rel="describedby"')
        text = label_text(res)
        assert text.startswith("数据来源：")
        assert "《无条件开放的公交线路 tiermark-unconditional》" in text
        assert "获取日期：" in text

    def test_range_downloads_carry_it_too(self, world, app):
        res = app.get(download_url(world, "conditional"), headers={
            **world.headers("member"), "Range": "bytes=0-9"})
        assert res.status_code == 206
        assert "rel=\"describedby\"" in res.headers["Link"]

    def test_link_resources_redirect_with_the_label(self, world, app):
        link = world.links["unconditional"]
        res = app.get(f"/dataset/tier-unconditional/resource/{link['id']}/download",
                      follow_redirects=False)
        assert res.status_code in (301, 302, 303, 307)
        assert labels.LABEL_HEADER in res.headers

    def test_refusals_carry_no_label(self, world, app):
        res = app.get(download_url(world, "conditional"))
        assert res.status_code == 403
        assert labels.LABEL_HEADER not in res.headers


class TestLabelShow:
    def test_dataset_label(self, world):
        ds = world.datasets["unconditional"]
        result = helpers.call_action("govshare_label_show", package_id=ds["name"],
                                     obtained_date="2026-11-20")
        org = world.owner_org
        assert result["text"] == (
            f"数据来源：{org['title']}《{ds['title']}》，{tk.config['ckan.site_title']} "
            f"{tk.config['ckan.site_url']}/dataset/{ds['name']}，获取日期：2026-11-20")
        assert result["text_en"].startswith("Source: ")
        facts = result["facts"]
        assert facts["agency_credit_code"] == org["unified_social_credit_code"]
        assert facts["identifier"] == ds["resource_code"]
        assert facts["obtained_date"] == "2026-11-20"

    def test_resource_label_dates_from_the_latest_receipt(self, world, app, freezer):
        freezer.move_to("2026-11-18 02:00:00")  # (a browser session: tokens carry their time)
        app.get(download_url(world, "unconditional"),
                extra_environ={"REMOTE_USER": world.user("member")})
        freezer.move_to("2026-11-21 02:00:00")
        upload = world.uploads["unconditional"]
        result = helpers.call_action("govshare_label_show", context=world.context("member"),
                                     resource_id=upload["id"])
        assert result["facts"]["obtained_date"] == "2026-11-18"
        assert result["facts"]["resource_name"] == "unconditional upload"
        assert "（unconditional upload）" in result["text"]
        assert result["receipt"]["channel"] == "web"
        other = helpers.call_action("govshare_label_show", context=world.context("stranger"),
                                    resource_id=upload["id"])
        assert other["facts"]["obtained_date"] == "2026-11-21"  # no receipt: today

    @pytest.mark.parametrize("date,message", [
        ("2199-01-01", "future"), ("2001-01-01", "first published"), ("21/11/2026", "YYYY")])
    def test_bad_dates(self, world, date, message):
        with pytest.raises(tk.ValidationError) as err:
            helpers.call_action("govshare_label_show",
                                package_id=world.datasets["unconditional"]["id"],
                                obtained_date=date)
        assert message in err.value.error_dict["obtained_date"][0]

    def test_nothing_for_what_the_caller_may_not_see(self, world, app):
        closed = world.datasets["closed"]
        with pytest.raises((tk.ObjectNotFound, tk.NotAuthorized)):
            helpers.call_action("govshare_label_show", context=world.context("stranger"),
                                package_id=closed["id"])
        url = tk.url_for("api.action", ver=3, logic_function="govshare_label_show",
                         package_id=closed["id"])
        assert app.get(url, headers=world.headers("stranger")).status_code in (403, 404)
        with pytest.raises(tk.ValidationError):
            helpers.call_action("govshare_label_show", context=world.context("stranger"))
