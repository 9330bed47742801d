"""Nobody waits for a count after a change (``ckanext.govshare.stats.stale_for``).

The first visit that finds a figure out of date is given its latest count
and starts one count in the background; the visits after it get the new
count. Counts outside a web request, figures never counted and figures a
count reads are counted at once; a Redis outage costs speed, never answers.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import time

import pytest
import redis as redis_lib

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.labelling.model import DownloadReceipt
from ckanext.govshare.stats import cache as stats_cache
from tests import cli_runner, factories

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

FIGURE = "/stats/datasets_by_tier.json"


def today() -> dict[str, str]:
    """A figure's parameters: the day (figures.rows)."""
    from ckanext.govshare import workdays

    return {"today": workdays.local_today().isoformat()}


def unconditional(app) -> int:
    rows = json.loads(app.get(FIGURE).get_data(as_text=True))["rows"]
    return next(row["datasets"] for row in rows if row["tier"] == "unconditional")


@pytest.fixture
def catalog(monkeypatch):
    # production's default (test.ini turns it off for the other tests)
    monkeypatch.setitem(tk.config, options.STATS_STALE_FOR, 86400)
    stats_cache.wait_for_counts()  # none of an earlier test's counts listed
    stats_cache.forget()
    org = factories.Organization()
    factories.Dataset(owner_org=org["id"])
    yield org
    stats_cache.wait_for_counts()


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.text += record.getMessage() + "\n"


@pytest.fixture
def cache_log():
    """What the cache logs (ckanext's loggers do not propagate to the root)."""
    logger = logging.getLogger(stats_cache.__name__)
    handler, disabled, level = Recorded(), logger.disabled, logger.level
    # fileConfig disables the loggers that exist before it runs
    logger.disabled = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.disabled, logger.level = disabled, level


def test_the_visit_after_a_change_gets_the_latest_count_and_the_next_the_new_one(app, catalog):
    assert unconditional(app) == 1  # never counted: counted by the visit
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 1  # out of date: the latest count, a count started
    stats_cache.wait_for_counts()
    assert unconditional(app) == 2
    assert "govshare-stats-behind" not in app.get("/stats").get_data(as_text=True)
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 2
    stats_cache.wait_for_counts()
    assert unconditional(app) == 3


def test_one_count_at_a_time(app, catalog):
    unconditional(app)
    factories.Dataset(owner_org=catalog["id"])
    latest = stats_cache.key("datasets_by_tier", today(), "latest")
    # another process is counting it: this one shows the latest, counts nothing
    stats_cache.redis().set(latest + ":counting", "1", ex=60)
    assert unconditional(app) == 1
    assert not [t for t in stats_cache._counting if t.is_alive()]
    stats_cache.wait_for_counts()
    assert unconditional(app) == 1
    stats_cache.redis().delete(latest + ":counting")
    assert unconditional(app) == 1
    stats_cache.wait_for_counts()
    assert unconditional(app) == 2


def test_without_stale_for_the_visit_counts(app, catalog, monkeypatch):
    monkeypatch.setitem(tk.config, options.STATS_STALE_FOR, 0)
    assert unconditional(app) == 1
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 2
    assert not stats_cache._counting


def test_outside_a_request_the_count_is_current(app, catalog):
    from ckanext.govshare.stats import figures

    assert unconditional(app) == 1
    factories.Dataset(owner_org=catalog["id"])
    rows = figures.rows(figures.get("datasets_by_tier"))
    assert rows[0] == {"tier": "unconditional", "datasets": 2}


def test_a_count_that_fails_is_tried_again_by_a_later_visit(app, catalog, cache_log):
    state = {"fail": True, "value": 1}

    def compute():
        if state["fail"]:
            raise RuntimeError("the database went away")
        return state["value"]

    def visit():
        with app.flask_app.test_request_context():
            return stats_cache.cached("a_figure", {}, compute, (stats_cache.CATALOG,))

    state["fail"] = False
    assert visit() == 1
    factories.Dataset(owner_org=catalog["id"])
    state.update(fail=True, value=2)
    assert visit() == 1
    stats_cache.wait_for_counts()
    assert "Counting a statistics figure again failed" in cache_log.text
    state["fail"] = False
    assert visit() == 1  # the lock was let go: this visit starts a count
    stats_cache.wait_for_counts()
    assert visit() == 2


def test_what_a_count_reads_is_counted_not_taken_out_of_date(app, catalog):
    """The background count of a figure that reads another figure stores
    this state's count, not the other figure's latest."""
    inner_counts = []

    def inner():
        inner_counts.append(1)
        return tk.get_action("package_search")({"ignore_auth": True}, {"rows": 0})["count"]

    def visit():
        with app.flask_app.test_request_context():
            return stats_cache.cached("outer", {}, lambda: stats_cache.cached(
                "inner", {}, inner, (stats_cache.CATALOG,)), (stats_cache.CATALOG,))

    assert visit() == 1
    factories.Dataset(owner_org=catalog["id"])
    assert visit() == 1
    stats_cache.wait_for_counts()
    assert visit() == 2
    assert len(inner_counts) == 2


def test_a_redis_outage_costs_speed_never_answers(app, catalog, monkeypatch, cache_log):
    # A real Redis client, aimed at a port nothing listens on: the outage.
    # The shared Redis cannot be stopped (the other worker's tests and the
    # jobs queue use it), and CKAN's connection pool is made once per process
    # from the config, so the cache's connection is the one thing replaced.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(stats_cache, "redis", lambda: redis_lib.Redis(
        host="127.0.0.1", port=port, socket_connect_timeout=1))
    assert unconditional(app) == 1
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 2
    assert not stats_cache._counting
    assert "Statistics cache unavailable" in cache_log.text
    res = app.get("/stats")
    assert res.status_code == 200


