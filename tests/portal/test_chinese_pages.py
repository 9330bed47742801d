"""The pages a citizen sees, in Chinese: no CKAN placeholder, no English that
a catalog could translate, none of the words CKAN's Chinese gets wrong, no
internal value, no picture from Gravatar.

"English that a catalog could translate" is found, not listed: a text node
or a title/label/placeholder that is exactly one of the English msgids of
CKAN's or GovShare's catalog was left untranslated on that page.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import polib
import pytest

import ckan

from ckanext.govshare.tiers import policy

from tests import factories

CATALOGS = (Path(ckan.__file__).parent / "i18n" / "ckan.pot",
            Path(__file__).resolve().parents[2] / "ckanext-govshare" / "ckanext" / "govshare"
            / "i18n" / "ckanext-govshare.pot")
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
#: CKAN's placeholder home page and about text
PLACEHOLDERS = ("placeholder-420x220", "420 x 220", "欢迎來到CKAN", "目前没有文案",
                "Welcome to CKAN", "CKAN is the world")
#: CKAN's Chinese that reads wrong: 登陆 (to land ashore) for 登录, 组件
#: (a software component) for 数据集
BAD_WORDS = ("登陆", "组件")


def _words(text: str) -> str:
    return " ".join(text.split())


def english_msgids() -> set[str]:
    """Every msgid (and plural) that reads as English words."""
    found = set()
    for path in CATALOGS:
        for entry in polib.pofile(str(path)):
            for msgid in (entry.msgid, entry.msgid_plural):
                if msgid and re.search(r"[A-Za-z][a-z]", msgid):
                    found.add(_words(msgid))
    return found


MSGIDS = english_msgids()


def untranslated(body: str) -> set[str]:
    """The page's texts that are an English msgid (scripts and styles aside;
    a URL, which some placeholders are, is not a sentence)."""
    doc = lxml.html.fromstring(body)
    for element in doc.xpath("//script|//style"):
        element.drop_tree()
    texts = [_words(t) for t in doc.xpath("//text()")]
    texts += [_words(value) for name in ATTRIBUTES for value in doc.xpath(f"//@{name}")]
    return {t for t in texts if t and "://" not in t
            and (t in MSGIDS or t.rstrip(":：") in MSGIDS)}


def test_the_checker_finds_english():
    assert untranslated('<p>News feed</p><a title="Revoke">×</a><p>动态</p>'
                        '<script>var s = "Log in";</script>') == {"News feed", "Revoke"}


@pytest.fixture(scope="module")
def pages(module_db):
    # users without a picture of their own: where CKAN would ask Gravatar
    user = factories.UserWithToken(image_url=None)
    org = factories.Organization(title="交通运输局",
                                 users=[{"name": user["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=org["id"], title="公交线路", name="bus-lines",
                                notes="全市公交线路。", resources=[
                                    {"name": "线路", "format": "CSV",
                                     "url": "http://files.example.com/lines.csv"}])
    conditional = factories.Dataset(owner_org=org["id"], title="施工许可", name="permits",
                                    open_tier="conditional", resources=[
                                        {"name": "许可", "format": "CSV",
                                         "url": "http://files.example.com/permits.csv"}])
    stranger = factories.UserWithToken(image_url=None)
    return {
        "anonymous": {
            "home": "/", "search": "/dataset/", "dataset": "/dataset/bus-lines",
            "resource": f"/dataset/permits/resource/{conditional['resources'][0]['id']}",
            "help": "/help", "about": "/about", "login": "/user/login",
            "register": "/user/register", "403": "/ckan-admin",
        },
        "user": {
            "home": "/", "dashboard": "/dashboard/",
            "datasets": "/dashboard/datasets",
            "tokens": f"/user/{user['name']}/api-tokens",
            "profile": f"/user/{user['name']}",
            "resource": f"/dataset/bus-lines/resource/{dataset['resources'][0]['id']}",
            "403": "/ckan-admin",
        },
        "headers": {"user": {"Authorization": user["token"]},
                    "stranger": {"Authorization": stranger["token"]}},
    }


PAGES = [("anonymous", name) for name in ("home", "search", "dataset", "resource", "help",
                                          "about", "login", "register", "403")] + \
        [("user", name) for name in ("home", "dashboard", "datasets", "tokens", "profile",
                                     "resource", "403")]


@pytest.mark.parametrize("who, page", PAGES, ids=[f"{w}-{p}" for w, p in PAGES])
def test_the_page_reads_as_chinese(app, pages, who, page):
    response = app.get(pages[who][page], headers=pages["headers"].get(who, {}))
    assert response.status_code == (403 if page == "403" else 200)
    body = response.get_data(as_text=True)
    assert '<html lang="zh-Hans-CN"' in body
    problems = [f"CKAN placeholder {p!r}" for p in PLACEHOLDERS if p in body]
    problems += [f"bad word {w!r}" for w in BAD_WORDS if w in body]
    problems += [f"internal value {v!r}" for v in (policy.RESTRICTED_URL_TYPE,) if v in body]
    problems += ["a picture from Gravatar"] if "gravatar.com" in body else []
    problems += [f"English left: {t!r}" for t in sorted(untranslated(body))]
    assert not problems, "\n".join(problems)


def test_the_words_that_were_wrong(app, pages):
    body = app.get("/").get_data(as_text=True)
    assert '<a href="/user/login">登录</a>' in body
    assert '<a class="sub" href="/user/register">注册</a>' in body
    tokens = app.get(pages["user"]["tokens"], headers=pages["headers"]["user"])
    assert "</span> 令牌名称</label>" in tokens.get_data(as_text=True)
    news = app.get("/dashboard/", headers=pages["headers"]["user"]).get_data(as_text=True)
    assert "<i class=\"fa fa-list\"></i> 动态</a>" in news
    resource = app.get(pages["anonymous"]["resource"]).get_data(as_text=True)
    assert "<td>申请后提供</td>" in resource


def test_user_pictures_are_local(app, pages):
    for path in (pages["user"]["dashboard"], pages["user"]["profile"]):
        body = app.get(path, headers=pages["headers"]["user"]).get_data(as_text=True)
        images = re.findall(r'<img class="user-image"[^>]*src="([^"]+)"', body)
        assert images and all(src == "/base/images/placeholder-user.png" for src in images)


@pytest.mark.parametrize("lang", ["", "/en"])
def test_the_403_page_logs_in_and_comes_back(app, lang):
    response = app.get(f"{lang}/ckan-admin?tab=config")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    if not lang:
        assert "<h1>403 无权访问</h1>" in body
    link = re.search(r'<a href="(/[^"]*user/login\?[^"]+)">', body)
    assert link, "no login link"
    login = link.group(1).replace("&amp;", "&")
    assert login.startswith(f"{lang}/user/login?next=")
    # logging in through that link lands back where the visitor was going
    user = factories.User(password="Correct-Horse-2026")
    answer = app.post(login, data={"login": user["name"], "password": "Correct-Horse-2026"},
                      follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"{lang}/ckan-admin?tab=config")
