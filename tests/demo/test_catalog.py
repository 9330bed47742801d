"""The demo file is well formed and its entries fill in what the catalog
schema asks for: no database needed. That the portal's own rules accept every
entry is tested through the actions in test_loader.py (``DemoLoader.check``)."""
from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections import Counter

import pytest
import yaml

import ckan.plugins.toolkit as tk

from ckanext.govshare.catalog.logic.validators import (aliases, govshare_organization_alias,
                                                       uscc_is_valid)
from ckanext.govshare.demo import loader

CATALOG = loader.load_catalog()
DATASETS = CATALOG["datasets"]
SCHEMAS = loader.DEMO_DIR.parent / "schemas"
#: the catalog schema's fields (scheming's dataset.yaml) and presets
SCHEMA_FIELDS = yaml.safe_load((SCHEMAS / "dataset.yaml").read_text("utf-8"))["dataset_fields"]
PRESETS = {p["preset_name"]: p for p in
           yaml.safe_load((SCHEMAS / "presets.yaml").read_text("utf-8"))["presets"]}
#: fields kept as top-level CKAN keys in the demo file, not under ``catalog``
CORE_FIELDS = {"title", "name", "notes", "owner_org", "maintainer", "maintainer_email",
               "license_id", "tag_string", "author", "author_email"}


def _choices(preset: str) -> list:
    return [c["value"] for c in PRESETS[preset]["values"]["choices"]]


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
    required = [f["field_name"] for f in SCHEMA_FIELDS
                if f.get("required") and f["field_name"] not in CORE_FIELDS]
    assert "open_tier" in required and "info_items" in required
    for d in DATASETS:
        for field in required:
            assert d["catalog"].get(field) not in (None, "", []), (d["name"], field)
        assert d["maintainer"] and d["maintainer_email"], d["name"]


def test_choices_come_from_the_schema_presets():
    assert _choices("govshare_open_tier") == ["unconditional", "conditional", "closed"]
    choice_fields = {f["field_name"]: f["preset"] for f in SCHEMA_FIELDS
                     if "choices" in PRESETS.get(f.get("preset"), {}).get("values", {})}
    assert {"open_tier", "subject_category", "data_format"} <= set(choice_fields)
    info_items = next(f for f in SCHEMA_FIELDS if f["field_name"] == "info_items")
    info_type = next(f["preset"] for f in info_items["repeating_subfields"]
                     if f["field_name"] == "type")
    for d in DATASETS:
        cat = d["catalog"]
        for field, preset in choice_fields.items():
            values = cat.get(field)
            values = values if isinstance(values, list) else [values]
            assert set(v for v in values if v not in (None, "")) <= set(_choices(preset)), \
                (d["name"], field)
        types = {i["type"] for i in cat["info_items"]}
        assert types <= set(_choices(info_type)), d["name"]


def test_opened_personal_data_is_desensitised():
    personal = [d for d in DATASETS if d["catalog"]["contains_personal_data"]]
    assert personal
    for d in personal:
        if d["catalog"]["open_tier"] in ("unconditional", "conditional"):
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
        if cat["share_type"] != "unconditional":
            assert cat.get("share_type_reason", "").strip(), d["name"]
            assert cat.get("share_type_basis", "").strip(), d["name"]


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
        assert uscc_is_valid(code), org["name"]
    assert uscc_is_valid("91350100M000100Y43")  # published example code
    assert not uscc_is_valid("91350100M000100Y44")


def test_every_organization_has_short_names_as_stored():
    for org in CATALOG["organizations"]:
        alias = org["fields"]["alias"]
        assert aliases(alias), org["name"]
        assert govshare_organization_alias(alias, {}) == alias, org["name"]
        assert org["title"] not in aliases(alias), org["name"]


def test_validation_reports_a_broken_file():
    broken = copy.deepcopy(CATALOG)
    broken["datasets"][2]["resources"][0] = {"name": "x", "format": "CSV",
                                             "file": "nope/missing.csv"}
    broken["datasets"][3]["organization"] = "no-such-agency"
    broken["datasets"][4]["name"] = broken["datasets"][5]["name"]
    errors = loader.validate_catalog(broken)
    # the messages are translatable: compare with the same message in the same locale
    _ = tk._
    assert _("dataset {name}: file {file!r} does not exist").format(
        name=broken["datasets"][2]["name"], file="nope/missing.csv") in errors
    assert _("dataset {name}: unknown organization {organization!r}").format(
        name=broken["datasets"][3]["name"], organization="no-such-agency") in errors
    assert _("dataset name {name!r} is used twice").format(
        name=broken["datasets"][5]["name"]) in errors


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
    assert org["alias"] == "交通局、交通运输局"
    group = loader.group_dict(CATALOG["groups"][0])
    assert group["extras"] == [{"key": "name_en", "value": "Transport and mobility"}]
