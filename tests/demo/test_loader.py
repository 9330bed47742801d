"""``ckan govshare demo load`` against the test database.

Everything is checked through actions that read the database (package_show,
package_list, organization_show without dataset counts) or the model, never
through package_search.
"""
from __future__ import annotations

import copy
import os

import pytest
import sqlalchemy as sa
import yaml

import ckan.tests.helpers as helpers
from ckan import model
from ckan.cli.cli import ckan
from ckan.lib import uploader
from ckan.plugins import toolkit as tk

from ckanext.govshare.demo import loader

CATALOG = loader.load_catalog()
FILES = {(d["name"], r["name"]): r["file"]
         for d in CATALOG["datasets"] for r in d["resources"] if r.get("file")}


@pytest.fixture
def t(app):
    """``tk._``/``tk.ungettext`` then ``str.format``, in the locale the CLI
    writes in (the site's default, zh_Hans_CN), so the checks below hold in
    any language."""
    def translate(msgid, plural=None, n=None, **fields):
        with app.flask_app.test_request_context():
            text = tk._(msgid) if plural is None else tk.ungettext(msgid, plural, n)
        return text.format(**fields)
    return translate


def _dataset(name):
    return next(d for d in CATALOG["datasets"] if d["name"] == name)


def _load(cli):
    result = cli.invoke(ckan, ["govshare", "demo", "load"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _show(name):
    return helpers.call_action("package_show", {"use_cache": False}, id=name)


def _counts():
    q = model.Session.query
    return {
        "organizations": q(model.Group).filter_by(is_organization=True, state="active").count(),
        "groups": q(model.Group).filter_by(is_organization=False, state="active").count(),
        "datasets": q(model.Package).filter_by(state="active").count(),
        "resources": q(model.Resource).filter_by(state="active").count(),
    }


@pytest.mark.usefixtures("with_plugins", "clean_db", "remove_demo_uploads")
class TestDemoLoad:
    def test_load_creates_the_catalog(self, cli, t):
        output = _load(cli)
        n = len(_dataset("city-bus-routes")["resources"])
        assert t("created  {name}  {title}  ({count} resource created)",
                 "created  {name}  {title}  ({count} resources created)", n,
                 name="city-bus-routes", title="城市公交线路", count=n) in output
        assert t("created  {name}  {title}", name="jiaotong", title="市交通运输局") in output

        counts = _counts()
        assert counts["organizations"] >= 6
        assert counts["groups"] >= 4
        # package_list leaves closed datasets out (as it does private ones)
        names = helpers.call_action("package_list")
        assert len(names) >= 40
        assert sorted(names) == sorted(d["name"] for d in CATALOG["datasets"]
                                       if d["catalog"]["open_tier"] != "closed")
        assert counts["datasets"] == len(CATALOG["datasets"])
        assert counts["resources"] == sum(len(d["resources"]) for d in CATALOG["datasets"])

        org = helpers.call_action("organization_show", id="jiaotong", include_dataset_count=False)
        assert org["title"] == "市交通运输局"
        assert org["unified_social_credit_code"] == "11330100002501634K"
        assert org["review_contact"] == "周晓岚"
        assert org["alias"] == "交通局、交通运输局"

        bus = _show("city-bus-routes")
        assert bus["title"] == "城市公交线路"
        assert bus["organization"]["name"] == "jiaotong"
        assert bus["private"] is False
        assert "公交" in {t["name"] for t in bus["tags"]}
        assert [g["name"] for g in bus["groups"]] == ["jiaotong-chuxing"]
        assert bus["resource_code"] == "GS-JT-0001"
        assert bus["open_tier"] == "unconditional"
        assert bus["subject_category"] == "transport"
        assert bus["data_format"] == ["CSV", "JSON"]
        assert bus["info_items"][0] == {"name": "线路编号", "type": "string"}
        assert len(bus["info_items"]) == len(_dataset("city-bus-routes")["catalog"]["info_items"])
        assert bus["contains_personal_data"] is False
        assert bus["release_date"] == "2024-07-20"

        assert _show("bus-routes-en")["title"] == "Bus routes"
        assert "交通运输局道路客运" in _show("road-passenger-transport")["title"]
        closed = _show("census-microdata")
        assert closed["open_tier"] == "closed"
        assert "统计法" in closed["open_tier_basis"]
        assert closed["private"] is False

    def test_uploads_are_stored_byte_for_byte(self, cli):
        _load(cli)
        storage = os.path.realpath(tk.config["ckan.storage_path"])
        checked = 0
        for ds in CATALOG["datasets"]:
            for res in _show(ds["name"])["resources"]:
                rel = FILES.get((ds["name"], res["name"]))
                if rel is None:  # API link
                    assert res["url_type"] in (None, "")
                    site_url = tk.config["ckan.site_url"].rstrip("/")
                    assert res["url"].startswith(site_url + "/api/3/action/")
                    continue
                assert res["url_type"] == "upload"
                assert res["url"].endswith("/" + os.path.basename(rel))
                path = uploader.get_resource_uploader(dict(res)).get_path(res["id"])
                assert path.startswith(storage + os.sep)
                with open(path, "rb") as fh:
                    assert fh.read() == (loader.FILES_DIR / rel).read_bytes(), rel
                assert res["size"] == (loader.FILES_DIR / rel).stat().st_size
                checked += 1
        assert checked == len(FILES)

    def test_second_run_adds_nothing_and_restores_missing_resources(self, cli, t):
        _load(cli)
        before = _counts()

        output = _load(cli)
        assert _counts() == before
        for kind in ("organizations", "groups"):
            for item in CATALOG[kind]:
                assert t("skipped  {name}  {title}", name=item["name"],
                         title=item["title"]) in output
        for ds in CATALOG["datasets"]:
            assert t("skipped  {name}  {title}  (exists)", name=ds["name"],
                     title=ds["title"]) in output
        resources = sum(len(d["resources"]) for d in CATALOG["datasets"])
        assert t("datasets: {done} created, {skipped} skipped",
                 done=0, skipped=len(CATALOG["datasets"])) in output
        assert t("resources: {done} created, {skipped} skipped",
                 done=0, skipped=resources) in output

        # a dataset that lost a resource gets exactly that one back
        victim = _show("air-quality-daily")["resources"][0]
        site_user = helpers.call_action("get_site_user", {"ignore_auth": True})["name"]
        helpers.call_action("resource_delete", {"user": site_user}, id=victim["id"])
        output = _load(cli)
        assert _counts() == before
        assert t("skipped  {name}  {title}  (exists; {count} missing resource created)",
                 "skipped  {name}  {title}  (exists; {count} missing resources created)", 1,
                 name="air-quality-daily", title="空气质量日报", count=1) in output
        names = [r["name"] for r in _show("air-quality-daily")["resources"]]
        assert sorted(names) == sorted(r["name"] for d in CATALOG["datasets"]
                                       if d["name"] == "air-quality-daily" for r in d["resources"])
        # the re-add purged the deleted resource's row; remove_demo_uploads cannot see its file
        os.remove(uploader.get_resource_uploader(dict(victim)).get_path(victim["id"]))


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestCheck:
    """The catalog is checked by the portal's own rules (the create actions,
    the scheming schema, GovShare's validators) before anything is written."""

    def test_the_demo_catalog_passes_and_nothing_is_written(self):
        assert loader.DemoLoader(CATALOG, echo=lambda _: None).check() == []
        assert _counts() == {"organizations": 0, "groups": 0, "datasets": 0, "resources": 0}
        # nor is anything left in the search index
        assert helpers.call_action("package_search", q="*:*",
                                   include_private=True)["count"] == 0
        with model.meta.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM govshare_search_doc")).scalar() == 0

    def test_a_broken_catalog_is_refused_with_the_rules_messages(self, cli, tmp_path):
        broken = copy.deepcopy(CATALOG)
        # an agency with a bad credit code, and the others' datasets broken
        agency = broken["organizations"][-1]
        agency["fields"]["unified_social_credit_code"] = "11330100002501634L"
        others = [d for d in broken["datasets"] if d["organization"] != agency["name"]]
        first, second, third = others[0], others[1], others[3]
        second["catalog"]["resource_code"] = first["catalog"]["resource_code"].lower()
        closed = next(d for d in others if d["catalog"]["open_tier"] == "closed")
        del closed["catalog"]["open_tier_basis"]
        third["catalog"]["subject_category"] = "astrology"
        third["catalog"]["info_items"].append({"name": "", "type": "string"})

        problems = loader.DemoLoader(broken, echo=lambda _: None).check()
        assert _counts() == {"organizations": 0, "groups": 0, "datasets": 0, "resources": 0}

        def lines(what: str, field: str) -> list[str]:
            return [p for p in problems if f" {what}: {field}" in p]

        # the messages are the validators' own, as the forms and the API show them
        assert lines(second["name"], "resource_code")
        assert lines(closed["name"], "open_tier_basis")
        assert lines(third["name"], "subject_category")
        assert lines(third["name"], "info_items")
        assert lines(agency["name"], "unified_social_credit_code")
        # its datasets are refused for want of it, nothing else about them is said
        assert lines(next(d["name"] for d in broken["datasets"]
                          if d["organization"] == agency["name"]), "owner_org")
        assert not lines(first["name"], "resource_code")

        # the command refuses the same catalog and writes nothing
        path = tmp_path / "catalog.yaml"
        path.write_text(yaml.safe_dump(broken, allow_unicode=True), "utf-8")
        (tmp_path / "files").symlink_to(loader.FILES_DIR)
        result = cli.invoke(ckan, ["govshare", "demo", "load", "--catalog", str(path)])
        assert result.exit_code != 0
        assert "open_tier_basis" in result.output + str(result.exception)
        assert _counts() == {"organizations": 0, "groups": 0, "datasets": 0, "resources": 0}
