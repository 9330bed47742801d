"""The home page: what it counts and lists is what package_search gives the
person viewing it, never a closed entry to the public; the answer period and
the API centre come from where they are defined."""
from __future__ import annotations

import re

import pytest

from ckan.tests import factories as ckan_factories
from ckan.tests.helpers import call_action

from ckanext.govshare import options
from ckanext.govshare.applications import deadline

from tests import profiles
from tests import factories

#: downloads per dataset (through the real download route)
DOWNLOADS = {"bus": 3, "metro": 1, "permits": 2, "secret": 5}


def _links(n: int) -> list[dict]:
    return [{"name": f"file-{i}", "format": "CSV", "url": f"http://files.example.com/{i}.csv"}
            for i in range(n)]


@pytest.fixture(scope="module")
def world(module_db):
    from ckan.tests.helpers import _get_test_app

    member = factories.UserWithToken()
    org = factories.Organization(title="交通运输局",
                                 users=[{"name": member["name"], "capacity": "editor"}])
    topic = ckan_factories.Group(title="交通出行")
    common = {"owner_org": org["id"], "resources": _links(1)}
    datasets = {
        "bus": factories.Dataset(title="公交线路", groups=[{"id": topic["id"]}], **common),
        "metro": factories.Dataset(title="地铁站点", groups=[{"id": topic["id"]}], **common),
        "weather": factories.Dataset(title="气象观测", **common),
        "permits": factories.Dataset(title="施工许可", open_tier="conditional", **common),
        "secret": factories.Dataset(title="不予开放的名册", open_tier="closed",
                                    groups=[{"id": topic["id"]}], **common),
    }
    app = _get_test_app()
    for key, times in DOWNLOADS.items():
        pkg = datasets[key]
        url = f"/dataset/{pkg['id']}/resource/{pkg['resources'][0]['id']}/download"
        for _ in range(times):  # as a member: the conditional and closed files too
            assert app.get(url, headers={"Authorization": member["token"]},
                           follow_redirects=False).status_code == 302
    return {"member": member, "datasets": datasets, "topic": topic}


def home(app, headers=None, lang=""):
    response = app.get(f"{lang}/", headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(body: str, heading_id: str) -> str:
    start = body.index(f'id="{heading_id}"')
    return body[start:body.index("</section>", start)]


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/dataset/[^"?]+">([^<]+)</a>', html)


def test_the_tier_counts_are_the_public_search_facets(app, world):
    body = home(app)
    facets = call_action("package_search", {"user": "", "ignore_auth": False}, q="*:*", rows=0,
                         fq="+dataset_type:dataset", **{"facet.field": ["open_tier"]}
                         )["search_facets"]["open_tier"]["items"]
    expected = {item["name"]: item["count"] for item in facets}
    assert expected == {"unconditional": 3, "conditional": 1}       # no closed one
    for tier, label in (("unconditional", "无条件开放"), ("conditional", "有条件开放")):
        link = re.search(rf'<a class="govshare-home-tier[^"]*" href="([^"]+)">\s*'
                         rf'<span class="govshare-home-count" data-tier="{tier}">(\d+)</span>\s*'
                         rf'<span class="govshare-home-tier-label">{label}</span>', body)
        assert link, tier
        assert link.group(1) == f"/dataset/?open_tier={tier}"
        assert int(link.group(2)) == expected[tier]
    assert 'data-tier="closed"' not in body and "不予开放的名册" not in body
    # the link leads to the search filtered by that tier
    results = app.get("/dataset/?open_tier=conditional").get_data(as_text=True)
    assert "施工许可" in results and "公交线路" not in results


def test_lists_are_what_the_viewer_may_see(app, world):
    public = home(app)
    assert titles(section(public, "govshare-home-popular")) == ["公交线路", "施工许可", "地铁站点"]
    assert "下载 3 次" in section(public, "govshare-home-popular")
    newest = titles(section(public, "govshare-home-newest"))
    assert newest == ["施工许可", "气象观测", "地铁站点", "公交线路"]
    topics = section(public, "govshare-home-topics")
    assert re.search(r'href="/dataset/\?groups=[^"]+">交通出行 <span[^>]*>2</span>', topics)

    member = home(app, {"Authorization": world["member"]["token"]})
    popular = titles(section(member, "govshare-home-popular"))
    assert popular[0] == "不予开放的名册"            # the member's own closed entry
    assert re.search(r'交通出行 <span[^>]*>3</span>', section(member, "govshare-home-topics"))
    # the public tiers only, even for those who see more
    assert 'data-tier="closed"' not in member


@pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.OTHER_NUMBERS)
def test_the_steps_say_the_profile_answer_period(app, world):
    assert deadline.answer_working_days() == 10
    steps = section(home(app), "govshare-home-apply")
    assert "数据提供部门在 10 个工作日内答复" in steps
    assert "15" not in steps
    english = section(home(app, lang="/en"), "govshare-home-apply")
    assert "within 10 working days" in english


def test_search_box_api_centre_and_no_placeholder(app, world):
    body = home(app)
    form = re.search(r'<form class="govshare-home-search" method="get" action="([^"]+)"', body)
    assert form and form.group(1) == "/dataset/"
    assert 'name="q"' in body
    assert 'href="/api-centre"' in body
    assert 'href="/en/api-centre"' in home(app, lang="/en")
    for placeholder in ("placeholder-420x220", "欢迎來到CKAN", "目前没有文案", "Welcome to CKAN"):
        assert placeholder not in body
