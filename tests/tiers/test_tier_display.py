"""The tier at a glance, on the pages: the badge and its meaning on every
search result and at the top of the dataset page, the one action that fits
the viewer (download / apply / not open) for each tier and caller, the tier
facet first, and the information items as one table without empty fields.

The labels and meanings expected are read from where they are defined
(``govshare_open_tier`` in ``presets.yaml``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from ckan.tests import factories as ckan_factories
from ckan.tests import helpers

import ckanext.govshare
from ckanext.govshare.tiers import policy
from tests import factories
from tests.applications.conftest import application_data, approve_and_accept
from tests.tiers.conftest import build_world

PRESETS = Path(ckanext.govshare.__file__).parent / "schemas" / "presets.yaml"
with PRESETS.open(encoding="utf-8") as presets:
    CHOICES = {c["value"]: c for p in yaml.safe_load(presets)["presets"]
               if p["preset_name"] == "govshare_open_tier" for c in p["values"]["choices"]}


@pytest.fixture(scope="module")
def world(module_db) -> dict[str, Any]:
    base = build_world(with_views=False)
    grantee = ckan_factories.User()
    token = ckan_factories.APIToken(user=grantee["name"])["token"]
    conditional = base.datasets[policy.CONDITIONAL]["id"]
    created = helpers.call_action("govshare_application_create",
                                  context={"user": grantee["name"]},
                                  **application_data(conditional))
    approve_and_accept(created["id"], base.users["sysadmin"], grantee)
    one_file = factories.Dataset(
        owner_org=base.owner_org["id"], name="tier-one-file", title="单个文件的目录",
        resources=[{"url": "http://files.example.org/one/only.csv", "format": "CSV",
                    "name": "only file"}],
        info_items=[{"name": "线路编号", "type": "string", "description": "公交线路的编号"},
                    {"name": "站点数", "type": "integer", "description": ""},
                    {"name": "开通日期", "type": "date"}])
    return {"base": base, "grantee_headers": {"Authorization": token}, "one_file": one_file}


def headers(world: dict[str, Any], role: str) -> dict[str, str]:
    return world["grantee_headers"] if role == "grantee" else world["base"].headers(role)


def page(app, url: str, world: dict[str, Any], role: str = "anonymous",
         status: int = 200) -> BeautifulSoup:
    res = app.get(url, headers=headers(world, role))
    assert res.status_code == status, url
    return BeautifulSoup(res.get_data(as_text=True), "html.parser")


def words(element: Any) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip()


def badges(soup: BeautifulSoup) -> dict[str, str]:
    """Each search result's title and the words of its tier line."""
    out = {}
    for item in soup.select(".dataset-list .dataset-item"):
        line = item.select_one(".govshare-tier-line")
        out[words(item.select_one(".dataset-heading a"))] = words(line) if line else ""
    return out


# ------------------------------------------------------------------ search results
@pytest.mark.parametrize("lang", ["zh_Hans_CN", "en"])
def test_every_search_result_shows_its_tier_and_what_it_means(app, world, lang):
    prefix = "" if lang == "zh_Hans_CN" else "/en"
    soup = page(app, f"{prefix}/dataset/?q=tiermark", world, "member")
    shown = badges(soup)
    for tier in policy.TIERS:
        title = world["base"].datasets[tier]["title"]
        label, meaning = CHOICES[tier]["label"][lang], CHOICES[tier]["meaning"][lang]
        assert label in shown[title] and meaning in shown[title], (tier, shown[title])
        # words for screen readers, an icon, and a class for the colour
        item = next(i for i in soup.select(".dataset-item")
                    if title in words(i.select_one(".dataset-heading")))
        badge = item.select_one(f".govshare-tier.govshare-tier-{tier}")
        assert badge.select_one(".visually-hidden").get_text(strip=True)
        assert badge.select_one("i.fa[aria-hidden=true]")


def test_a_data_product_in_the_results_has_no_tier(app, world):
    product = helpers.call_action(
        "package_create", context={"user": world["base"].user("stranger")},
        type="data_product", name="tier-badge-product", title="tiermark 公交应用",
        notes="说明", product_kind="app", producer_type="person", producer_name="张三",
        sources=[{"dataset": "tier-unconditional", "obtained_date": "2025-01-02"}])
    shown = badges(page(app, "/dataset/?q=tiermark", world))
    assert shown[product["title"]] == ""
    assert CHOICES["unconditional"]["label"]["zh_Hans_CN"] in \
        shown[world["base"].datasets[policy.UNCONDITIONAL]["title"]]


