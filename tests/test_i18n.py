"""Translations: the catalogs are complete and current, and CKAN uses them.

Chinese (zh_Hans_CN) is the default UI language and English is offered too.
Every string of ours goes through tk._()/tk.ungettext() or {% trans %}, is
extracted into i18n/ckanext-govshare.pot and translated in the zh_Hans_CN
catalog; the compiled .mo files are tracked. ``make i18n`` refreshes all of it
(scripts/i18n.sh); these tests fail when someone forgot to.
"""
from __future__ import annotations

import gettext
import io
import re
import string
from collections import Counter
from pathlib import Path

import polib
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import ckan.plugins.toolkit as tk

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "ckanext-govshare" / "ckanext" / "govshare"
I18N = PKG / "i18n"
DOMAIN = "ckanext-govshare"
POT = I18N / f"{DOMAIN}.pot"
LOCALES = ("zh_Hans_CN", "en")
HOW_TO_FIX = "run `make i18n` (scripts/i18n.sh), translate what it lists, run it again"


def _po_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _mo_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _keys(catalog: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(e.msgctxt, e.msgid, e.msgid_plural or "") for e in catalog if not e.obsolete}


# --------------------------------------------------------------------------- (a)
def test_pot_is_up_to_date_with_the_sources(tmp_path):
    fresh = tmp_path / "fresh.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
        "-o", str(fresh), str(PKG),
    ])
    extracted = _keys(polib.pofile(str(fresh)))
    shipped = _keys(polib.pofile(str(POT)))
    assert extracted, "nothing extracted: is babel.cfg right?"
    missing = sorted(k[1] for k in extracted - shipped)
    stale = sorted(k[1] for k in shipped - extracted)
    assert not missing and not stale, (
        f"{POT.name} is out of date ({HOW_TO_FIX}).\n"
        f"  in the code but not in the .pot: {missing}\n"
        f"  in the .pot but no longer in the code: {stale}")


def test_the_search_cli_strings_are_in_the_catalog():
    ids = {e.msgid for e in polib.pofile(str(POT))}
    assert "Indexing datasets" in ids
    assert "Indexed {count} datasets in {seconds:.1f} s" in ids


# --------------------------------------------------------------------------- (b)
_PERCENT = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> Counter:
    """The str.format fields ({name}, {name!r}, {x:.1f}) and %-style fields
    (%(name)s, %s) of a message, as a multiset. Raises ValueError on a broken
    brace, as str.format would at run time."""
    found: Counter = Counter()
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is not None:
            found["{%s%s%s}" % (field, "!" + conversion if conversion else "",
                                ":" + spec if spec else "")] += 1
    for m in _PERCENT.finditer(text):
        if m.group(0) != "%%":
            found[m.group(0)] += 1
    return found


def test_placeholders_helper():
    assert placeholders("{a} {b!r} {c:.1f} %(d)s %s 100%%") == Counter(
        {"{a}": 1, "{b!r}": 1, "{c:.1f}": 1, "%(d)s": 1, "%s": 1})
    with pytest.raises(ValueError):
        placeholders("{broken")


def test_every_message_has_a_chinese_translation():
    pot = polib.pofile(str(POT))
    zh = polib.pofile(str(_po_path("zh_Hans_CN")))
    entries = {(e.msgctxt, e.msgid): e for e in zh if not e.obsolete}
    problems = []
    for source in pot:
        if source.obsolete:
            continue
        entry = entries.get((source.msgctxt, source.msgid))
        if entry is None:
            problems.append(f"{source.msgid!r}: missing from the zh_Hans_CN catalog")
            continue
        if entry.fuzzy:
            problems.append(f"{source.msgid!r}: marked fuzzy (check it, remove the flag)")
            continue
        if source.msgid_plural:
            translations = [entry.msgstr_plural.get(i, "") for i in range(
                max(1, len(entry.msgstr_plural)))]
            # zh has one plural form, used for every number: it follows the plural msgid
            expected = placeholders(source.msgid_plural)
        else:
            translations = [entry.msgstr]
            expected = placeholders(source.msgid)
        for text in translations:
            if not text.strip():
                problems.append(f"{source.msgid!r}: not translated")
                continue
            try:
                got = placeholders(text)
            except ValueError as e:
                problems.append(f"{source.msgid!r}: broken translation {text!r} ({e})")
                continue
            if got != expected:
                problems.append(f"{source.msgid!r}: placeholders {dict(got)} in {text!r}, "
                                f"expected {dict(expected)}")
            if text == source.msgid and re.search("[A-Za-z]{3}", text):
                problems.append(f"{source.msgid!r}: translation is the English msgid")
    assert not problems, f"zh_Hans_CN catalog ({HOW_TO_FIX}):\n  " + "\n  ".join(problems)


