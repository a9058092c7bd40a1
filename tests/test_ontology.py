"""The ontology, the SHACL shapes and the arXiv taxonomy agree with `loader.vocab` and with each other."""

from __future__ import annotations

import pyshacl
import pytest
from pyoxigraph import RdfFormat, serialize
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from scholarkg.loader import vocab
from scholarkg.ontology import ONTOLOGY_TTL, SHAPES_TTL, TAXONOMY_TTL
from scholarkg.ontology.taxonomy import DEFAULT_BASE, resolve_code, taxonomy_triples

SKG = Namespace(vocab.SKG)
SCHEMA = Namespace(vocab.SCHEMA)
PROV = Namespace(vocab.PROV)
FOAF = Namespace(vocab.FOAF)
XSD = Namespace(vocab.XSD)  # a plain Namespace: rdflib.namespace.XSD warns when pytest inspects it
ONTOLOGY = URIRef(vocab.ONTOLOGY_IRI)
GROUP, ARCHIVE, CATEGORY = (Namespace(f"{DEFAULT_BASE}id/{kind}/") for kind in ("group", "archive", "category"))
SCHEME = URIRef(f"{DEFAULT_BASE}id/scheme/arxiv")
SKG_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)

REUSED_TERMS = (
    SCHEMA.ScholarlyArticle, SCHEMA.Person, SCHEMA.Organization, SCHEMA.Observation, SCHEMA.EventSeries,
    SCHEMA.Event, SCHEMA.name, SCHEMA.abstract, SCHEMA.datePublished, SCHEMA.author, SCHEMA.about,
    SCHEMA.sourceOrganization, SCHEMA.codeRepository, SCHEMA.identifier, SCHEMA.superEvent,
    SCHEMA.observationAbout, SCHEMA.measuredProperty, SCHEMA.value, SCHEMA.observationDate,
    SKOS.Concept, SKOS.notation, PROV.wasDerivedFrom, FOAF.primaryTopic,
)  # fmt: skip


def _english(graph: Graph, term: Node, predicate: URIRef) -> list[str]:
    return [str(o) for o in graph.objects(term, predicate) if isinstance(o, Literal) and o.language == "en"]


def _fresh_taxonomy() -> Graph:
    ntriples = serialize(taxonomy_triples(DEFAULT_BASE), format=RdfFormat.N_TRIPLES)
    assert ntriples is not None
    return Graph().parse(data=ntriples.decode("utf-8"), format="nt")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_TTL, format="turtle")


@pytest.fixture(scope="module")
def taxonomy() -> Graph:
    return _fresh_taxonomy()


# --- ontology -------------------------------------------------------------------------------------------


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert list(ontology.objects(ONTOLOGY, OWL.versionInfo)) == [Literal("0.1.0")]
    assert list(ontology.objects(ONTOLOGY, DCTERMS.license)) == [URIRef("https://opensource.org/licenses/MIT")]
    assert _english(ontology, ONTOLOGY, DCTERMS.title) == ["ScholarKG ontology"]
    assert _english(ontology, ONTOLOGY, RDFS.comment)
    assert [o.datatype for o in ontology.objects(ONTOLOGY, DCTERMS.created)] == [XSD.date]


@pytest.mark.parametrize("name", vocab.SKG_CLASSES)
def test_vocab_class_is_declared(ontology: Graph, name: str) -> None:
    assert (SKG[name], RDF.type, OWL.Class) in ontology
    assert len(_english(ontology, SKG[name], RDFS.label)) == 1
    assert len(_english(ontology, SKG[name], RDFS.comment)) == 1


@pytest.mark.parametrize("name", vocab.SKG_PROPERTIES)
def test_vocab_property_is_declared(ontology: Graph, name: str) -> None:
    types = set(ontology.objects(SKG[name], RDF.type))
    assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}
    assert len(_english(ontology, SKG[name], RDFS.label)) == 1
    assert len(_english(ontology, SKG[name], RDFS.comment)) == 1