# ------------------------------------------------------------------ the facet
@pytest.mark.parametrize("url", ["/dataset/", "/organization/{org}"])
def test_the_tier_facet_comes_first(app, world, url):
    soup = page(app, url.format(org=world["base"].owner_org["name"]), world)
    facets = [s for s in soup.select("section.module-shallow")
              if s.select_one("h2.module-heading i.fa-filter")]
    assert len(facets) > 2
    assert words(facets[0].select_one("h2")) == "开放类型"
    labels = [words(a) for a in facets[0].select("li.nav-item .item-label")]
    assert CHOICES["unconditional"]["label"]["zh_Hans_CN"] in labels


# ------------------------------------------------------------------ the dataset page
#: (tier, caller) -> the action at the top of the page
ACTIONS = {
    (policy.UNCONDITIONAL, "anonymous"): "download",
    (policy.UNCONDITIONAL, "stranger"): "download",
    (policy.CONDITIONAL, "anonymous"): "apply",
    (policy.CONDITIONAL, "stranger"): "apply",
    (policy.CONDITIONAL, "other_org_member"): "apply",
    (policy.CONDITIONAL, "grantee"): "download",
    (policy.CONDITIONAL, "member"): "download",
    (policy.CONDITIONAL, "sysadmin"): "download",
    (policy.CLOSED, "member"): "not open",
    (policy.CLOSED, "sysadmin"): "not open",
}


@pytest.mark.parametrize("tier, role", list(ACTIONS), ids=[f"{t}-{r}" for t, r in ACTIONS])
def test_the_dataset_page_shows_the_tier_and_the_action_that_fits(app, world, tier, role):
    dataset = world["base"].datasets[tier]
    soup = page(app, f"/dataset/{dataset['name']}", world, role)
    panel = soup.select_one("section.govshare-tier-panel")
    # right under the title, before the description and the resources
    assert panel.find_previous_sibling("h1") is not None
    assert panel.find_next("div", class_="notes") is not None or not dataset["notes"]
    text = words(panel)
    assert CHOICES[tier]["label"]["zh_Hans_CN"] in text
    assert CHOICES[tier]["meaning"]["zh_Hans_CN"] in text
    button = panel.select_one(".govshare-tier-action a.btn")
    expected = ACTIONS[(tier, role)]
    if expected == "download":
        assert words(button) == "下载数据"
        assert button["href"] == "#dataset-resources"  # two files: the list
        assert soup.select_one("#dataset-resources") is not None
    elif expected == "apply":
        assert words(button) == "申请获取"
        assert button["href"].endswith(f"/dataset/{dataset['name']}/apply")
    else:
        assert button is None
        assert "不向社会开放" in text


def test_a_closed_entry_is_not_found_by_outsiders(app, world):
    page(app, f"/dataset/{world['base'].datasets[policy.CLOSED]['name']}", world,
         "stranger", status=404)


def test_one_file_is_downloaded_at_once_and_the_page_reads_in_english(app, world):
    soup = page(app, "/en/dataset/tier-one-file", world)
    panel = soup.select_one("section.govshare-tier-panel")
    assert CHOICES["unconditional"]["meaning"]["en"] in words(panel)
    button = panel.select_one(".govshare-tier-action a.btn")
    assert words(button) == "Download data"
    assert button["href"] == "http://files.example.org/one/only.csv"


# ------------------------------------------------------------------ information items
def test_information_items_are_one_table(app, world):
    soup = page(app, "/dataset/tier-one-file", world)
    tables = soup.select("table.govshare-info-items")
    assert len(tables) == 1
    table = tables[0]
    assert [words(th) for th in table.select("thead th")] == \
        ["序号", "信息项名称", "数据类型", "说明"]
    rows = table.select(":scope > tbody > tr")
    assert [[words(td) for td in tr.select("td")] for tr in rows] == [
        ["1", "线路编号", "字符型", "公交线路的编号"],
        ["2", "站点数", "整数型", ""],
        ["3", "开通日期", "日期型", ""],
    ]
    row = table.find_parent("tr")
    assert words(row.select_one("th.dataset-label")) == "信息项"


def test_a_column_no_item_fills_is_left_out(app, world):
    soup = page(app, f"/dataset/{world['base'].datasets[policy.UNCONDITIONAL]['name']}",
                world)
    # the factory's one item has an empty description: no column for it
    assert [words(th) for th in soup.select("table.govshare-info-items thead th")] == \
        ["序号", "信息项名称", "数据类型"]