def test_chinese_catalog_header():
    zh = polib.pofile(str(_po_path("zh_Hans_CN")))
    assert zh.metadata["Language"] == "zh_Hans_CN"
    assert "nplurals=1" in zh.metadata["Plural-Forms"]
    assert "charset=utf-8" in zh.metadata["Content-Type"].lower()


# --------------------------------------------------------------------------- (c)
@pytest.mark.parametrize("locale", LOCALES)
def test_mo_is_compiled_from_the_current_po(locale):
    po, mo = _po_path(locale), _mo_path(locale)
    assert po.is_file() and mo.is_file(), f"{locale}: {HOW_TO_FIX}"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    with open(mo, "rb") as fh:
        shipped = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    assert shipped == expected, f"{mo.name} for {locale} is stale ({HOW_TO_FIX})"


def test_compiled_chinese_catalog_translates():
    zh = gettext.GNUTranslations(open(_mo_path("zh_Hans_CN"), "rb"))
    assert zh.gettext("Indexing datasets") == "正在索引数据集"
    assert zh.ngettext("{count} failure:", "{count} failures:", 3) == "{count} 项失败："
    en = gettext.GNUTranslations(open(_mo_path("en"), "rb"))
    assert en.gettext("Indexing datasets") == "Indexing datasets"
    assert en.ngettext("{count} failure:", "{count} failures:", 1) == "{count} failure:"
    assert en.ngettext("{count} failure:", "{count} failures:", 3) == "{count} failures:"


# --------------------------------------------------------------------------- (d)
MESSAGE = "Indexing datasets"
CHINESE = "正在索引数据集"


def _probe_app(app):
    """A route that answers with translated strings, so that the request goes
    through CKAN's whole stack (I18nMiddleware picks the locale from the URL)."""
    def probe():
        count = 3
        return "|".join([
            tk._(MESSAGE),
            tk.ungettext("{count} failure:", "{count} failures:", count).format(count=count),
        ])

    app.flask_app.add_url_rule("/govshare-i18n-probe", "govshare_i18n_probe", probe)
    return app


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.locale_default", "zh_Hans_CN")
@pytest.mark.ckan_config("ckan.locales_offered", "zh_Hans_CN en")
class TestRuntimeLocale:
    def test_plugin_declares_its_catalogs(self):
        import ckan.plugins as plugins

        plugin = plugins.get_plugin("govshare")  # as loaded: its name sets the domain
        assert Path(plugin.i18n_directory()) == I18N
        assert plugin.i18n_domain() == DOMAIN
        assert set(LOCALES) <= set(plugin.i18n_locales())

    def test_chinese_by_default(self, app):
        with app.flask_app.test_request_context("/"):
            assert tk._(MESSAGE) == CHINESE
            assert tk.ungettext("{count} failure:", "{count} failures:", 1) == "{count} 项失败："
            # CKAN's own catalog still applies next to ours
            assert tk._("Datasets") == "数据集"

    def test_english_when_asked(self, app):
        with app.flask_app.test_request_context("/", environ_overrides={"CKAN_LANG": "en"}):
            assert tk._(MESSAGE) == MESSAGE
            assert tk.ungettext("{count} failure:", "{count} failures:", 2) == \
                "{count} failures:"

    # adds a route, which Flask allows only before an app's first request
    @pytest.mark.fresh_environment
    def test_through_the_middleware(self, app):
        app = _probe_app(app)
        assert app.get("/govshare-i18n-probe").get_data(as_text=True) == \
            f"{CHINESE}|3 项失败："
        assert app.get("/en/govshare-i18n-probe").get_data(as_text=True) == \
            f"{MESSAGE}|3 failures:"
        assert app.get("/zh_Hans_CN/govshare-i18n-probe").get_data(as_text=True) == \
            f"{CHINESE}|3 项失败："


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.locale_default", "en")
def test_english_default_locale(app):
    app = _probe_app(app)
    assert app.get("/govshare-i18n-probe").get_data(as_text=True) == f"{MESSAGE}|3 failures:"
    with app.flask_app.test_request_context("/"):
        assert tk._(MESSAGE) == MESSAGE


