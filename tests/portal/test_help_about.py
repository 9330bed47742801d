"""The Help and About pages: the rules read from where they are defined,
GovShare's own Chinese text until a sysadmin writes the site's, and that
text editable at /ckan-admin/config."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests.helpers import call_action

from ckanext.govshare import options
from ckanext.govshare.portal import help as help_page

from tests import profiles
from tests import factories


@pytest.fixture(scope="module")
def sysadmin(module_db):
    return factories.SysadminWithToken()


@pytest.fixture()
def site_config(sysadmin):
    """Set runtime-editable options as a sysadmin does; put them back after."""
    changed: list[str] = []

    def update(**values):
        changed.extend(values)
        call_action("config_option_update", {"user": sysadmin["name"], "ignore_auth": False},
                    **values)
    yield update
    if changed:
        call_action("config_option_update", {"user": sysadmin["name"]},
                    **{key: "" for key in changed})


def text(app, path: str) -> str:
    response = app.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.OTHER_NUMBERS)
def test_help_reads_the_rules(app, sysadmin):
    body = text(app, "/help")
    for anchor in ("tiers", "apply", "deadlines", "labelling", "terms", "privacy", "contact"):
        assert f'<section id="{anchor}">' in body
    for tier in ("无条件开放", "有条件开放", "不予开放"):
        assert f"<dt>{tier}</dt>" in body
    assert "自申请提交之日起 10 个工作日内答复" in body
    assert "延长期限最长不超过 7 个工作日" in body
    assert "<li>获取日期</li>" in body and "<li>发布机构</li>" in body     # the label's facts
    assert "仅您本人、审核申请的部门和平台管理员可见" in body            # the default privacy text
    english = text(app, "/en/help")
    assert "within 10 working days" in english and "<dt>Open on conditions</dt>" in english


def test_help_says_when_the_rules_provide_no_extension(app):
    # qingyang-2021, the default: no extension
    body = text(app, "/help")
    assert "自申请提交之日起 15 个工作日内答复" in body
    assert "延长期限" not in body and "规定不设延期答复" in body


def test_a_sysadmin_rewrites_a_help_section(app, sysadmin, site_config):
    site_config(**{options.PORTAL_HELP_CONTACT: "**热线**：12345\n\n<script>alert(1)</script>"})
    body = text(app, "/help")
    contact = body[body.index('<section id="contact">'):]
    assert "<strong>热线</strong>：12345" in contact
    assert "<script>alert(1)" not in body
    assert "平台运营单位在此公布的联系方式" not in contact      # the default is replaced
    assert "仅您本人、审核申请的部门和平台管理员可见" in body     # the other sections stay
    # the form field is on the admin page, with the saved text
    admin = app.get("/ckan-admin/config", headers={"Authorization": sysadmin["token"]})
    assert f'name="{options.PORTAL_HELP_CONTACT}"' in admin.get_data(as_text=True)
    assert "帮助页面：联系我们" in admin.get_data(as_text=True)


def test_only_sysadmins_edit_the_help(app, sysadmin):
    user = factories.User()
    with pytest.raises(tk.NotAuthorized):
        call_action("config_option_update", {"user": user["name"], "ignore_auth": False},
                    **{options.PORTAL_HELP_TERMS: "改写"})
    assert help_page.editable_sections()[0]["text"] == ""


def test_about_in_chinese_until_the_site_writes_its_own(app, site_config):
    body = text(app, "/about")
    assert "向社会开放其所掌握数据的统一平台" in body
    assert 'href="/help"' in body
    assert "CKAN is the world" not in body and "CKAN 是" not in body
    site_config(**{"ckan.site_about": "本平台由**市数据局**运营。"})
    body = text(app, "/about")
    assert "<strong>市数据局</strong>" in body and "统一平台" not in body


def test_header_and_footer_lead_to_about_and_help(app):
    body = text(app, "/dataset/")
    header = body[:body.index("</header>")]
    footer = body[body.index('<footer class="site-footer">'):]
    for part in (header, footer):
        assert 'href="/about"' in part and 'href="/help"' in part
    assert 'href="/api-centre"' in footer and "docs.ckan.org" not in footer


def test_the_home_page_shows_the_sites_intro_text(app, site_config):
    assert "政府数据向社会开放" in text(app, "/")
    site_config(**{"ckan.site_intro_text": "欢迎访问**本市**公共数据开放平台。"})
    body = text(app, "/")
    assert "<strong>本市</strong>" in body and "政府数据向社会开放" not in body