def test_declared_skg_terms_are_documented_and_match_vocab(ontology: Graph) -> None:
    classes = {s for s in ontology.subjects(RDF.type, OWL.Class) if str(s).startswith(vocab.SKG)}
    properties = {s for t in SKG_PROPERTY_TYPES for s in ontology.subjects(RDF.type, t) if str(s).startswith(vocab.SKG)}
    for term in classes | properties:
        assert _english(ontology, term, RDFS.label), term
        assert _english(ontology, term, RDFS.comment), term
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in ontology, term
    assert classes == {SKG[n] for n in vocab.SKG_CLASSES}
    assert properties == {SKG[n] for n in vocab.SKG_PROPERTIES}


def test_model_axioms(ontology: Graph) -> None:
    assert set(ontology.objects(SKG.SourcePage, RDFS.subClassOf)) == {PROV.Entity, FOAF.Document}
    assert set(ontology.objects(SKG.PageEntry, RDFS.subClassOf)) == {PROV.Entity}
    assert set(ontology.objects(SKG.Authorship, RDFS.subClassOf)) == {PROV.Attribution}
    assert set(ontology.objects(SKG.VenueSeries, RDFS.subClassOf)) == {SCHEMA.EventSeries}
    assert set(ontology.objects(SKG.VenueEdition, RDFS.subClassOf)) == {SCHEMA.Event}
    assert set(ontology.objects(SKG.MetricObservation, RDFS.subClassOf)) == {SCHEMA.Observation}
    assert (SKG.entryOf, OWL.inverseOf, SKG.entry) in ontology
    assert (SKG.person, RDFS.range, SCHEMA.Person) in ontology
    assert (SKG.year, RDFS.range, XSD.gYear) in ontology
    for metric in ("hIndex", "paperCount", "citationCount", "noveltyPercent", "aiScore"):
        assert {RDF.Property, OWL.DatatypeProperty} <= set(ontology.objects(SKG[metric], RDF.type))


@pytest.mark.parametrize("term", REUSED_TERMS, ids=str)
def test_reused_term_is_documented(ontology: Graph, term: URIRef) -> None:
    assert _english(ontology, term, RDFS.label)
    assert _english(ontology, term, RDFS.comment)
    (defined_by,) = ontology.objects(term, RDFS.isDefinedBy)
    assert str(term).startswith(str(defined_by))


# --- shapes ---------------------------------------------------------------------------------------------


def test_shapes_target_every_class(shapes: Graph) -> None:
    targets = {o for s in shapes.subjects(RDF.type, SH.NodeShape) for o in shapes.objects(s, SH.targetClass)}
    expected = {SKG[n] for n in vocab.SKG_CLASSES}
    expected |= {SCHEMA.ScholarlyArticle, SCHEMA.Person, SCHEMA.Organization, SKOS.Concept}
    assert expected <= targets


# --- taxonomy -------------------------------------------------------------------------------------------


def _concepts(taxonomy: Graph, namespace: Namespace) -> set[Node]:
    return {s for s in taxonomy.subjects(RDF.type, SKOS.Concept) if str(s).startswith(str(namespace))}


def test_taxonomy_counts(taxonomy: Graph) -> None:
    categories = _concepts(taxonomy, CATEGORY)
    deprecated = set(taxonomy.subjects(OWL.deprecated, Literal(True)))
    assert len(_concepts(taxonomy, GROUP)) == 8
    assert len(_concepts(taxonomy, ARCHIVE)) == 39
    assert len(categories) == 177
    assert len(categories - deprecated) == 155
    assert len(set(taxonomy.subjects(RDF.type, SKOS.Concept))) == 8 + 39 + 177
    assert set(taxonomy.objects(SCHEME, SKOS.hasTopConcept)) == _concepts(taxonomy, GROUP)


