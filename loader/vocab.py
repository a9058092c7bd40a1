"""RDF namespaces and the local ontology terms ScholarKG writes.

Every `SKG` term used by the loader is declared (label + comment) in `ontology/scholarkg.ttl`;
`tests/test_ontology.py` checks that the two agree.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

SCHEMA = "http://schema.org/"
SKG = "https://w3id.org/scholarkg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/scholarkg/ontology"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"

PREFIXES: dict[str, str] = {
    "schema": SCHEMA,
    "skg": SKG,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for query texts."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


class _Namespace:
    def __init__(self, base: str) -> None:
        self._base = base

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = NamedNode(self._base + name)
        setattr(self, name, node)  # the next `ns.name` is a plain attribute (the mapper asks ~300 times a page)
        return node

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self._base + name)


schema = _Namespace(SCHEMA)
skg = _Namespace(SKG)
skos = _Namespace(SKOS)
prov = _Namespace(PROV)
dcterms = _Namespace(DCTERMS)
foaf = _Namespace(FOAF)
rdf = _Namespace(RDF)
rdfs = _Namespace(RDFS)
xsd = _Namespace(XSD)

RDF_TYPE = rdf.type

# Local classes and properties (the ontology file documents each one).
SKG_CLASSES = (
    "SourcePage",
    "PageEntry",
    "Authorship",
    "VenueSeries",
    "VenueEdition",
    "MetricObservation",
    # links graph (linking/)
    "Link",
    "LinkEvidence",
    "LinkSource",
    # co-author index (loader/coauthors.py), graph {base}id/graph/coauthors
    "CoauthorPair",
    "AuthorCategoryCount",
)
SKG_PROPERTIES = (
    # source page
    "fileName",
    "pageFormat",
    "sha256",
    "retrievedOn",
    "loaderVersion",
    "entryCount",
    "declaredPaperCount",
    "authorRowCount",
    "listingDate",
    # page entry
    "entry",
    "entryOf",
    "entryIndex",
    "describes",
    "authorListComplete",
    "authorCount",
    "trendingScore",
    "upvotes",
    "authorship",
    # authorship
    "position",
    "printedName",
    "person",
    # paper
    "hasCode",
    "presentedAt",
    "publicationType",
    "normalizedTitle",
    # person
    "homonymNumber",
    "normalizedName",
    "primaryCategory",
    # venue
    "venueType",
    "year",
    # metrics (values of schema:measuredProperty)
    "hIndex",
    "paperCount",
    "citationCount",
    "noveltyPercent",
    "aiScore",
    # links graph (linking/): reified link statements and their evidence
    "score",
    "method",
    "status",
    "linkKind",
    "decidedAt",
    "evidence",
    "evidenceKind",
    "evidenceEntity",
    "evidenceText",
    "ordinal",
    "line",
    # co-author index (loader/coauthors.py)
    "pairAuthor",
    "pairCoauthor",
    "coauthor",
    "jointPapers",
    "countedAuthor",
    "countedCategory",
    "categoryPapers",
)
