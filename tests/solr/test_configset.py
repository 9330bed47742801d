"""The Solr 9 configset in config/solr/govshare is complete and consistent.

Static checks only (no Solr needed): the XML is well formed, the schema is
CKAN's own (same version name, every field, dynamic field, copyField and the
uniqueKey) plus GovShare's agency fields, its full-text types analyse Chinese
with Lucene's core CJK filters and apply the operator's stop words and
synonyms (links to config/search/, every line of synonyms.txt in Solr's
format) after the bigrams, every file it references is there, and
docker/compose.yaml mounts it, and what its links point to, into the Solr
container. Whether Solr 9 loads it is checked by the search
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
SEARCH_LISTS = ROOT / "config" / "search"
#: the configset's files that are the operator's lists, linked, not copied
LINKS = {"synonyms.txt": "synonyms.txt", "govshare_stopwords.txt": "stopwords.txt"}
#: how the synonym filter analyses the entries of synonyms.txt: as the query
#: is analysed up to it (CJK bigrams, lower case)
SYNONYM_ANALYZER = "org.apache.lucene.analysis.cjk.CJKAnalyzer"
#: CJKAnalyzer's own stop words (org/apache/lucene/analysis/cjk/stopwords.txt):
#: a synonym entry made of one fails to load, one holding one never matches
CJK_ANALYZER_STOPWORDS = frozenset(
    "a and are as at be but by for if in into is it no not of on or s such t that the "
    "their then there these they this to was will with www".split())

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


#: fields typed differently from CKAN's schema on purpose, and how
CHANGED_FIELDS = {
    # SolrCloud's recovery reads it as a number (schema.xml says why)
    "_version_": {"name": "_version_", "type": "plong", "indexed": "false",
                  "stored": "false", "docValues": "true"},
}


def test_every_ckan_field_is_kept(schema, ckan_schema):
    for tag in ("field", "dynamicField"):
        ours = _by_name(schema, tag)
        for name, attrs in _by_name(ckan_schema, tag).items():
            assert name in ours, f"{tag} {name} missing"
            if tag == "field" and name in CHANGED_FIELDS:
                assert ours[name] == CHANGED_FIELDS[name]
                assert attrs != CHANGED_FIELDS[name], f"CKAN now types {name} as we do"
                continue
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
    assert {"synonyms.txt", "protwords.txt", "govshare_stopwords.txt"} <= referenced
    for name in referenced:
        assert (CONF / name).is_file(), f"{name} is referenced by schema.xml but missing"


# --------------------------------------------------------------------------- the operator's lists
@pytest.mark.parametrize("name, target", sorted(LINKS.items()))
def test_the_operators_lists_are_relative_links(name, target):
    link = CONF / name
    assert link.is_symlink(), f"{name} must link to config/search/{target}, not be a copy"
    assert os.readlink(link) == f"../../../search/{target}"
    assert link.resolve() == (SEARCH_LISTS / target).resolve()
    assert link.resolve().is_file()


@pytest.mark.parametrize("type_name", ["text", "text_general"])
def test_stop_words_and_synonyms_after_the_bigrams_at_query_time(schema, type_name):
    ft = _field_types(schema)[type_name]
    chain = _analyzer(ft, "query")
    classes = _classes(chain)
    bigram = classes.index("solr.CJKBigramFilterFactory")
    stop = classes.index("solr.StopFilterFactory")
    synonyms = classes.index("solr.SynonymGraphFilterFactory")
    # the stop filter before the synonym filter, whose input must not be a graph
    assert bigram < stop < synonyms
    assert chain[stop].get("words") == "govshare_stopwords.txt"
    assert chain[stop].get("ignoreCase") == "true"
    attrs = chain[synonyms].attrib
    assert attrs.get("synonyms") == "synonyms.txt"
    assert attrs.get("analyzer") == SYNONYM_ANALYZER
    assert attrs.get("ignoreCase") == "true" and attrs.get("expand") == "true"
    assert classes.count("solr.SynonymGraphFilterFactory") == 1
    # the index side is left as it was: a change of the lists needs no re-index
    index = _classes(_analyzer(ft, "index"))
    assert "solr.StopFilterFactory" not in index
    assert "solr.SynonymGraphFilterFactory" not in index


def test_the_agency_fields(schema):
    fields = _by_name(schema, "field")
    assert fields["organization_title"] == {
        "name": "organization_title", "type": fields["title"]["type"], "indexed": "true",
        "stored": "true", "multiValued": "false"}
    assert fields["organization_alias"] == {
        "name": "organization_alias", "type": fields["title"]["type"], "indexed": "true",
        "stored": "true", "multiValued": "true"}
    copies = _copy_fields(schema)
    assert {("organization_title", "text"), ("organization_alias", "text")} <= copies


def test_the_query_fields_are_the_schemas(schema):
    """GovShare's package_search sends qf with the agency fields (as the
    schema's comment says), each a field of the schema."""
    from ckanext.govshare.search.logic.action import QUERY_FIELDS

    names = [item.split("^")[0] for item in QUERY_FIELDS.split()]
    assert {"organization_title", "organization_alias"} <= set(names)
    assert set(names) <= set(_by_name(schema, "field"))
    assert "QUERY_FIELDS" in SCHEMA.read_text(encoding="utf-8")


