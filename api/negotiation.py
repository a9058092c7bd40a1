"""Content negotiation: one pure function over tables of what each resource can produce.

`negotiate(accept, offers)` returns the offered media type the client prefers (RFC 9110 §12.5.1: q-values,
`type/*`, `*/*`, more specific ranges win), ties going to the server's order; None when nothing fits (406).
"""

from __future__ import annotations

from collections.abc import Sequence

# Tables: media type → internal format name, in the server's order of preference.
SOLUTIONS: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
GRAPHS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/plain": "ntriples",
    "application/x-turtle": "turtle",
}
# One graph of the Graph Store Protocol: every RDF syntax that holds triples (JSON-LD does; N-Quads and TriG
# are dataset syntaxes).
GRAPH_STORE: dict[str, str] = {media: name for media, name in GRAPHS.items() if name not in ("nquads", "trig")}
ROWS: dict[str, str] = {
    "application/json": "rows",
    "application/sparql-results+json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/sparql-results+xml": "xml",
}
ENTITY: dict[str, str] = {
    "text/html": "html",
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/xhtml+xml": "html",
    "application/json": "jsonld",
}
# A query's kind is known only once it is parsed; each kind's answer when the Accept header names only
# formats of the other kind (as Fuseki and Oxigraph server do: roqet asks CONSTRUCT for SPARQL XML, rdflib's
# SPARQLStore(returnFormat="json") asks CONSTRUCT for SPARQL JSON).
DEFAULT_SOLUTION_FORMAT = "json"
DEFAULT_GRAPH_FORMAT = "turtle"


def _parse(accept: str) -> list[tuple[str, str, float, int]]:
    ranges: list[tuple[str, str, float, int]] = []
    for index, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q, index))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, str, float, int]]) -> float:
    main, _, sub = offer.lower().partition("/")
    best: tuple[int, float] | None = None  # (specificity, q)
    for r_main, r_sub, q, _ in ranges:
        if r_main == main and r_sub == sub:
            specificity = 2
        elif r_main == main and r_sub == "*":
            specificity = 1
        elif r_main == "*" and r_sub == "*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return best[1] if best else 0.0


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The best of `offers` for this Accept header; the first offer when there is no header."""
    if not offers:
        return None
    if accept is None or not accept.strip():
        return offers[0]
    ranges = _parse(accept)
    if not ranges:
        return offers[0]
    scored = [(_quality(offer, ranges), -position, offer) for position, offer in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None


def negotiate_format(accept: str | None, table: dict[str, str]) -> str | None:
    media = negotiate(accept, list(table))
    return table[media] if media else None


def negotiate_query(accept: str | None) -> tuple[str, str] | None:
    """(result format for SELECT/ASK, RDF format for CONSTRUCT/DESCRIBE) for one Accept header.

    Lenient: an Accept that names only SPARQL result formats still gets Turtle for a graph result, and one
    that names only RDF formats gets SPARQL JSON for a solution result. None (406) when it names neither.
    """
    solution = negotiate_format(accept, SOLUTIONS)
    graph = negotiate_format(accept, GRAPHS)
    if solution is None and graph is None:
        return None
    return solution or DEFAULT_SOLUTION_FORMAT, graph or DEFAULT_GRAPH_FORMAT


def prefers_html(accept: str | None) -> bool:
    """True when a browser-like client ranks HTML above the machine formats."""
    return negotiate(accept, ["text/html", "text/turtle", "application/sparql-results+json"]) == "text/html" and (
        accept is not None and "html" in accept.lower()
    )