# --------------------------------------------------------------------------- (e)
# CKAN's own strings on GovShare's pages (ckanext/govshare/core_messages.py)
def _zh_catalog() -> dict[str, str]:
    return {e.msgid: e.msgstr for e in polib.pofile(str(_po_path("zh_Hans_CN")))
            if not e.obsolete}


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.locale_default", "zh_Hans_CN")
@pytest.mark.ckan_config("ckan.locales_offered", "zh_Hans_CN en")
def test_our_catalog_translates_ckans_own_msgids(app):
    """GovShare's catalog completes CKAN's: every msgid of core_messages.py is
    translated as in our zh_Hans_CN catalog, also where CKAN's own catalog
    has a (worse) translation of its own ("Follow": 追随)."""
    from ckanext.govshare import core_messages

    ours = _zh_catalog()
    msgids = (*core_messages.TEMPLATES, *core_messages.RESOURCE_FIELDS,
              *core_messages.RESOURCE_VALUES, *core_messages.UNTRANSLATED,
              *core_messages.CORRECTED, *core_messages.ERROR_NAMES)
    with app.flask_app.test_request_context("/"):
        shown = {msgid: tk._(msgid) for msgid in msgids}
    assert shown == {msgid: ours[msgid] for msgid in msgids}
    assert shown["Follow"] == "关注"
    assert shown["Log in"] == "登录" and shown["Register"] == "注册"


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.locale_default", "zh_Hans_CN")
@pytest.mark.ckan_config("ckan.locales_offered", "zh_Hans_CN en")
def test_resource_field_names_in_chinese(app):
    """core_messages.format_resource_items, chained to CKAN's helper: the
    names and values it knows are translated; the keys the templates compare
    are left as they are."""
    import ckan.lib.helpers as h

    from ckanext.govshare import core_messages

    items = [("has_views", False), ("package_id", "p-1"), ("state", "active"),
             ("url_type", "upload"), ("size", 8), ("created", "2026-01-02T03:04:05"),
             ("format", "CSV"), ("some_extra", "active")]
    with app.flask_app.test_request_context("/"):
        shown = dict(core_messages.format_resource_items(h.format_resource_items, items))
    assert shown["有视图"] == "否"
    assert shown["数据集标识符"] == "p-1"
    assert shown["状态"] == "有效"
    assert shown["网址类型"] == "上传的文件"
    assert "大小" in shown and "created" in shown and shown["format"] == "CSV"
    assert shown["some extra"] == "active"      # only the state is translated
    with app.flask_app.test_request_context("/", environ_overrides={"CKAN_LANG": "en"}):
        shown = dict(core_messages.format_resource_items(h.format_resource_items, items))
    assert shown["Has views"] == "False" and shown["State"] == "active"


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.locale_default", "zh_Hans_CN")
@pytest.mark.ckan_config("ckan.locales_offered", "zh_Hans_CN en")
class TestCKANPagesInChinese:
    """The dataset, resource and organization pages show no English from CKAN's
    templates where GovShare's catalog has the Chinese."""

    #: English that CKAN's zh_Hans_CN catalog leaves untranslated → ours
    EVERY_PAGE = {"Skip to main content": "跳到主要内容", "Search Datasets...": "搜索数据集...",
                  "Powered by": "技术支持",
                  'aria-label="Toggle navigation"': 'aria-label="切换导航"',
                  'aria-label="Breadcrumb"': 'aria-label="当前位置"'}
    ANONYMOUS = {'aria-label="Account"': 'aria-label="账户"'}
    LOGGED_IN = {'title="Profile settings"': 'title="个人资料设置"'}

    @pytest.fixture()
    def pages(self, create_with_upload):
        from tests import factories

        editor = factories.UserWithToken()
        org = factories.Organization(name="jiaotong",
                                     users=[{"name": editor["name"], "capacity": "editor"}])
        dataset = factories.Dataset(owner_org=org["id"], name="bus-routes",
                                    notes="全市公交线路。",
                                    resources=[{"name": "stops", "format": "CSV",
                                                "url": "http://files.example.com/stops.csv"}])
        resource = create_with_upload("id,name\n1,一路\n", "routes.csv", package_id=dataset["id"],
                                      name="routes", format="CSV",
                                      context={"user": editor["name"]})
        return {"editor": {"Authorization": editor["token"]},
                "dataset": "/dataset/bus-routes",
                "resource": f"/dataset/bus-routes/resource/{resource['id']}",
                "organization": "/organization/jiaotong",
                "about": "/organization/about/jiaotong"}

    def check(self, body: str, expected: dict[str, str]) -> None:
        for english, chinese in expected.items():
            assert chinese in body, chinese
            assert english not in body, english

    @pytest.mark.parametrize("page", ["dataset", "resource", "organization", "about"])
    def test_anonymous(self, app, pages, page):
        self.check(app.get(pages[page]).body, {**self.EVERY_PAGE, **self.ANONYMOUS})

    @pytest.mark.parametrize("page", ["dataset", "resource", "organization", "about"])
    def test_logged_in(self, app, pages, page):
        self.check(app.get(pages[page], headers=pages["editor"]).body,
                   {**self.EVERY_PAGE, **self.LOGGED_IN})

    def test_resource_page(self, app, pages):
        body = app.get(pages["resource"], headers=pages["editor"]).body
        self.check(body, {"Dataset description:": "数据集描述：",
                          "Data last updated": "数据最后更新",
                          "Metadata last updated": "元数据最后更新",
                          # the other resource in the sidebar's list
                          'aria-label="Manage resource: stops"': 'aria-label="管理资源：stops"',
                          "If a view requires the DataStore": "如果视图需要数据存储"})
        assert "全市公交线路。" in body       # the dataset description shown

    @pytest.mark.parametrize("page", ["dataset", "organization", "resource"])
    def test_follow_button_and_no_social_links(self, app, pages, page):
        """No links to Twitter or Facebook (unreachable from mainland China:
        templates/snippets/social.html)."""
        body = app.get(pages[page], headers=pages["editor"]).body
        if page != "resource":
            assert re.search(r'fa-circle-plus"></i> 关注</a>', body)
        assert "twitter.com" not in body and "facebook.com" not in body

    def test_english_is_still_english(self, app, pages):
        body = app.get("/en" + pages["resource"], headers=pages["editor"]).body
        for english in ("Dataset description:", "Data last updated", "Skip to main content",
                        "Search Datasets..."):
            assert english in body