# Solr's synonyms format (SolrSynonymParser), as the tests read it: a comment
# starts at the first character of its line; a rule is ``a, b, c`` or
# ``a, b => c, d`` (one ``=>`` at most); items are separated by commas that a
# backslash does not escape, and trimmed; none may be empty.
_COMMA = re.compile(r"(?<!\\),")


def solr_synonym_rules(text: str) -> list[tuple[int, list[str], list[str] | None]]:
    """``(line number, items, None)`` or ``(line number, sources, targets)``
    for each rule; ``ValueError`` for a line Solr refuses."""
    rules = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line.startswith("#"):
            continue
        if not line.strip():
            raise ValueError(f"line {number}: blank but not empty")
        sides = line.split("=>")
        if len(sides) > 2:
            raise ValueError(f"line {number}: more than one =>")
        parts = [[item.strip() for item in _COMMA.split(side)] for side in sides]
        if any(not item for side in parts for item in side):
            raise ValueError(f"line {number}: an empty item")
        rules.append((number, parts[0], parts[1] if len(parts) == 2 else None))
    return rules


@pytest.mark.parametrize("text, error", [
    ("a, b\n  \nc, d", "line 2: blank but not empty"),
    ("a => b => c", "line 1: more than one =>"),
    ("a, , b", "line 1: an empty item"),
    ("a =>", "line 1: an empty item"),
])
def test_the_format_check_refuses_what_solr_refuses(text, error):
    with pytest.raises(ValueError, match=error):
        solr_synonym_rules(text)


def test_the_format_check_reads_rules():
    assert solr_synonym_rules("# x\n\na, b\nc => c, d\ne\\,f, g") == [
        (3, ["a", "b"], None), (4, ["c"], ["c", "d"]), (5, ["e\\,f", "g"], None)]


def _stopwords() -> set[str]:
    lines = (SEARCH_LISTS / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return {w.strip() for w in lines if w.strip() and not w.startswith("#")}


def test_every_synonym_line_parses_in_solrs_format():
    text = (CONF / "synonyms.txt").read_text(encoding="utf-8")
    rules = solr_synonym_rules(text)
    assert 40 <= len(rules) <= 80
    stopwords = _stopwords()
    sources: dict[str, int] = {}
    for number, left, right in rules:
        assert right != left, f"line {number}: a => a"
        for item in left + (right or []):
            where = f"line {number}: {item!r}"
            # the embedded engine cuts a comment anywhere, Solr only at the start
            assert "#" not in item, where
            if re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", item):
                # CJKAnalyzer reads the entries: its stop words would be dropped
                assert not set(item.split()) & CJK_ANALYZER_STOPWORDS, where
            else:
                assert re.fullmatch(r"[\u4e00-\u9fff]+", item), (
                    f"{where}: Chinese without spaces, or lower-case Latin words")
            # a stop word is dropped from the query before synonyms are looked up
            assert item not in stopwords, where
            assert not any(len(w) > 1 and w in item for w in stopwords), where
        for item in left:
            assert item not in sources, f"line {number}: {item!r} starts line {sources[item]} too"
            sources[item] = number
        if right is not None:
            # a one-way line keeps what was typed (the right side replaces the left)
            assert set(left) <= set(right), f"line {number}: repeat the left side on the right"


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
    # what the configset's links point to is mounted where they lead, and the
    # core's conf/ is copied with the links followed
    container_conf = Path(match.group(1)) / "conf"
    for name in LINKS:
        target = Path(os.path.normpath(container_conf / os.readlink(CONF / name)))
        mounted = [(Path(t), s) for t, s in mounts.items() if target.is_relative_to(t)]
        assert mounted, f"{target} (conf/{name}) is not mounted"
        where, source = mounted[0]
        assert (COMPOSE.parent / source / target.relative_to(where)).resolve() == (
            CONF / name).resolve()
    assert re.search(r"\bcp -\w*L\w* [^\n]*/conf ", script), script
    # CKAN in the stack talks to that core
    url = compose["services"]["ckan"]["environment"]["CKAN_SOLR_URL"]
    assert url.rstrip("/").endswith("/solr/ckan")
    assert os.path.isdir(CONFIGSET)
