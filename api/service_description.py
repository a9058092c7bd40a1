"""SPARQL 1.1 Service Description of the endpoint (returned for GET /sparql without a query)."""

from __future__ import annotations

import io

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from scholarkg.loader.settings import Settings
from scholarkg.queries.results import GRAPH_FORMATS, graph_media_type

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "N-Quads",
    "TriG",
    "JSON-LD",
    "RDF_XML",
)


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def service_description(endpoint: str, settings: Settings, fmt: str) -> tuple[bytes, str]:
    service = NamedNode(endpoint)
    dataset = BlankNode("dataset")
    default_graph = BlankNode("defaultGraph")
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(
            service,
            NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            Literal(
                f"ScholarKG SPARQL endpoint; default graph = the distinct union of the source pages, ontology and "
                f"taxonomy graphs (GRAPH ?g reaches each page's own statements); queries stop after "
                f"{settings.query_timeout:g} s; results are cut after {settings.max_rows} rows "
                f"(header X-Result-Truncated)."
            ),
        ),
    ]
    if settings.service_allowlist:  # SERVICE reaches only allow-listed endpoints: none, no federation
        triples.append(Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    if settings.update_token:
        triples.append(Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    for name in RESULT_FORMATS:
        triples.append(Triple(service, _sd("resultFormat"), NamedNode(FORMATS + name)))
    out = io.BytesIO()
    serialize(triples, out, GRAPH_FORMATS[fmt], prefixes={"sd": SD, "formats": FORMATS})
    return out.getvalue(), graph_media_type(fmt)
