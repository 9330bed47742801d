"""The Solr 9 configset in config/solr/govshare is complete and consistent.

Static checks only (no Solr needed): the XML is well formed, the schema is
CKAN's own (same version name, every field, dynamic field, copyField and the
uniqueKey), its full-text types analyse Chinese with Lucene's core CJK
filters, every file it references is there, and docker/compose.yaml mounts
it into the Solr container. Whether Solr 9 loads it is checked by the search
tests run against a real Solr (GOVSHARE_TEST_SOLR_URL, see docs/solr.md).
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ckan
from ckan.lib.search import SUPPORTED_SCHEMA_VERSIONS

ROOT = Path(__file__).resolve().parents[2]
CONFIGSET = ROOT / "config" / "solr" / "govshare"
CONF = CONFIGSET / "conf"
SCHEMA = CONF / "schema.xml"
SOLRCONFIG = CONF / "solrconfig.xml"
CKAN_SCHEMA = Path(ckan.__file__).parent / "config" / "solr" / "schema.xml"
COMPOSE = ROOT / "docker" / "compose.yaml"

# Analysis factories of Lucene's analysis-common module, which every Solr 9
# ships in its core: no <lib>, no SOLR_MODULES needed.
CORE_FACTORIES = {
    "solr.StandardTokenizerFactory",
    "solr.WhitespaceTokenizerFactory",
    "solr.NGramTokenizerFactory",
    "solr.CJKWidthFilterFactory",
    "solr.CJKBigramFilterFactory",
    "solr.WordDelimiterGraphFilterFactory",
    "solr.FlattenGraphFilterFactory",
    "solr.LowerCaseFilterFactory",
    "solr.SnowballPorterFilterFactory",
    "solr.PorterStemFilterFactory",
    "solr.ASCIIFoldingFilterFactory",
    "solr.SynonymGraphFilterFactory",
    "solr.StopFilterFactory",
}
# Attributes of analysis components that name a file of the configset.
RESOURCE_ATTRIBUTES = {"words", "synonyms", "protected", "dictionary", "articles", "mapping"}


def _parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _field_types(root: ET.Element) -> dict[str, ET.Element]:
    # CKAN's schema spells it both fieldType and fieldtype, inside <types>
    return {
        ft.get("name"): ft
        for ft in root.iter()
        if ft.tag in ("fieldType", "fieldtype")
    }


def _by_name(root: ET.Element, tag: str) -> dict[str, dict[str, str]]:
    return {el.get("name"): dict(el.attrib) for el in root.iter(tag)}


def _copy_fields(root: ET.Element) -> set[tuple[str, str]]:
    return {(cf.get("source"), cf.get("dest")) for cf in root.iter("copyField")}


def _analyzer(field_type: ET.Element, kind: str) -> list[ET.Element]:
    """Tokenizer and filters of the index or query analyzer, in order."""
    for analyzer in field_type.findall("analyzer"):
        if analyzer.get("type") in (kind, None):
            return [el for el in analyzer if el.tag in ("charFilter", "tokenizer", "filter")]
    raise AssertionError(f"{field_type.get('name')} has no {kind} analyzer")


def _classes(chain: list[ET.Element]) -> list[str]:
    return [el.get("class") for el in chain]


@pytest.fixture(scope="module")
def schema() -> ET.Element:
    return _parse(SCHEMA)


@pytest.fixture(scope="module")
def ckan_schema() -> ET.Element:
    return _parse(CKAN_SCHEMA)


def test_configset_layout():
    assert SCHEMA.is_file()
    assert SOLRCONFIG.is_file()
    # ClassicIndexSchemaFactory reads schema.xml; a managed schema file next
    # to it would be ignored and only mislead whoever edits it.
    assert not (CONF / "managed-schema").exists()
    assert not (CONF / "managed-schema.xml").exists()


@pytest.mark.parametrize(
    "path", sorted(CONF.rglob("*.xml")), ids=lambda p: str(p.relative_to(CONF))
)
def test_xml_is_well_formed(path: Path):
    ET.parse(path)


def test_schema_version_is_ckans(schema, ckan_schema):
    name = schema.get("name")
    assert name == "ckan-2.11"
    # the same rule as ckan.lib.search.check_solr_schema_version()
    assert name.startswith("ckan-")
    assert name.split("-", 1)[1] in SUPPORTED_SCHEMA_VERSIONS
    assert name == ckan_schema.get("name")
    assert schema.get("version") == ckan_schema.get("version")


def test_every_ckan_field_is_kept(schema, ckan_schema):
    for tag in ("field", "dynamicField"):
        ours = _by_name(schema, tag)
        for name, attrs in _by_name(ckan_schema, tag).items():
            assert name in ours, f"{tag} {name} missing"
            assert ours[name] == attrs, f"{tag} {name} differs from CKAN's"


def test_every_ckan_copy_field_is_kept(schema, ckan_schema):
    missing = _copy_fields(ckan_schema) - _copy_fields(schema)
    assert not missing


def test_unique_key_is_index_id(schema, ckan_schema):
    assert schema.findtext("uniqueKey").strip() == "index_id"
    assert ckan_schema.findtext("uniqueKey").strip() == "index_id"


def test_every_ckan_field_type_is_kept(schema, ckan_schema):
    ours = _field_types(schema)
    for name, ft in _field_types(ckan_schema).items():
        assert name in ours, f"fieldType {name} missing"
        assert ours[name].get("class") == ft.get("class")
        if ft.get("class") != "solr.TextField":
            assert ours[name].attrib == ft.attrib, f"fieldType {name} differs from CKAN's"
    # every type a field uses is defined
    for tag in ("field", "dynamicField"):
        for name, attrs in _by_name(schema, tag).items():
            assert attrs["type"] in ours, f"{tag} {name}: unknown type {attrs['type']}"


@pytest.mark.parametrize("type_name", ["text", "text_general"])
def test_full_text_types_analyse_chinese(schema, type_name):
    ft = _field_types(schema)[type_name]
    for kind in ("index", "query"):
        chain = _analyzer(ft, kind)
        classes = _classes(chain)
        # StandardTokenizer marks Han characters as <IDEOGRAPHIC>, which
        # CJKBigramFilter needs; width folding must come before bigramming,
        # and lower-casing too (CJKAnalyzer's order).
        assert classes[0] == "solr.StandardTokenizerFactory", classes
        bigram = classes.index("solr.CJKBigramFilterFactory")
        assert classes.index("solr.CJKWidthFilterFactory") < bigram
        assert classes.index("solr.LowerCaseFilterFactory") < bigram
        attrs = chain[bigram].attrib
        assert attrs.get("han") == "true"
        # indexed unigrams make one-character queries match; bigram-only
        # queries stay precise and build no token graph
        assert attrs.get("outputUnigrams") == ("true" if kind == "index" else "false")
        if type_name == "text":
            assert "solr.SnowballPorterFilterFactory" in classes
            stem = chain[classes.index("solr.SnowballPorterFilterFactory")]
            assert stem.get("language") == "English"
            assert classes.index("solr.SnowballPorterFilterFactory") > bigram


def test_ckan_text_fields_use_the_cjk_types(schema):
    fields = _by_name(schema, "field")
    for name in ("title", "notes", "text"):
        assert fields[name]["type"] == "text"
    for name in ("res_name", "res_description", "author", "maintainer"):
        assert fields[name]["type"] == "text_general"


def test_only_core_analysis_factories(schema):
    used = {
        el.get("class")
        for ft in _field_types(schema).values()
        for el in ft.iter()
        if el.tag in ("charFilter", "tokenizer", "filter")
    }
    assert used <= CORE_FACTORIES, used - CORE_FACTORIES


def test_referenced_resource_files_exist(schema):
    referenced = set()
    for el in schema.iter():
        if el.tag not in ("charFilter", "tokenizer", "filter"):
            continue
        for attr in RESOURCE_ATTRIBUTES & set(el.attrib):
            referenced.update(f.strip() for f in el.get(attr).split(","))
    assert {"synonyms.txt", "protwords.txt"} <= referenced
    for name in referenced:
        assert (CONF / name).is_file(), f"{name} is referenced by schema.xml but missing"


def test_solrconfig_for_solr9():
    root = _parse(SOLRCONFIG)
    assert root.tag == "config"
    assert root.findtext("luceneMatchVersion").strip().startswith("9.")
    assert root.find("schemaFactory").get("class") == "ClassicIndexSchemaFactory"
    handlers = {h.get("name"): h for h in root.findall("requestHandler")}
    assert handlers["/select"].get("class") == "solr.SearchHandler"
    assert handlers["/update"].get("class") == "solr.UpdateRequestHandler"
    update = root.find("updateHandler")
    assert update.find("updateLog") is not None  # needs _version_, in CKAN's schema
    assert update.find("autoSoftCommit/maxTime") is not None
    assert update.find("autoCommit/maxTime") is not None
    chains = [c for c in root.findall("updateRequestProcessorChain") if c.get("default") == "true"]
    assert len(chains) == 1
    processors = [p.get("class") for p in chains[0].findall("processor")]
    assert processors[-1] == "solr.RunUpdateProcessorFactory"
    # removed in Solr 9 or belonging to older versions
    for obsolete in ("lib", "jmx", "indexDefaults", "mainIndex", "admin"):
        assert root.find(obsolete) is None, obsolete


def test_docker_compose_precreates_the_core_from_this_configset():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    solr = compose["services"]["solr"]
    assert str(solr["image"]).startswith("solr:9")
    mounts = {}
    for volume in solr["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    command = solr["command"]
    script = command if isinstance(command, str) else " ".join(command)
    # solr-precreate / precreate-core (official image) CORE CONFIGSET_DIR
    match = re.search(r"\b(?:solr-precreate|precreate-core)\s+ckan\s+(\S+)", script)
    assert match, script
    source = mounts[match.group(1)]
    assert (COMPOSE.parent / source).resolve() == CONFIGSET
    # CKAN in the stack talks to that core
    url = compose["services"]["ckan"]["environment"]["CKAN_SOLR_URL"]
    assert url.rstrip("/").endswith("/solr/ckan")
    assert os.path.isdir(CONFIGSET)
