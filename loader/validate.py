"""SHACL validation of the whole dataset (all page graphs + the taxonomy) with pyshacl."""

from __future__ import annotations

import io
from dataclasses import dataclass

import rdflib
from pyoxigraph import RdfFormat, serialize
from pyshacl import validate

from scholarkg.loader.backend import StoreBackend
from scholarkg.ontology import ONTOLOGY_TTL, SHAPES_TTL


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def validate_store(store: StoreBackend) -> ValidationReport:
    """Validate the facts that queries see: the deduplicated union of the pages, ontology and taxonomy (pyshacl
    checks one graph; links into the taxonomy must resolve)."""
    data = rdflib.Graph()
    view = io.BytesIO()
    serialize(store.view_triples(), view, RdfFormat.N_TRIPLES)
    data.parse(data=view.getvalue(), format="nt")
    shapes = rdflib.Graph().parse(SHAPES_TTL, format="turtle")
    ontology = rdflib.Graph().parse(ONTOLOGY_TTL, format="turtle")
    conforms, results, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    violations = sum(
        1 for _ in results.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))
    )
    return ValidationReport(conforms=bool(conforms), violations=violations, text=str(text))
