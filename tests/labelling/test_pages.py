"""The label on the dataset and resource pages (with its copy button), and
"My downloads" on the dashboard.

Metadata of unconditional and conditional datasets is public, so everyone
sees their labels; a closed dataset's pages are its organization's only.
Our strings are looked up in the page's catalog (:func:`zh`), so the
assertions hold before and after a string is translated.
"""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from tests.tiers.conftest import TITLES, World


def zh(app, msgid: str, **fields) -> str:
    """``msgid`` as the Chinese pages show it (the templates' ``_()`` output
    is not escaped again)."""
    from flask_babel import force_locale

    with app.flask_app.test_request_context("/"), force_locale("zh_Hans_CN"):
        text = tk._(msgid)
    return str(text.format(**fields) if fields else text)


def page(app, url: str, world: World, role: str = "anonymous", status: int = 200) -> str:
    env = {"REMOTE_USER": world.user(role)} if world.users.get(role) else {}
    res = app.get(url, extra_environ=env, status=status)
    return res.get_data(as_text=True)


def label_blocks(html: str) -> list[str]:
    """The label texts shown (the copy buttons' targets), unescaped."""
    return [unescape(m) for m in re.findall(
        r'<blockquote class="govshare-label-text[^"]*" id="[^"]+">(.*?)</blockquote>',
        html, re.S)]


def copy_targets(html: str) -> list[str]:
    return re.findall(r'data-govshare-copy="([^"]+)"', html)


def today() -> str:
    return workdays.local_today().isoformat()


def download(app, world: World, role: str, tier: str) -> None:
    upload = world.uploads[tier]
    res = app.get(f"/dataset/tier-{tier}/resource/{upload['id']}/download",
                  extra_environ={"REMOTE_USER": world.user(role)})
    assert res.status_code == 200


def add_receipts(user_id: str, world: World, tier: str, n: int) -> None:
    """``n`` receipts of one upload, a minute apart, the newest an hour ago."""
    upload = world.uploads[tier]
    now = dt.datetime.utcnow() - dt.timedelta(hours=1)
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO govshare_download_receipt (user_id, package_id, resource_id, "
            "resource_modified, metadata_modified, obtained_at, channel) "
            "SELECT :u, :p, :r, NULL, NULL, :t - make_interval(mins => g), 'api' "
            "FROM generate_series(0, :n - 1) AS g"),
            {"u": user_id, "p": world.datasets[tier]["id"], "r": upload["id"],
             "t": now, "n": n})


class TestDatasetPage:
    @pytest.mark.parametrize("role", ["anonymous", "stranger", "member"])
    @pytest.mark.parametrize("tier", ["unconditional", "conditional"])
    def test_everyone_sees_the_label_of_public_metadata(self, app, world, role, tier):
        html = page(app, f"/dataset/tier-{tier}", world, role)
        [text] = label_blocks(html)
        assert text.startswith("数据来源：")
        assert f"《{TITLES[tier]}》" in text
        assert "/dataset/tier-" + tier in text
        assert text.endswith(f"获取日期：{today()}")
        assert len(copy_targets(html)) == 1
        assert "navigator.clipboard" in html
        assert 'role="status"' in html
        assert '<details class="govshare-label-facts">' in html
        assert zh(app, "Cite this data") in html
        # the definition list carries the structured facts
        assert zh(app, "Unified social credit code") in html
        assert world.owner_org["unified_social_credit_code"] in html
        assert world.datasets[tier]["resource_code"] in html

    def test_the_closed_dataset_is_its_organizations(self, app, world):
        page(app, "/dataset/tier-closed", world, "stranger", status=404)
        page(app, "/dataset/tier-closed", world, "anonymous", status=404)
        [text] = label_blocks(page(app, "/dataset/tier-closed", world, "member"))
        assert f"《{TITLES['closed']}》" in text

    def test_the_date_is_the_users_latest_download(self, app, world):
        html = page(app, "/dataset/tier-unconditional", world, "stranger")
        assert zh(app, "The date is today's: change it to the date you obtained the "
                       "data.") in html
        download(app, world, "stranger", "unconditional")
        html = page(app, "/dataset/tier-unconditional", world, "stranger")
        assert zh(app, "The date is that of your latest download ({date}).",
                  date=today()) in html

    def test_english_pages_show_the_english_label(self, app, world):
        html = page(app, "/en/dataset/tier-unconditional", world)
        [text] = label_blocks(html)
        assert text.startswith("Source: ")
        assert f"\u201c{TITLES['unconditional']}\u201d" in text
        assert "/dataset/tier-unconditional," in text and "/en/" not in text
        assert text.endswith(f"obtained {today()}")
        assert "Cite this data" in html

    def test_only_the_dataset_page_has_it(self, app, world):
        html = page(app, "/dataset/groups/tier-unconditional", world, "member")
        assert label_blocks(html) == []


