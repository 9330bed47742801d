"""The demo catalog is valid data: no database needed."""
from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections import Counter

import pytest

import ckan.plugins.toolkit as tk

from ckanext.govshare.demo import loader

CATALOG = loader.load_catalog()
DATASETS = CATALOG["datasets"]


def _referenced_files():
    return [r["file"] for d in DATASETS for r in d["resources"] if r.get("file")]


def test_catalog_validates():
    assert loader.validate_catalog(CATALOG) == []


def test_sizes():
    assert len(CATALOG["organizations"]) >= 6
    assert 4 <= len(CATALOG["groups"]) <= 6
    assert len(DATASETS) >= 40
    assert all(1 <= len(d["resources"]) <= 3 for d in DATASETS)


def test_resource_codes_are_unique():
    codes = [d["catalog"]["resource_code"].lower() for d in DATASETS]
    assert all(codes)
    assert [c for c, n in Counter(codes).items() if n > 1] == []


def test_every_dataset_has_the_required_catalog_fields():
    for d in DATASETS:
        for field in loader.REQUIRED_CATALOG_FIELDS:
            assert d["catalog"].get(field) not in (None, "", []), (d["name"], field)
        assert d["maintainer"] and d["maintainer_email"], d["name"]


def test_choices_come_from_the_schema_presets():
    choices = loader.preset_choices()
    assert choices["govshare_open_tier"] == ["unconditional", "conditional", "closed"]
    for d in DATASETS:
        cat = d["catalog"]
        for field, preset in loader.CHOICE_FIELDS.items():
            assert cat[field] in choices[preset], (d["name"], field)
        for field, preset in loader.MULTIPLE_CHOICE_FIELDS.items():
            assert set(cat.get(field) or []) <= set(choices[preset]), (d["name"], field)
        types = {i["type"] for i in cat["info_items"]}
        assert types <= set(choices[loader.INFO_ITEM_TYPE_PRESET]), d["name"]


def test_unconditional_personal_data_is_desensitised():
    personal = [d for d in DATASETS if d["catalog"]["contains_personal_data"]]
    assert personal
    for d in personal:
        if d["catalog"]["open_tier"] == "unconditional":
            assert d["catalog"]["desensitised"] is True, d["name"]


def test_restricted_tiers_have_reason_and_basis():
    tiers = Counter(d["catalog"]["open_tier"] for d in DATASETS)
    assert set(tiers) == {"unconditional", "conditional", "closed"}
    assert 3 <= tiers["closed"] <= 4
    assert 0.15 <= tiers["conditional"] / len(DATASETS) <= 0.35
    for d in DATASETS:
        cat = d["catalog"]
        if cat["open_tier"] != "unconditional":
            assert cat.get("open_tier_reason", "").strip(), d["name"]
            assert cat.get("open_tier_basis", "").strip(), d["name"]


def test_required_titles_and_languages():
    titles = [d["title"] for d in DATASETS]
    assert "城市公交线路" in titles
    assert "Bus routes" in titles
    assert any("交通运输局道路客运" in t for t in titles)
    english = [d for d in DATASETS if d["catalog"].get("language") == "en"]
    assert len(english) >= 4
    assert all(d["title"].isascii() and d["notes"].isascii() for d in english)


def test_every_referenced_file_exists_and_none_is_orphaned():
    referenced = set(_referenced_files())
    for rel in referenced:
        assert (loader.FILES_DIR / rel).is_file(), rel
    shipped = {str(p.relative_to(loader.FILES_DIR))
               for p in loader.FILES_DIR.rglob("*") if p.is_file()}
    assert shipped == referenced
    assert sum((loader.FILES_DIR / f).stat().st_size for f in shipped) < 2 * 1024 * 1024