# --------------------------------------------------------------------------- (f)
# CKAN's scripts start only once /api/i18n/<the page's language> answers
# (ckanext/govshare/js_translations.py)
def _script_locale(body: str) -> str:
    """What CKAN's client.js asks for: the page's ``<html lang>`` with its
    first ``-`` made ``_`` (``locale.replace('-', '_')``)."""
    lang = re.search(r'<html lang="([^"]+)"', body).group(1)
    return lang.replace("-", "_", 1)


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.locale_default", "zh_Hans_CN")
@pytest.mark.ckan_config("ckan.locales_offered", "zh_Hans_CN en")
class TestScriptTranslations:
    @pytest.mark.parametrize("prefix, locale, cancel", [
        ("", "zh_Hans_CN", "取消"), ("/en", "en", None)])
    def test_the_locale_a_page_asks_for_is_served(self, app, prefix, locale, cancel):
        asked = _script_locale(app.get(prefix + "/dataset/").body)
        response = app.get(f"/api/i18n/{asked}")
        assert response.status_code == 200, response.body
        translations = response.json
        if cancel:  # the confirmation dialog's button (confirm-action.js)
            assert translations[""]["lang"] == locale
            assert translations["Cancel"] == [None, cancel]

    @pytest.mark.parametrize("name", ["zh_Hans_CN", "zh-Hans-CN", "ZH_hans-cn"])
    def test_any_spelling_of_the_locale(self, app, name):
        assert app.get(f"/api/i18n/{name}").json[""]["lang"] == "zh_Hans_CN"

    def test_an_unknown_locale_is_still_refused(self, app):
        assert app.get("/api/i18n/xx_Yyyy-ZZ").status_code == 400
