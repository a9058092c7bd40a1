"""SHACL validation of the whole dataset (all page graphs + the taxonomy) with pyshacl."""

from __future__ import annotations

from dataclasses import dataclass

import rdflib
from pyoxigraph import RdfFormat
from pyshacl import validate

from scholarkg.loader.store import GraphStore
from scholarkg.ontology import ONTOLOGY_TTL, SHAPES_TTL


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def validate_store(store: GraphStore) -> ValidationReport:
    """Validate the default graph, the deduplicated union of the pages, ontology and taxonomy (pyshacl checks
    one graph; links into the taxonomy must resolve)."""
    data = rdflib.Graph()
    data.parse(
        data=store.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize(format=RdfFormat.N_TRIPLES),
        format="nt",
    )
    shapes = rdflib.Graph().parse(SHAPES_TTL, format="turtle")
    ontology = rdflib.Graph().parse(ONTOLOGY_TTL, format="turtle")
    conforms, results, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    violations = sum(
        1 for _ in results.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))
    )
    return ValidationReport(conforms=bool(conforms), violations=violations, text=str(text))
