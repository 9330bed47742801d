"""The public statistics and the supervisor's dashboard in a real browser: a
visitor opens /stats in Chinese on a desktop and in English on a phone, a
supervisor opens the dashboard in both; every chart on the page is proved
drawn (its ECharts instance exists and its SVG has shapes), not only present
in the HTML; without scripts, the tables are there and the empty chart boxes
are not. (Our Chinese UI once had a page whose scripts never started while
every screenshot looked fine: hence the proof.)"""
from __future__ import annotations

import datetime as dt

import pytest

import ckan.model as model
from ckan.tests.helpers import call_action

from ckanext.govshare.labelling.model import DownloadReceipt
from ckanext.govshare.stats import cache as stats_cache
from tests import factories
from tests.applications.conftest import application_data

PASSWORD = "Correct-Horse-2026"

#: for each chart element: drawn by ECharts, with shapes in its SVG, fitting the window
CHARTS = """() => Array.from(document.querySelectorAll('.govshare-chart[data-chart]')).map(el => {
  const chart = window.echarts && window.echarts.getInstanceByDom(el);
  const svg = el.querySelector('svg');
  const box = el.getBoundingClientRect();
  return {figure: el.closest('[data-figure]').dataset.figure,
          instance: !!chart,
          shapes: svg ? svg.querySelectorAll('path, rect, circle, polyline').length : 0,
          width: Math.round(box.width), height: Math.round(box.height),
          fits: box.right <= window.innerWidth + 1};
})"""


@pytest.fixture(scope="module")
def world(module_db) -> dict:
    supervisor = factories.User(password=PASSWORD, fullname="周监督")
    applicant = factories.User()
    sysadmin = factories.Sysadmin()
    call_action("govshare_supervisor_grant", context={"user": sysadmin["name"]},
                user=supervisor["name"], reason="市政务服务数据管理局监督科")
    topic = factories.Group(name="stats-journey-topic", title="交通出行")
    agency = factories.Organization(name="stats-journey-transport", title="市交通运输局")
    bureau = factories.Organization(name="stats-journey-bureau", title="市统计局")
    bus = factories.Dataset(owner_org=agency["id"], name="stats-journey-bus", title="公交线路",
                            groups=[{"name": topic["name"]}],
                            resources=[{"url": "http://files.example.org/bus.csv"}])
    factories.Dataset(owner_org=bureau["id"], name="stats-journey-yearbook", title="统计年鉴")
    conditional = factories.Dataset(owner_org=bureau["id"], open_tier="conditional",
                                    name="stats-journey-census", title="人口普查汇总",
                                    resources=[{"url": "http://files.example.org/c.csv"}])
    factories.Dataset(owner_org=agency["id"], open_tier="closed", name="stats-journey-closed",
                      title="不公开的运输条目")
    call_action("govshare_application_create", context={"user": applicant["name"]},
                **application_data(conditional["id"]))
    for days in (5, 40, 70):
        model.Session.add(DownloadReceipt(
            user_id=applicant["id"], package_id=bus["id"], resource_id=bus["resources"][0]["id"],
            obtained_at=dt.datetime.utcnow() - dt.timedelta(days=days), channel="web"))
    model.Session.commit()
    # figures of downloads are kept for the TTL whatever else changes: one
    # counted by an earlier module on this worker (no receipts) would stand
    stats_cache.forget()
    return {"supervisor": {**supervisor, "password": PASSWORD}}


def charts_drawn(visitor) -> list[dict]:
    page = visitor.page
    page.wait_for_function("() => document.querySelectorAll('.govshare-chart[data-drawn]').length"
                           " === document.querySelectorAll('.govshare-chart[data-chart]').length")
    charts = page.evaluate(CHARTS)
    assert charts, "no chart on the page"
    for chart in charts:
        assert chart["instance"], f"{chart['figure']}: no ECharts instance"
        assert chart["shapes"] > 0, f"{chart['figure']}: an empty SVG"
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["fits"], f"{chart['figure']}: wider than the window"
    visitor.check()
    return charts