def test_the_count_command_counts_every_figure_ahead_of_the_visits(app, catalog):
    from ckanext.govshare.stats import figures

    names = list(figures.all_figures())
    # in the tests' app: its config (stale_for on) is the command's
    result = cli_runner.invoke("govshare", "stats", "count")
    assert result.exit_code == 0, result.output
    assert f"{len(names)}" in result.output
    store = stats_cache.redis()
    assert all(store.get(stats_cache.key(name, today(), "latest")) for name in names)
    # a change: the command counts again, it does not keep the latest
    factories.Dataset(owner_org=catalog["id"])
    result = cli_runner.invoke("govshare", "stats", "count")
    assert result.exit_code == 0, result.output
    assert not stats_cache._counting
    assert unconditional(app) == 2
    assert not stats_cache._counting  # the visit found it current


def test_the_update_counts_are_one_count(app, catalog):
    """Its entries per agency and its searched statuses are of the same
    count: a later read of one than of the other gave negative counts."""
    sysadmin = factories.Sysadmin()

    def counted():
        with app.flask_app.test_request_context():
            result = tk.get_action("govshare_catalog_update_counts")(
                {"user": sysadmin["name"], "ignore_auth": False}, {})
        return {row["organization_id"]: row for row in result["organizations"]}

    assert counted()[catalog["id"]]["total"] == 1
    stats_cache.wait_for_counts()
    factories.Dataset(owner_org=catalog["id"])
    factories.Dataset(owner_org=catalog["id"])
    other = factories.Organization()
    factories.Dataset(owner_org=other["id"])
    shown = counted()  # the latest count, whole
    assert shown[catalog["id"]]["total"] == 1 and other["id"] not in shown
    assert all(value >= 0 for row in shown.values() for value in row.values()
               if isinstance(value, int))
    stats_cache.wait_for_counts()
    shown = counted()
    assert shown[catalog["id"]]["total"] == 3 and shown[other["id"]]["total"] == 1


def test_a_dataset_closed_since_the_last_count_is_never_named(app, catalog):
    reader, sysadmin = factories.User(), factories.Sysadmin()
    dataset = factories.Dataset(owner_org=catalog["id"], name="soon-closed",
                                resources=[{"url": "http://example.com/c.csv"}])
    model.Session.add(DownloadReceipt(
        user_id=reader["id"], package_id=dataset["id"], resource_id=dataset["resources"][0]["id"],
        channel="web", obtained_at=dt.datetime.utcnow()))
    model.Session.commit()

    def named():
        rows = json.loads(app.get("/stats/most_downloaded.json").get_data(as_text=True))["rows"]
        return [row["dataset_name"] for row in rows]

    assert named() == ["soon-closed"]
    stats_cache.wait_for_counts()
    helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=dataset["id"],
                        open_tier="closed", open_tier_reason="涉及国家安全，依法不予开放",
                        open_tier_basis="《公共数据开放条例》第十四条")
    assert named() == []
    assert "soon-closed" not in app.get("/stats").get_data(as_text=True)


def test_no_count_of_another_day_nor_older_than_stale_for(app, catalog, freezer, monkeypatch):
    assert unconditional(app) == 1
    freezer.move_to(dt.datetime.now() + dt.timedelta(days=1))
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 2  # a new day: counted, not yesterday's
    stats_cache.wait_for_counts()
    monkeypatch.setitem(tk.config, options.STATS_STALE_FOR, 1)
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 2  # counted under a second ago: shown
    stats_cache.wait_for_counts()
    assert unconditional(app) == 3
    time.sleep(1.2)  # Redis lets the latest count go after stale_for
    factories.Dataset(owner_org=catalog["id"])
    assert unconditional(app) == 4


def test_the_page_says_when_it_shows_figures_as_last_counted(app, catalog, freezer):
    freezer.move_to("2026-12-03 06:20:00")  # 14:20 in China
    app.get("/stats")
    stats_cache.wait_for_counts()
    freezer.move_to("2026-12-03 06:35:00")
    factories.Dataset(owner_org=catalog["id"])
    page = app.get("/stats", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "govshare-stats-behind" in page
    assert "以下部分统计数字为 14:20 的统计结果" in page
    stats_cache.wait_for_counts()
    page = app.get("/stats").get_data(as_text=True)
    assert "govshare-stats-behind" not in page
    en = app.get("/en/stats").get_data(as_text=True)
    assert "govshare-stats-behind" not in en


def test_the_dashboard_says_so_too(app, catalog, freezer):
    """The supervisor's dashboard shows the same notice (one snippet)."""
    as_sysadmin = {"REMOTE_USER": factories.Sysadmin()["name"]}
    freezer.move_to("2026-12-03 06:20:00")  # 14:20 in China
    app.get("/supervision/dashboard", extra_environ=as_sysadmin)
    stats_cache.wait_for_counts()
    freezer.move_to("2026-12-03 06:35:00")
    factories.Dataset(owner_org=catalog["id"])
    page = app.get("/supervision/dashboard", extra_environ=as_sysadmin).get_data(as_text=True)
    assert "以下部分统计数字为 14:20 的统计结果" in page
    stats_cache.wait_for_counts()
    page = app.get("/supervision/dashboard", extra_environ=as_sysadmin).get_data(as_text=True)
    assert "govshare-stats-behind" not in page