def test_taxonomy_machine_learning(taxonomy: Graph) -> None:
    lg = CATEGORY["cs.LG"]
    assert set(taxonomy.objects(lg, SKOS.prefLabel)) == {Literal("Machine Learning", lang="en")}
    assert set(taxonomy.objects(lg, SKOS.notation)) == {Literal("cs.LG")}
    assert set(taxonomy.objects(lg, SKOS.broader)) == {ARCHIVE.cs}
    assert (ARCHIVE.cs, SKOS.narrower, lg) in taxonomy
    assert set(taxonomy.objects(ARCHIVE.cs, SKOS.broader)) == {GROUP.grp_cs}
    assert (GROUP.grp_cs, SKOS.topConceptOf, SCHEME) in taxonomy
    assert (lg, SKOS.inScheme, SCHEME) in taxonomy
    assert (lg, OWL.deprecated, None) not in taxonomy


def test_taxonomy_aliases_and_shared_ids(taxonomy: Graph) -> None:
    assert set(taxonomy.objects(CATEGORY["cs.NA"], SKOS.exactMatch)) == {CATEGORY["math.NA"]}
    assert set(taxonomy.objects(CATEGORY["stat.TH"], SKOS.exactMatch)) == {CATEGORY["math.ST"]}
    assert set(taxonomy.objects(ARCHIVE["cmp-lg"], DCTERMS.isReplacedBy)) == {CATEGORY["cs.CL"]}
    assert set(taxonomy.objects(CATEGORY["quant-ph"], SKOS.broader)) == {ARCHIVE["quant-ph"]}
    assert set(taxonomy.objects(ARCHIVE["quant-ph"], SKOS.broader)) == {GROUP.grp_physics}
    # The TSV's `bad-arch` archive names an undefined group `grp_bad`: no dangling link is made.
    assert set(taxonomy.objects(ARCHIVE["bad-arch"], SKOS.broader)) == set()
    # The eess.SP description is CSV-quoted in the TSV, with doubled inner quotes.
    (definition,) = taxonomy.objects(CATEGORY["eess.SP"], SKOS.definition)
    assert isinstance(definition, Literal) and definition.language == "en"
    assert str(definition).startswith("Theory, algorithms,") and 'The term "signal" includes' in definition


def test_committed_taxonomy_is_current(taxonomy: Graph) -> None:
    committed = Graph().parse(TAXONOMY_TTL, format="turtle")
    assert isomorphic(committed, taxonomy), "regenerate with: python -m scholarkg.ontology.taxonomy"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("LG", "cs.LG"),
        ("lg", "cs.LG"),
        ("SP", "eess.SP"),
        ("QUANT-PH", "quant-ph"),
        ("CV", "cs.CV"),
        ("AI", "cs.AI"),
        ("CR", "cs.CR"),
        ("ML", "stat.ML"),
        ("cs.LG", "cs.LG"),
        ("NA", "math.NA"),  # cs.NA is an alias of math.NA
        ("SY", "eess.SY"),  # cs.SY is an alias of eess.SY
        ("XYZ", None),
        ("", None),
    ],
)
def test_resolve_code(code: str, expected: str | None) -> None:
    assert resolve_code(code) == expected


# --- validation -----------------------------------------------------------------------------------------

