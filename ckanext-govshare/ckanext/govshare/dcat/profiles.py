"""``govshare_dcat_ap_3``: DCAT-AP 3 with GovShare's openness tiers.

The profile is run after ckanext-dcat's ``euro_dcat_ap_3``
(``ckanext.dcat.rdf.profiles = euro_dcat_ap_3 govshare_dcat_ap_3``; the
``dcat_*`` actions put it last whatever a request asks for). It adds to or
corrects what DCAT-AP 3 wrote for a dataset:

* ``dct:accessRights`` — the EU access-right URI of the tier
  (:data:`ACCESS_RIGHTS`);
* ``dct:identifier`` — the catalog resource code (资源代码), not the CKAN id;
* ``dct:accrualPeriodicity`` — the EU frequency URI of ``update_frequency``;
* ``dct:issued`` — the catalog's release date (发布日期) when there is one;
* ``dct:language``, ``dct:format``, ``dcat:mediaType`` — EU / IANA URIs
  instead of bare strings, and the spatial and temporal coverage of the
  catalog fields;
* a file uploaded to the portal gets its URL as ``dcat:downloadURL`` too;
* for a **conditional** dataset, every distribution's ``dcat:accessURL`` is
  the application page, and no ``dcat:downloadURL`` or other file URL is
  left in the graph, whichever profile wrote it;
* a **closed** dataset is refused (:class:`RDFProfileException`): the
  actions never pass one, and if one ever slipped through, the feed fails
  rather than publish it;
* a **data product** (数据产品) names each published source dataset as
  ``prov:wasDerivedFrom`` and ``dct:source``, with a
  ``prov:qualifiedDerivation`` [ a ``prov:Derivation``; ``prov:entity`` the
  dataset; ``prov:atTime`` the start of the obtained day (``xsd:dateTime``) ]
  and the source typed ``dcat:Dataset`` with its title and description (what
  DCAT-AP asks of a ``dct:source``); sources that are not published (closed
  or private datasets) are left out;
* a catalog entry lists the public products built on it as
  ``dct:isReferencedBy``.

and to the catalog: a ``dct:publisher`` (required by DCAT-AP),
``dct:language`` URIs and a description.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD, Namespace
from rdflib.term import Node

import ckan.plugins.toolkit as tk
from ckan.types import DataDict

from ckanext.dcat.exceptions import RDFProfileException
from ckanext.dcat.profiles import DCAT, DCT, FOAF, SKOS, VCARD
from ckanext.dcat.profiles.base import CleanedURIRef
from ckanext.dcat.profiles.euro_dcat_ap_3 import EuropeanDCATAP3Profile
from ckanext.dcat.utils import dataset_uri, resource_uri

from ckanext.govshare import options, workdays
from ckanext.govshare.dcat import publication
from ckanext.govshare.products import sources as product_sources

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHT = Namespace(EU_AUTHORITY + "access-right/")
FREQUENCY = Namespace(EU_AUTHORITY + "frequency/")
LANGUAGE = Namespace(EU_AUTHORITY + "language/")
FILE_TYPE = Namespace(EU_AUTHORITY + "file-type/")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
UNKNOWN_IPR = URIRef("http://purl.org/adms/licencetype/UnknownIPR")
PROV = Namespace("http://www.w3.org/ns/prov#")
#: at most this many products are listed as ``dct:isReferencedBy`` of a dataset
REFERENCED_BY_LIMIT = 100

#: ``open_tier`` → ``dct:accessRights`` (EU access-right vocabulary).
ACCESS_RIGHTS: Mapping[str, URIRef] = {
    publication.UNCONDITIONAL: ACCESS_RIGHT.PUBLIC,
    publication.CONDITIONAL: ACCESS_RIGHT.RESTRICTED,
    publication.CLOSED: ACCESS_RIGHT.NON_PUBLIC,  # the authority's feed only
}

#: ``update_frequency`` → ``dct:accrualPeriodicity`` (EU frequency vocabulary).
FREQUENCIES: Mapping[str, URIRef] = {
    "realtime": FREQUENCY.UPDATE_CONT,
    "daily": FREQUENCY.DAILY,
    "weekly": FREQUENCY.WEEKLY,
    "monthly": FREQUENCY.MONTHLY,
    "quarterly": FREQUENCY.QUARTERLY,
    "yearly": FREQUENCY.ANNUAL,
    "irregular": FREQUENCY.IRREG,
}

#: Language codes (BCP 47 primary subtag or CKAN locale) → EU language URIs.
LANGUAGES: Mapping[str, URIRef] = {
    "zh": LANGUAGE.ZHO,
    "en": LANGUAGE.ENG,
    "bo": LANGUAGE.BOD,
    "ug": LANGUAGE.UIG,
    "mn": LANGUAGE.MON,
    "ko": LANGUAGE.KOR,
    "ja": LANGUAGE.JPN,
    "ru": LANGUAGE.RUS,
    "fr": LANGUAGE.FRA,
    "de": LANGUAGE.DEU,
}

#: CKAN resource formats → EU file types.
FILE_TYPES: Mapping[str, URIRef] = {
    name.lower(): FILE_TYPE[code] for name, code in {
        "CSV": "CSV", "TSV": "TSV", "JSON": "JSON", "GeoJSON": "GEOJSON",
        "XLSX": "XLSX", "XLS": "XLS", "ODS": "ODS", "XML": "XML", "PDF": "PDF",
        "ZIP": "ZIP", "TXT": "TXT", "HTML": "HTML", "DOC": "DOC", "DOCX": "DOCX",
        "KML": "KML", "SHP": "SHP", "GML": "GML", "GPKG": "GPKG", "PNG": "PNG",
        "JPEG": "JPEG", "Parquet": "PARQUET", "RDF": "RDF_XML", "JSON-LD": "JSON_LD",
        "TTL": "RDF_TURTLE", "Turtle": "RDF_TURTLE",
    }.items()
}


def language_uri(code: str) -> URIRef | None:
    """``zh-CN``, ``zh_Hans_CN``, ``en`` ... → the EU language URI."""
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return LANGUAGES.get(primary)


class GovShareDCATAPProfile(EuropeanDCATAP3Profile):
    """DCAT-AP 3 plus GovShare's tiers; runs after ``euro_dcat_ap_3``."""

    # -- parsing: GovShare does not harvest; DCAT-AP 3's parser is enough.
    def parse_dataset(self, dataset_dict: DataDict, dataset_ref: Node) -> DataDict:
        return dataset_dict

    # -- datasets
    def graph_from_dataset(self, dataset_dict: DataDict, dataset_ref: URIRef) -> None:
        tier = publication.open_tier(dataset_dict)
        if tier == publication.CLOSED and not publication.authority_feed():
            raise RDFProfileException(
                tk._("Closed datasets are never published in the DCAT feeds"))

        self._set_uri(dataset_ref, DCT.accessRights, ACCESS_RIGHTS[tier], DCT.RightsStatement)

        code = publication.dataset_value(dataset_dict, "resource_code")
        if code:
            self.g.remove((dataset_ref, DCT.identifier, None))
            self.g.add((dataset_ref, DCT.identifier, Literal(str(code))))

        frequency = FREQUENCIES.get(
            str(publication.dataset_value(dataset_dict, "update_frequency") or ""))
        if frequency:
            self._set_uri(dataset_ref, DCT.accrualPeriodicity, frequency, DCT.Frequency)

        self._coverage(dataset_dict, dataset_ref)
        self._as_nodes(dataset_ref, DCT.language, language_uri, DCT.LinguisticSystem)
        for contact in self.g.objects(dataset_ref, DCAT.contactPoint):
            self.g.add((contact, RDF.type, VCARD.Kind))

        released = publication.dataset_value(dataset_dict, "release_date")
        if released:
            self.g.remove((dataset_ref, DCT.issued, None))
            self._add_date_triple(dataset_ref, DCT.issued, str(released))

        if tier == publication.CONDITIONAL and not publication.authority_feed():
            self._point_at_application(dataset_dict, dataset_ref)
        else:
            self._download_uploads(dataset_dict)

        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            for predicate in (DCAT.accessURL, DCAT.downloadURL):
                for url in self.g.objects(distribution, predicate):
                    self.g.add((url, RDF.type, RDFS.Resource))
            for license_ in self.g.objects(distribution, DCT.license):
                self.g.add((license_, RDF.type, DCT.LicenseDocument))
                # ckanext-dcat's placeholder ("TODO: add an actual field"),
                # an untyped concept DCAT-AP rejects; the type is optional.
                self.g.remove((license_, DCT.type, UNKNOWN_IPR))
            self._as_nodes(distribution, DCT["format"],
                           lambda value: FILE_TYPES.get(value.lower()), DCT.MediaTypeOrExtent)
            self._as_nodes(distribution, DCAT.mediaType, _iana_media_type, DCT.MediaType)
            self._as_nodes(distribution, DCT.language, language_uri, DCT.LinguisticSystem)

        if dataset_dict.get("type") == product_sources.PRODUCT_TYPE:
            self._derivations(dataset_dict, dataset_ref)
        else:
            self._referenced_by(dataset_dict, dataset_ref)

    # -- data products and their sources
    def _derivations(self, product_dict: DataDict, product_ref: URIRef) -> None:
        """A product's sources: ``prov:wasDerivedFrom``, ``dct:source`` and a
        qualified derivation carrying the obtained date."""
        g = self.g
        g.bind("prov", PROV)
        for source in product_dict.get("sources") or []:
            obtained = workdays.parse_date((source or {}).get("obtained_date"))
            if not source.get("dataset") or obtained is None:
                continue
            try:
                dataset = tk.get_action("package_show")(
                    {"ignore_auth": True}, {"id": source["dataset"]})
            except tk.ObjectNotFound:
                continue
            if dataset.get("private") or dataset.get("state") != "active" \
                    or not publication.is_published(dataset):
                continue
            uri = CleanedURIRef(dataset_uri(dataset))
            g.add((product_ref, PROV.wasDerivedFrom, uri))
            # DCAT-AP's dct:source ranges over dcat:Dataset: the product's own
            # document says what the source is, with what DCAT-AP requires of it
            g.add((product_ref, DCT.source, uri))
            g.add((uri, RDF.type, DCAT.Dataset))
            for predicate, key in ((DCT.title, "title"), (DCT.description, "notes")):
                if not any(g.objects(uri, predicate)):
                    g.add((uri, predicate, Literal(dataset.get(key) or dataset["name"])))
            derivation = BNode()
            g.add((product_ref, PROV.qualifiedDerivation, derivation))
            g.add((derivation, RDF.type, PROV.Derivation))
            g.add((derivation, PROV.entity, uri))
            # prov:atTime is an xsd:dateTime: the start of the obtained day,
            # in the portal's time zone
            obtained_at = dt.datetime.combine(obtained, dt.time(), tzinfo=workdays.timezone())
            g.add((derivation, PROV.atTime,
                   Literal(obtained_at.isoformat(), datatype=XSD.dateTime)))

    def _referenced_by(self, dataset_dict: DataDict, dataset_ref: URIRef) -> None:
        """The public products built on a dataset, as ``dct:isReferencedBy``."""
        if not dataset_dict.get("id"):
            return
        try:
            products = tk.get_action("govshare_product_list")(
                {"ignore_auth": True},
                {"package_id": dataset_dict["id"], "limit": REFERENCED_BY_LIMIT})
        except (KeyError, tk.ObjectNotFound):  # products not wired in, or no dataset
            return
        for product in products["results"]:
            uri = CleanedURIRef(dataset_uri(product))
            self.g.add((dataset_ref, DCT.isReferencedBy, uri))
            self.g.add((uri, RDF.type, RDFS.Resource))

    def _point_at_application(self, dataset_dict: DataDict, dataset_ref: URIRef) -> None:
        """Distributions of a conditional dataset: the application page as
        ``dcat:accessURL``, and no file URL anywhere in the dataset's graph."""
        g = self.g
        apply_url = URIRef(publication.application_url(dataset_dict))
        for resource in dataset_dict.get("resources") or []:
            distribution = CleanedURIRef(resource_uri(resource))
            g.remove((distribution, DCAT.downloadURL, None))
            g.remove((distribution, DCAT.accessURL, None))
            g.add((distribution, DCAT.accessURL, apply_url))
        for distribution in g.objects(dataset_ref, DCAT.distribution):
            g.remove((distribution, DCAT.downloadURL, None))

        urls = publication.file_urls(dataset_dict)
        paths = publication.download_paths(dataset_dict)

        def leaks(term: Node) -> bool:
            text = str(term)
            return text in urls or any(path in text for path in paths)

        nodes = self._reachable(dataset_ref)
        for s, p, o in list(g.triples((None, None, None))):
            if (s in nodes and leaks(o)) or (leaks(s) and not isinstance(s, BNode)):
                g.remove((s, p, o))

    def _download_uploads(self, dataset_dict: DataDict) -> None:
        """A file uploaded to the portal is a direct download: its URL is
        also the distribution's ``dcat:downloadURL``."""
        for resource in dataset_dict.get("resources") or []:
            url = resource.get("url")
            if resource.get("url_type") == "upload" and url and not resource.get("download_url"):
                distribution = CleanedURIRef(resource_uri(resource))
                self.g.add((distribution, DCAT.downloadURL, URIRef(url)))

    def _reachable(self, start: Node) -> set[Node]:
        """``start`` and every node its triples lead to (its distributions,
        their blank nodes, ...)."""
        seen: set[Node] = set()
        todo = [start]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            todo.extend(o for o in self.g.objects(node, None)
                        if isinstance(o, (URIRef, BNode)) and o not in seen)
        return seen

    def _coverage(self, dataset_dict: DataDict, dataset_ref: URIRef) -> None:
        """The catalog's spatial coverage (free text, e.g. 全市) and temporal
        coverage (``temporal_coverage_start`` / ``_end``), unless a DCAT-AP
        field already gave them."""
        g = self.g
        spatial = publication.dataset_value(dataset_dict, "spatial_coverage")
        if isinstance(spatial, str) and spatial.strip() \
                and (dataset_ref, DCT.spatial, None) not in g:
            location = BNode()
            g.add((location, RDF.type, DCT.Location))
            g.add((location, SKOS.prefLabel, Literal(spatial.strip())))
            g.add((dataset_ref, DCT.spatial, location))

        start = publication.dataset_value(dataset_dict, "temporal_coverage_start")
        end = publication.dataset_value(dataset_dict, "temporal_coverage_end")
        if (start or end) and (dataset_ref, DCT.temporal, None) not in g:
            period = BNode()
            g.add((period, RDF.type, DCT.PeriodOfTime))
            if start:
                self._add_date_triple(period, DCAT.startDate, str(start))
            if end:
                self._add_date_triple(period, DCAT.endDate, str(end))
            g.add((dataset_ref, DCT.temporal, period))

    # -- catalog
    def graph_from_catalog(self, catalog_dict: dict[str, Any] | None,
                           catalog_ref: URIRef) -> None:
        g = self.g
        if (catalog_ref, DCT.description, None) not in g:
            description = tk.config.get("ckan.site_description") or tk.config.get(
                "ckan.site_title")
            g.add((catalog_ref, DCT.description, Literal(description)))

        if (catalog_ref, DCT.publisher, None) not in g:
            uri = tk.config.get(options.DCAT_PUBLISHER_URI)
            publisher = URIRef(uri) if uri else BNode()
            name = tk.config.get(options.DCAT_PUBLISHER_NAME) or tk.config.get(
                "ckan.site_title")
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, Literal(name)))
            email = tk.config.get(options.DCAT_PUBLISHER_EMAIL)
            if email:
                g.add((publisher, FOAF.mbox, URIRef(self._add_mailto(email))))
            g.add((catalog_ref, DCT.publisher, publisher))

        for homepage in g.objects(catalog_ref, FOAF.homepage):
            g.add((homepage, RDF.type, FOAF.Document))

        offered = tk.config.get("ckan.locales_offered") or []
        if isinstance(offered, str):
            offered = offered.split()
        languages = [uri for uri in (language_uri(code) for code in offered) if uri]
        if languages:
            g.remove((catalog_ref, DCT.language, None))
            for uri in dict.fromkeys(languages):
                g.add((catalog_ref, DCT.language, uri))
                g.add((uri, RDF.type, DCT.LinguisticSystem))
        else:
            self._as_nodes(catalog_ref, DCT.language, language_uri, DCT.LinguisticSystem)

    # -- helpers
    def _set_uri(self, subject: Node, predicate: URIRef, uri: URIRef, rdf_class: URIRef) -> None:
        self.g.remove((subject, predicate, None))
        self.g.add((subject, predicate, uri))
        self.g.add((uri, RDF.type, rdf_class))

    def _as_nodes(self, subject: Node, predicate: URIRef,
                  lookup: Callable[[str], URIRef | None], rdf_class: URIRef) -> None:
        """Replace bare strings DCAT-AP wants as resources: a known code by
        its URI, anything else by a blank node labelled with the string."""
        for value in list(self.g.objects(subject, predicate)):
            if isinstance(value, Literal):
                self.g.remove((subject, predicate, value))
                node: URIRef | BNode | None = lookup(str(value))
                if node is None:
                    node = BNode()
                    self.g.add((node, RDFS.label, value))
                self.g.add((subject, predicate, node))
                value = node
            self.g.add((value, RDF.type, rdf_class))


def _iana_media_type(value: str) -> URIRef | None:
    value = value.strip().lower()
    if value.count("/") == 1 and " " not in value:
        return URIRef(IANA_MEDIA_TYPES + value)
    return None

