"""``ckan govshare catalog review-report``."""
from __future__ import annotations

import csv
import io
import json

import pytest
from freezegun import freeze_time

from ckan.cli.cli import ckan
from ckan.tests import helpers

from tests import cli_runner, factories
from tests.catalog_review.conftest import as_user, catalogued


@pytest.fixture()
def report():
    """Run the command in the tests' app (``tests/cli_runner``); stdout and
    stderr apart (the report and the progress)."""
    def run(*args: str):
        return cli_runner.invoke("govshare", "catalog", "review-report", *args)
    return run


@pytest.fixture()
def report_from_the_ini(ckan_config):
    """The same through ``ckan`` itself (the ini read, a new app built)."""
    def run(*args: str):
        runner = helpers.CKANCliRunner(env={"CKAN_INI": ckan_config["__file__"]},
                                       mix_stderr=False)
        return runner.invoke(ckan, ["govshare", "catalog", "review-report", *args])
    return run


@pytest.fixture()
def two_agencies(agency):
    transport = agency.org
    health = factories.Organization(name="health", title="卫生健康委员会")
    catalogued(factories.Dataset(owner_org=transport["id"], name="bus-routes",
                                 title="公交线路表"), "2024-01-01 02:00:00")
    changed = factories.Dataset(owner_org=health["id"], name="clinics", title="诊所名录",
                                last_reviewed="2026-09-01", private=True)
    factories.Dataset(owner_org=health["id"], name="hospitals", last_reviewed="2026-09-01")
    with freeze_time("2026-09-18 02:00:00"):
        helpers.call_action("govshare_catalog_change_create", context=as_user(agency.sysadmin),
                            package_id=changed["id"], kind="duties", description="职责调整")
    return transport, health


@pytest.mark.usefixtures("with_plugins", "clean_db")
@freeze_time("2026-10-20 02:00:00")
class TestReviewReport:
    def test_json_for_every_organization(self, report_from_the_ini, two_agencies):
        transport, health = two_agencies
        result = report_from_the_ini("--format", "json")
        assert result.exit_code == 0, result.output + result.stderr
        listings = {item["organization"]["name"]: item for item in json.loads(result.stdout)}
        assert set(listings) == {transport["name"], "health"}
        assert [e["name"] for e in listings[transport["name"]]["results"]] == ["bus-routes"]
        [clinics] = listings["health"]["results"]
        assert clinics["name"] == "clinics" and clinics["private"] is True
        assert clinics["due"] == "2026-10-15"
        assert clinics["reasons"][0]["change"]["working_days"] == 18
        assert listings["health"]["checked"] == 2
        # the progress goes to stderr, never into the report
        assert "正在检查机构" in result.stderr and "正在检查机构" not in result.stdout

    def test_one_organization_as_csv(self, report, two_agencies):
        result = report("--org", "health", "--format", "csv")
        assert result.exit_code == 0, result.output + result.stderr
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [(r["organization"], r["dataset"], r["due"], r["needs_review"]) for r in rows] \
            == [("health", "clinics", "2026-10-15", "yes")]
        assert "18" in rows[0]["reasons"]

    def test_table_in_chinese(self, report, two_agencies):
        result = report()
        assert result.exit_code == 0, result.output + result.stderr
        assert "卫生健康委员会 (health)：1 个条目需要审核" in result.stdout
        assert "公交线路表" in result.stdout and "诊所名录" in result.stdout
        assert "已 18 个工作日未处理" in result.stdout
        assert "共 2 个条目需要审核" in result.stdout

    def test_include_pending(self, report, agency):
        dataset = factories.Dataset(owner_org=agency.org["id"], name="fresh",
                                    last_reviewed="2026-09-01")
        helpers.call_action("govshare_catalog_change_create", context=as_user(agency.editor),
                            package_id=dataset["id"], kind="system", description="新系统")
        assert json.loads(report("--format", "json").stdout)[0]["results"] == []
        [entry] = json.loads(report("--format", "json", "--include-pending").stdout)[0][
            "results"]
        assert entry["needs_review"] is False and entry["due"] == "2026-11-10"

    def test_unknown_organization(self, report, agency):
        result = report("--org", "nowhere")
        assert result.exit_code == 1
        assert "nowhere" in result.stderr

    def test_bad_format(self, report, agency):
        assert report("--format", "xml").exit_code == 2