EXAMPLE = """
@prefix schema: <http://schema.org/> .
@prefix skg: <https://w3id.org/scholarkg/ontology#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/scholarkg/id/> .

ex:page a skg:SourcePage ; skg:fileName "yao-lu.md" ; skg:pageFormat "author-profile" ;
    skg:sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    skg:retrievedOn "2025-11-20"^^xsd:date ; skg:loaderVersion "0.1.0" ; skg:entryCount 1 ;
    skg:declaredPaperCount 247 ; foaf:primaryTopic ex:yao ; skg:entry ex:entry .
ex:entry a skg:PageEntry ; skg:entryOf ex:page ; skg:entryIndex 1 ; skg:describes ex:paper ;
    skg:authorListComplete false ; skg:authorCount 7 ; skg:trendingScore 12.5 ; skg:upvotes 3 ;
    skg:authorship ex:authorship .
ex:authorship a skg:Authorship ; skg:position 1 ; skg:printedName "Yao Lu 0006" ; skg:person ex:yao .
ex:yao a schema:Person ; schema:name "Yao Lu" ; skg:homonymNumber "0006" ; skg:normalizedName "yao lu" ;
    skg:primaryCategory <https://w3id.org/scholarkg/id/category/cs.LG> .
ex:paper a schema:ScholarlyArticle ; schema:name "A  Paper" ; skg:normalizedTitle "a paper" ;
    schema:abstract "Code: https://github.com/x/y" ; schema:datePublished "2025"^^xsd:gYear ;
    schema:author ex:yao ; schema:about <https://w3id.org/scholarkg/id/category/cs.LG> ;
    schema:sourceOrganization ex:eth ; schema:codeRepository <https://github.com/x/y> ; skg:hasCode true ;
    skg:presentedAt ex:neurips-2025 ; skg:publicationType "Conference Paper" .
ex:eth a schema:Organization ; schema:identifier "eth-zurich" .
ex:neurips a skg:VenueSeries ; schema:name "NeurIPS" ; skg:venueType "Conference" .
ex:neurips-2025 a skg:VenueEdition ; schema:name "NeurIPS 2025" ; schema:superEvent ex:neurips ;
    skg:year "2025"^^xsd:gYear .
ex:metric a skg:MetricObservation ; schema:observationAbout ex:yao ; schema:measuredProperty skg:hIndex ;
    schema:value 42 ; schema:observationDate "2025-11-20"^^xsd:date ; prov:wasDerivedFrom ex:page .
"""

BROKEN = """
@prefix schema: <http://schema.org/> .
@prefix skg: <https://w3id.org/scholarkg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/scholarkg/id/> .

ex:paper schema:datePublished "2025-11-20T00:00:00"^^xsd:dateTime .
ex:metric schema:measuredProperty skg:followers .
ex:authorship2 a skg:Authorship ; skg:position 1 ; skg:printedName "Someone" ; skg:person ex:nobody .
ex:entry skg:authorship ex:authorship2 .
"""


def _validate(data: Graph, shapes: Graph, ontology: Graph, inference: str) -> tuple[bool, set[Node]]:
    """Whether `data` conforms, and the focus and value nodes of every result."""
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference=inference)
    assert isinstance(report, Graph)
    flagged = {o for p in (SH.focusNode, SH.value) for o in report.objects(None, p)}
    return bool(conforms), flagged


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_taxonomy_conforms_to_shapes(taxonomy: Graph, shapes: Graph, ontology: Graph, inference: str) -> None:
    assert _validate(taxonomy, shapes, ontology, inference) == (True, set())


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_example_conforms_and_breakage_is_caught(
    taxonomy: Graph, shapes: Graph, ontology: Graph, inference: str
) -> None:
    data = Graph()
    data += taxonomy
    data.parse(data=EXAMPLE, format="turtle")
    assert _validate(data, shapes, ontology, inference) == (True, set())
    data.parse(data=BROKEN, format="turtle")
    ex = Namespace(f"{DEFAULT_BASE}id/")
    conforms, flagged = _validate(data, shapes, ontology, inference)
    assert not conforms
    # Two datePublished (one a dateTime), two measuredProperty (one unknown), two authorships at position 1,
    # and ex:nobody: not a schema:Person without inference, a schema:Person without a name with it.
    assert {ex.paper, ex.metric, ex.entry} <= flagged
    assert ex.nobody in flagged
    assert {ex.page, ex.authorship, ex.yao, ex["neurips-2025"], ex.eth} & flagged == set()
