"""``ckan govshare demo load`` against the test database.

The module loads the demo once, as ``make run`` does (the command, review
before publication on), and its tests read that catalog: what was created,
the uploaded files, the review trail, the DCAT-AP output; the second run
loads again on top of it. A test that changes the catalog puts it back, so
they pass in any order. Checking a catalog without loading it:
``test_check.py``.

Everything is checked through actions that read the database (package_show,
package_list, organization_show without dataset counts) or the model, never
through package_search.
"""
from __future__ import annotations

import configparser
import os
from collections import Counter

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF

import ckan.tests.helpers as helpers
from ckan import model
from ckan.cli.cli import ckan
from ckan.lib import uploader
from ckan.plugins import toolkit as tk

from ckanext.govshare import options
from ckanext.govshare.demo import loader
from ckanext.govshare.publication import workflow as wf
from tests import factories
from tests.dcat.conftest import parse
from tests.dcat.shapes import PUBLIC, RESTRICTED, load_shapes, readable, violations

CATALOG = loader.load_catalog()
FILES = {(d["name"], r["name"]): r["file"]
         for d in CATALOG["datasets"] for r in d["resources"] if r.get("file")}

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture(scope="module")
def first_load(module_db, remove_demo_uploads, tmp_path_factory):
    """The output of the module's one ``ckan govshare demo load`` into an
    empty database, with review before publication on (``make run``'s
    default; test.ini turns it off): test.ini with that one option changed."""
    from ckan.common import config

    test_ini = config["__file__"]
    ini = configparser.RawConfigParser()
    ini.optionxform = str  # option names keep their case
    ini.read(test_ini)  # its logging sections: the command configures logging from the file
    ini.remove_section("app:main")
    ini["app:main"] = {"use": f"config:{os.path.abspath(test_ini)}",
                       options.PUBLICATION_REVIEW: "true"}
    path = tmp_path_factory.mktemp("demo") / "review-on.ini"
    with open(path, "w", encoding="utf-8") as fh:
        ini.write(fh)

    # the command loads its ini into the process's config: the tests after
    # it run with the config they had
    saved, saved_env = dict(config), os.environ.get("CKAN_CONFIG")
    try:
        result = helpers.CKANCliRunner(env={"CKAN_INI": str(path)}).invoke(
            ckan, ["govshare", "demo", "load"])
    finally:
        config.clear()
        config.update(saved)
        if saved_env is not None:
            os.environ["CKAN_CONFIG"] = saved_env
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


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


class TestDemoLoad:
    def test_load_creates_the_catalog(self, first_load, t):
        output = first_load
        # the catalog passed the portal's rules (DemoLoader.check) before loading
        assert t("Checking the demo catalog against the portal's rules") in output
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

    @pytest.mark.usefixtures("first_load")
    def test_uploads_are_stored_byte_for_byte(self):
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

    @pytest.mark.usefixtures("first_load")
    def test_second_run_adds_nothing_and_restores_missing_resources(self, cli, t):
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


@pytest.mark.usefixtures("first_load")
def test_the_demo_is_reviewed_and_published():
    """The demo catalog is loaded through the review path: submitted by the
    site user, published by another user (an admin of each demo
    organization), so the public sees it after ``make run`` with review on."""
    open_names = sorted(d["name"] for d in CATALOG["datasets"]
                        if d["catalog"]["open_tier"] != "closed")
    assert sorted(helpers.call_action("package_list", context={"user": ""})) == open_names
    site_user = model.User.get(helpers.call_action("get_site_user")["name"])
    reviewer = helpers.call_action("user_show", id=loader.DEMO_REVIEWER)
    shown = helpers.call_action("govshare_publication_show", id=open_names[0])
    moves = [(e["move"], e["actor_id"]) for e in shown["events"]]
    assert moves[-2:] == [(wf.SUBMIT, site_user.id), (wf.PUBLISH, reviewer["id"])]
    assert reviewer["sysadmin"] is False


# ---------------------------------------------------------------- DCAT-AP 3
@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def conditional_file_urls() -> set[str]:
    """The resource URLs of the demo's conditional datasets, as a sysadmin
    sees them (upload download URLs)."""
    names = [d["name"] for d in CATALOG["datasets"]
             if d["catalog"]["open_tier"] == "conditional"]
    return {r["url"] for name in names
            for r in helpers.call_action("package_show", {"ignore_auth": True},
                                         id=name)["resources"]}


@pytest.mark.usefixtures("first_load")
def test_demo_catalog_and_every_entry_conform_to_dcat_ap_3(app, shapes):
    """The demo catalog, as GovShare serialises it, conforms to DCAT-AP 3
    (SEMIC's official shapes, :mod:`tests.dcat.shapes`)."""
    demo = CATALOG["datasets"]
    tiers = Counter(d["catalog"]["open_tier"] for d in demo)
    sysadmin = factories.SysadminWithToken()
    hidden_files = conditional_file_urls()
    assert len(hidden_files) >= tiers["conditional"]

    for user in (None, sysadmin):
        headers = {"Authorization": user["token"]} if user else {}
        graph = parse(app.get("/catalog.ttl", headers=headers, status=200).get_data())
        datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
        # every published demo dataset, both published tiers, and no closed one
        assert len(datasets) == tiers["unconditional"] + tiers["conditional"]
        rights = Counter(graph.value(d, DCT.accessRights) for d in datasets)
        assert rights == {PUBLIC: tiers["unconditional"],
                          RESTRICTED: tiers["conditional"]}

        # conditional datasets: the application page, no file
        for dataset in datasets:
            conditional = graph.value(dataset, DCT.accessRights) == RESTRICTED
            for distribution in graph.objects(dataset, DCAT.distribution):
                access = list(graph.objects(distribution, DCAT.accessURL))
                download = list(graph.objects(distribution, DCAT.downloadURL))
                if conditional:
                    assert len(access) == 1 and str(access[0]).endswith("/apply")
                    assert download == []
                else:
                    assert access
        assert not {str(term) for term in graph.all_nodes()} & hidden_files

        problems = violations(graph, shapes)
        assert not problems, readable(problems)

    # each published entry's own document (/dataset/<name>.ttl), as a
    # harvester reads them one by one, conforms on its own: the datasets
    # of both published tiers and a data product built on two of them
    published = [d["name"] for d in demo if d["catalog"]["open_tier"] != "closed"]
    product = helpers.call_action(
        "package_create", {"user": sysadmin["name"]}, type="data_product",
        name="demo-product", title="公交到站查询", notes="用公交线路数据做的到站查询应用",
        product_kind="app", producer_type="person", producer_name="张三",
        url="https://apps.example.com/bus",
        sources=[{"dataset": name, "obtained_date": "2025-03-04"} for name in published[:2]])
    try:
        problems = []
        for name in published + [product["name"]]:
            graph = parse(app.get(f"/dataset/{name}.ttl", status=200).get_data())
            problems += [f"{name}: {line}" for line in violations(graph, shapes)]
        assert not problems, readable(problems)
    finally:
        # the other tests count the demo's datasets
        helpers.call_action("dataset_purge", {"ignore_auth": True}, id=product["id"])
