"""The catalog is checked by the portal's own rules (the create actions, the
scheming schema, GovShare's validators) before anything is written
(``DemoLoader.check``).

On a few entries of the demo, each check trying every organization and group
and a sample of datasets: that the whole demo catalog passes is shown by its
load (``test_loader.py``), which checks it first and refuses it otherwise."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa
import yaml

import ckan.tests.helpers as helpers
from ckan import model
from ckan.cli.cli import ckan

from ckanext.govshare.demo import loader

CATALOG = loader.load_catalog()
EMPTY = {"organizations": 0, "groups": 0, "datasets": 0, "resources": 0}


def _sample(datasets: list[dict]) -> dict:
    """A copy of the demo catalog with all its organizations and groups and
    only ``datasets`` of its datasets, in the demo's order."""
    names = {d["name"] for d in datasets}
    catalog = copy.deepcopy(CATALOG)
    catalog["datasets"] = [d for d in catalog["datasets"] if d["name"] in names]
    return catalog


def _counts():
    q = model.Session.query
    return {
        "organizations": q(model.Group).filter_by(is_organization=True, state="active").count(),
        "groups": q(model.Group).filter_by(is_organization=False, state="active").count(),
        "datasets": q(model.Package).filter_by(state="active").count(),
        "resources": q(model.Resource).filter_by(state="active").count(),
    }


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestCheck:
    def test_the_demo_catalog_passes_and_nothing_is_written(self):
        # a dataset of each organization and of each open tier
        picked = {}
        for d in CATALOG["datasets"]:
            picked.setdefault(d["organization"], d)
            picked.setdefault(d["catalog"]["open_tier"], d)
        sample = _sample(list(picked.values()))
        assert len({d["catalog"]["open_tier"] for d in sample["datasets"]}) == 3

        assert loader.DemoLoader(sample, echo=lambda _: None).check() == []
        assert _counts() == EMPTY
        # nor is anything left in the search index
        assert helpers.call_action("package_search", q="*:*",
                                   include_private=True)["count"] == 0
        with model.meta.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM govshare_search_doc")).scalar() == 0

    def test_a_broken_catalog_is_refused_with_the_rules_messages(self, cli, tmp_path):
        # an agency with a bad credit code, and the others' datasets broken
        agency_name = CATALOG["organizations"][-1]["name"]
        others = [d for d in CATALOG["datasets"] if d["organization"] != agency_name]
        closed = next(d for d in others if d["catalog"]["open_tier"] == "closed")
        its_own = next(d for d in CATALOG["datasets"] if d["organization"] == agency_name)
        broken = _sample(others[:4] + [closed, its_own])

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
        assert _counts() == EMPTY

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
        assert _counts() == EMPTY