class TestResourcePage:
    @pytest.mark.parametrize("role", ["anonymous", "stranger", "member"])
    @pytest.mark.parametrize("tier", ["unconditional", "conditional"])
    def test_everyone_sees_the_resource_label(self, app, world, role, tier):
        upload = world.uploads[tier]
        html = page(app, f"/dataset/tier-{tier}/resource/{upload['id']}", world, role)
        [text] = label_blocks(html)
        assert f"《{TITLES[tier]}》（{tier} upload）" in text
        assert text.endswith(f"获取日期：{today()}")
        assert len(copy_targets(html)) == 1
        assert zh(app, "Copy label") in html

    def test_a_conditional_resource_without_access_still_has_its_label(self, app, world):
        upload = world.uploads["conditional"]
        html = page(app, f"/dataset/tier-conditional/resource/{upload['id']}", world,
                    "stranger")
        assert zh(app, "Apply for access") in html  # the data itself is not offered
        assert len(label_blocks(html)) == 1

    def test_the_closed_resource_is_its_organizations(self, app, world):
        upload = world.uploads["closed"]
        page(app, f"/dataset/tier-closed/resource/{upload['id']}", world, "stranger",
             status=404)
        html = page(app, f"/dataset/tier-closed/resource/{upload['id']}", world, "member")
        assert len(label_blocks(html)) == 1


class TestMyDownloads:
    url = "/dashboard/downloads"

    def test_anonymous_visitors_are_sent_to_log_in(self, app, world):
        res = app.get(self.url, follow_redirects=False)
        assert res.status_code == 302
        assert "/user/login" in res.headers["Location"]
        assert "dashboard" in res.headers["Location"]

    def test_the_user_sees_their_own_receipts_only(self, app, world):
        download(app, world, "member", "unconditional")
        download(app, world, "member", "closed")
        download(app, world, "stranger", "unconditional")
        html = page(app, self.url, world, "member")
        assert html.count('data-receipt="') == 2
        assert "closed upload" in html and "unconditional upload" in html
        texts = label_blocks(html)
        assert len(texts) == 2 and len(copy_targets(html)) == 2
        assert f"《{TITLES['closed']}》（closed upload）" in texts[0]  # newest first
        assert all(t.endswith(f"获取日期：{today()}") for t in texts)
        assert zh(app, "Browser") in html

        theirs = page(app, self.url, world, "stranger")
        assert theirs.count('data-receipt="') == 1
        assert "closed upload" not in theirs

    def test_empty(self, app, world):
        html = page(app, self.url, world, "other_org_member")
        assert zh(app, "You have not downloaded anything while logged in yet.") in html

    def test_pages(self, app, world):
        add_receipts(world.users["stranger"]["id"], world, "unconditional", 30)
        first = page(app, self.url, world, "stranger")
        assert first.count('data-receipt="') == 25
        assert 'href="/dashboard/downloads?page=2"' in first
        second = page(app, self.url + "?page=2", world, "stranger")
        assert second.count('data-receipt="') == 5
        assert zh(app, "API token") in second

    def test_a_dataset_no_longer_visible_has_no_label(self, app, world):
        add_receipts(world.users["stranger"]["id"], world, "closed", 1)
        html = page(app, self.url, world, "stranger")
        assert html.count('data-receipt="') == 1
        assert label_blocks(html) == []
        assert zh(app, "You can no longer see this dataset.") in html

    def test_the_dashboard_has_the_tab(self, app, world):
        html = page(app, "/dashboard/datasets", world, "member")
        assert 'href="/dashboard/downloads"' in html
        assert zh(app, "My downloads") in html