@pytest.mark.parametrize("rel", sorted(set(_referenced_files())))
def test_shipped_file_is_well_formed(rel):
    data = (loader.FILES_DIR / rel).read_bytes()
    if rel.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert not data.startswith(b"\xef\xbb\xbf")
        assert 10 <= len(rows) - 1 <= 200
        assert len({len(r) for r in rows}) == 1
    elif rel.endswith((".json", ".geojson")):
        obj = json.loads(data.decode("utf-8"))
        if rel.endswith(".geojson"):
            assert obj["type"] == "FeatureCollection" and obj["features"]
    elif rel.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"}
            assert parts <= set(z.namelist())
    else:
        pytest.fail(f"unexpected file type {rel}")


def test_organization_credit_codes_have_valid_check_digit():
    for org in CATALOG["organizations"]:
        code = org["fields"]["unified_social_credit_code"]
        assert code.startswith("11"), org["name"]
        assert loader.uscc_is_valid(code), org["name"]
    assert loader.uscc_is_valid("91350100M000100Y43")  # published example code
    assert not loader.uscc_is_valid("91350100M000100Y44")


def test_validation_reports_broken_data():
    broken = copy.deepcopy(CATALOG)
    first, second = broken["datasets"][0], broken["datasets"][1]
    second["catalog"]["resource_code"] = first["catalog"]["resource_code"].lower()
    closed = next(d for d in broken["datasets"] if d["catalog"]["open_tier"] == "closed")
    del closed["catalog"]["open_tier_basis"]
    broken["datasets"][2]["resources"][0] = {"name": "x", "format": "CSV",
                                             "file": "nope/missing.csv"}
    third = broken["datasets"][3]
    third["catalog"]["subject_category"] = "astrology"
    third["catalog"]["info_items"].append({"name": "", "type": "string"})
    broken["organizations"][0]["fields"]["unified_social_credit_code"] = "11330100002501634L"
    errors = loader.validate_catalog(broken)
    # the messages are translatable: compare with the same message in the same locale
    _ = tk._
    assert _("resource_code {code!r} is used by {count} datasets").format(
        code=first["catalog"]["resource_code"], count=2) in errors
    assert _("dataset {name}: {tier} tier needs {field}").format(
        name=closed["name"], tier="closed", field="open_tier_basis") in errors
    assert _("dataset {name}: file {file!r} does not exist").format(
        name=broken["datasets"][2]["name"], file="nope/missing.csv") in errors
    assert _("dataset {name}: {field} {value!r} unknown").format(
        name=third["name"], field="subject_category", value="astrology") in errors
    assert _("dataset {name}: information item {item!r} needs a name and a known type").format(
        name=third["name"], item={"name": "", "type": "string"}) in errors
    assert _("organization {name}: invalid unified_social_credit_code {code!r}").format(
        name=broken["organizations"][0]["name"], code="11330100002501634L") in errors


def test_catalog_fields_become_schema_fields():
    ds = next(d for d in DATASETS if d["name"] == "operating-vehicle-positions")
    data = loader.dataset_dict(ds)
    assert "extras" not in data
    assert data["resource_code"] == "GS-JT-0008"
    assert data["open_tier"] == "closed"
    assert data["contains_personal_data"] is True
    assert data["desensitised"] is False
    assert data["data_format"] == ["CSV"]
    assert data["info_items"][0] == {
        "name": "车辆标识", "type": "string",
        "description": "vehicle_id：平台内部车辆唯一标识（不可逆映射）"}
    assert data["release_date"] == "2020-01-31"
    assert "temporal_coverage_end" not in data  # empty (ongoing) values are left out


def test_organization_fields_become_schema_fields():
    org = loader.group_dict(CATALOG["organizations"][0], is_org=True)
    assert "extras" not in org
    assert org["unified_social_credit_code"] == "11330100002501634K"
    assert org["review_contact_email"] == "data-jiaotong@govshare.example"
    group = loader.group_dict(CATALOG["groups"][0])
    assert group["extras"] == [{"key": "name_en", "value": "Transport and mobility"}]
