"""Jurisdiction profiles (issue 15 §1): the shipped profiles are complete and
cite their sources; the procedures read their numbers from the chosen one;
a profile that cannot be used stops the portal from starting."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.govshare import options
from ckanext.govshare.applications import deadline
from ckanext.govshare.jurisdiction import profile
from ckanext.govshare.plugin import GovSharePlugin
from tests.applications.test_actions import apply, ctx

SHIPPED = sorted(profile.BUNDLED.glob("*.yaml"))
CONFIG_DIR = Path(__file__).parents[2] / "config" / "profiles"


def test_the_shipped_profiles_are_the_ones_in_config():
    assert [p.name for p in SHIPPED] == ["liaoning-2019.yaml", "qingyang-2021.yaml"]
    assert sorted(p.name for p in CONFIG_DIR.glob("*.yaml")) == [p.name for p in SHIPPED]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_value_cites_its_article_or_says_why_not(path):
    loaded = profile.load(path)
    assert loaded.name == path.stem
    for key, rule in loaded.rules():
        assert rule.article or (rule.note.get("zh_Hans_CN") and rule.note.get("en")), key


def test_the_numbers_of_the_source_texts():
    qingyang = profile.load(profile.BUNDLED / "qingyang-2021.yaml")
    liaoning = profile.load(profile.BUNDLED / "liaoning-2019.yaml")
    days = {p.name: {k: p.procedure(k).answer_working_days for k in profile.KINDS}
            for p in (qingyang, liaoning)}
    assert [(r.value, r.article) for r in days["qingyang-2021"].values()] == [
        (15, "第二十四条"), (7, "第十六条"), (5, "第十八条"), (5, None)]
    assert [(r.value, r.article) for r in list(days["liaoning-2019"].values())[1:]] == [
        (5, "第十七条"), (5, "第十八条"), (5, None)]
    assert (qingyang.catalog_change_working_days.value,
            liaoning.catalog_change_working_days.value) == (15, 10)
    # neither text provides an extension
    assert {p.procedure(k).extension_working_days.value
            for p in (qingyang, liaoning) for k in profile.KINDS} == {0}


@pytest.mark.parametrize("change, message", [
    ({"procedures": {"open": {"answer_working_days": {"value": 0, "article": "x"}}}},
     "procedures.open.answer_working_days must be a whole number of at least 1"),
    ({"procedures": {"sharing": {"extension_working_days": {"value": 3}}}},
     "procedures.sharing.extension_working_days cites no article"),
    ({"procedures": {"open": {"terms_acceptance_required": {"value": "yes", "article": "x"}}}},
     "procedures.open.terms_acceptance_required must be true or false"),
    ({"catalog": {}}, "catalog.change_working_days needs a value and an article"),
])
def test_a_wrong_profile_is_refused_naming_the_file_and_the_value(tmp_path, change, message):
    data = yaml.safe_load((profile.BUNDLED / "qingyang-2021.yaml").read_text("utf-8"))
    for section, values in change.items():
        if not values:
            data[section] = {}
        for kind, fields in values.items():
            data[section][kind].update(fields)
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(profile.ProfileError) as error:
        profile.load(path)
    assert str(path) in str(error.value) and message in str(error.value)


@pytest.mark.ckan_config(options.JURISDICTION_PROFILE, "nowhere-2030")
def test_an_unknown_profile_stops_the_start():
    with pytest.raises(profile.ProfileError, match=r"nowhere-2030\.yaml not found"):
        GovSharePlugin().update_config(tk.config)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestTheDefaultProfile:
    def test_the_answer_period_and_no_extension(self, agency, freezer):
        freezer.move_to("2026-11-02 02:00:00")
        application = apply(agency)
        assert application["due_date"] == "2026-11-23"    # 15 working days
        shown = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                    id=application["id"])
        assert "extend" not in shown["moves"] and "request_supplement" in shown["moves"]
        with pytest.raises(tk.ValidationError) as error:
            helpers.call_action("govshare_application_extend", context=ctx(agency.editor),
                                id=application["id"], days=5, reason="需要会商")
        assert error.value.error_dict == {"days": [
            "The rules of this jurisdiction provide no extension of the answer period"]}

    def test_a_supplement_is_asked_for_once(self, agency):
        application = apply(agency)
        helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                            id=application["id"], decision="request_supplement",
                            reason="请补充单位授权书")
        helpers.call_action("govshare_application_supplement", context=ctx(agency.applicant),
                            id=application["id"], note="已补充")
        shown = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                    id=application["id"])
        assert "request_supplement" not in shown["moves"] and "approve" in shown["moves"]
        with pytest.raises(tk.ValidationError) as error:
            helpers.call_action("govshare_application_decide", context=ctx(agency.editor),
                                id=application["id"], decision="request_supplement",
                                reason="还缺一份材料")
        assert "decision" in error.value.error_dict
        shown = helpers.call_action("govshare_application_show", context=ctx(agency.editor),
                                    id=application["id"])
        assert shown["state"] == "submitted"     # nothing half-written

    @pytest.mark.ckan_config(options.JURISDICTION_PROFILE, "liaoning-2019")
    def test_another_profile_by_name(self):
        assert deadline.answer_working_days("sharing") == 5
        assert profile.current().catalog_change_working_days.value == 10


def test_the_readme_table_is_the_profiles():
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    shipped = [profile.load(profile.BUNDLED / f"{n}.yaml")
               for n in ("qingyang-2021", "liaoning-2019")]
    assert profile.markdown_table(shipped) in readme