def no_sideways_scroll(visitor) -> None:
    assert visitor.page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_stats_in_chinese(open_visitor, world):
    visitor = open_visitor(lang="zh_Hans_CN").go("/stats")
    page = visitor.page
    charts = charts_drawn(visitor)
    assert {c["figure"] for c in charts} >= {
        "datasets_by_tier", "datasets_by_agency", "datasets_by_topic", "downloads_by_month",
        "most_downloaded", "answers_open", "catalog_timeliness"}
    assert "市交通运输局" in page.locator("#figure-datasets_by_agency table").inner_text()
    assert "不公开的运输条目" not in page.content()
    visitor.check_accessibility()


def test_stats_in_english_on_a_phone(open_visitor, world):
    visitor = open_visitor(lang="en", phone=True).go("/stats")
    assert visitor.page.locator("h1").first.inner_text() == "Statistics"
    charts_drawn(visitor)
    no_sideways_scroll(visitor)
    # the CSV link is the table's
    with visitor.page.expect_download() as download:
        visitor.page.locator("#figure-datasets_by_tier a", has_text="CSV").click()
    assert download.value.suggested_filename == "govshare-datasets_by_tier.csv"


def test_dashboard_in_chinese_and_on_an_english_phone(open_visitor, world):
    visitor = open_visitor(lang="zh_Hans_CN", user=world["supervisor"]).go(
        "/supervision/dashboard")
    charts = charts_drawn(visitor)
    assert {"supervision_scorecard", "supervision_trends"} <= {c["figure"] for c in charts}
    assert visitor.page.locator("#figure-supervision_overdue table").count() == 1
    visitor.check_accessibility()

    phone = open_visitor(lang="en", user=world["supervisor"], phone=True).go(
        "/supervision/dashboard")
    assert phone.page.locator("h1").first.inner_text() == "Supervisor's dashboard"
    charts_drawn(phone)
    no_sideways_scroll(phone)


def test_without_scripts_the_tables_remain(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/zh_Hans_CN/stats")
        assert page.locator(".govshare-figure-table").count() >= 7
        assert page.locator("#figure-datasets_by_tier table tbody tr").count() == 3
        # the chart boxes take no room until a script draws them
        assert all(not box.is_visible() for box in page.locator(".govshare-chart").all())
    finally:
        context.close()


def test_figures_being_counted_again_say_so_until_reloaded(open_visitor, world, monkeypatch):
    """After a change, the first visitor sees the figures as last counted and
    a notice saying when they were counted; reloading, as it asks, shows the
    new count and no notice, the charts drawn both times."""
    from ckan.common import config

    from ckanext.govshare import options

    monkeypatch.setitem(config, options.STATS_STALE_FOR, 3600)  # production's default
    stats_cache.forget()  # counted by this visit, its latest counts kept (test.ini keeps none)
    visitor = open_visitor(lang="zh_Hans_CN").go("/stats")
    page = visitor.page
    stats_cache.wait_for_counts()
    agency = page.locator("#figure-datasets_by_agency table")
    assert "市交通运输局" in agency.inner_text()
    factories.Dataset(owner_org="stats-journey-transport", name="stats-journey-metro",
                      title="地铁线路")

    visitor.go("/stats")
    notice = page.get_by_role("status").filter(has_text="正在重新统计")
    assert notice.is_visible()
    assert "以下部分统计数字为" in notice.inner_text()
    charts_drawn(visitor)
    visitor.check_accessibility()

    stats_cache.wait_for_counts()
    with visitor.navigation():
        page.reload()
    assert page.locator(".govshare-stats-behind").count() == 0
    transport = page.locator("#figure-datasets_by_agency tr", has_text="市交通运输局")
    assert "2" in transport.inner_text()
    charts_drawn(visitor)
