"""ckanext-dcat finds its RDF profiles once per process
(:mod:`ckanext.govshare.dcat.entry_points`), with the answers
``importlib.metadata`` gives."""
from __future__ import annotations

import importlib.metadata

import ckanext.dcat.processors as processors
from ckanext.dcat.processors import RDF_PROFILES_ENTRY_POINT_GROUP, RDFSerializer

from ckanext.govshare.dcat import entry_points


def test_ckanext_dcat_asks_the_memoised_lookup():
    assert processors.entry_points is entry_points.entry_points


def test_the_answers_are_importlibs():
    everyone = importlib.metadata.entry_points(group=RDF_PROFILES_ENTRY_POINT_GROUP)
    assert everyone.names, "no RDF profile is installed"
    for name in everyone.names:
        ours = entry_points.entry_points(group=RDF_PROFILES_ENTRY_POINT_GROUP, name=name)
        theirs = importlib.metadata.entry_points(group=RDF_PROFILES_ENTRY_POINT_GROUP, name=name)
        assert list(ours) == list(theirs)
        assert ours[name].load() is theirs[name].load()


def test_a_serializer_reads_no_entry_points_after_the_first():
    first = RDFSerializer()
    before = entry_points._cached.cache_info()
    second = RDFSerializer()
    after = entry_points._cached.cache_info()
    assert after.misses == before.misses
    assert after.hits >= before.hits + len(second._profiles)
    assert second._profiles == first._profiles
