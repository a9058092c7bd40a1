"""SPARQL result serialisation with row and byte caps (JSON, XML, CSV, TSV; RDF via pyoxigraph).

Written here rather than through `QuerySolutions.serialize` so a result can be cut after n rows or
bytes and still be a complete, valid document that says it was cut.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal as TypingLiteral
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

ResultKind = TypingLiteral["select", "ask", "graph"]
Term = NamedNode | BlankNode | Literal | Triple
Row = Sequence[Term | None]

SOLUTION_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def graph_media_type(name: str) -> str:
    media = GRAPH_FORMATS[name].media_type
    return "application/n-triples" if name == "ntriples" else media


@dataclass(frozen=True)
class Serialized:
    body: bytes
    media_type: str
    rows: int
    truncated: bool


# -- terms ----------------------------------------------------------------------------------------
def term_json(term: Term) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def term_plain(term: Term | None) -> str:
    """CSV form: IRIs and literal lexical forms bare, blank nodes as _:id."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def term_xml(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{term_xml(term.subject)}</subject><predicate>{term_xml(term.predicate)}</predicate>"
        f"<object>{term_xml(term.object)}</object></triple>"
    )


# -- documents ------------------------------------------------------------------------------------
class _Budget:
    """Accepts chunks until the byte cap would be passed."""

    def __init__(self, max_bytes: int, reserve: int) -> None:
        self.left = max_bytes - reserve
        self.parts: list[bytes] = []

    def take(self, chunk: bytes) -> bool:
        if len(chunk) > self.left:
            return False
        self.left -= len(chunk)
        self.parts.append(chunk)
        return True


def serialize_solutions(
    variables: Sequence[str], rows: Iterable[Row], fmt: str, *, max_rows: int, max_bytes: int
) -> Serialized:
    """Serialize SELECT rows; cut after `max_rows` rows or before passing `max_bytes`."""
    head, row_bytes, tail = _SOLUTION_WRITERS[fmt](variables)
    budget = _Budget(max_bytes, len(head) + len(tail(True)))
    count = 0
    truncated = False
    for row in rows:
        if count >= max_rows:
            truncated = True
            break
        if not budget.take(row_bytes(row, count == 0)):
            truncated = True
            break
        count += 1
    body = head + b"".join(budget.parts) + tail(truncated)
    return Serialized(body, SOLUTION_FORMATS[fmt], count, truncated)


def serialize_boolean(value: bool, fmt: str) -> Serialized:
    if fmt == "json":
        body = json.dumps({"head": {}, "boolean": value}).encode()
    elif fmt == "xml":
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    else:
        # Jena's convention (ResultSetWriterCSV/TSV, read back by its readers and by rdflib's CSV/TSV result
        # parsers as one row): a header naming the `_askResult` column, then the value; CSV ends lines with
        # CRLF (RFC 4180), TSV with LF like every TSV result here.
        header, newline = ("_askResult", "\r\n") if fmt == "csv" else ("?_askResult", "\n")
        body = f"{header}{newline}{'true' if value else 'false'}{newline}".encode()
    return Serialized(body, SOLUTION_FORMATS[fmt], 1, False)


def serialize_graph(triples: Iterable[Triple], fmt: str, *, max_rows: int, prefixes: dict[str, str]) -> Serialized:
    """Serialize CONSTRUCT/DESCRIBE triples, at most `max_rows` of them."""
    kept: list[Triple] = []
    truncated = False
    for triple in triples:
        if len(kept) >= max_rows:
            truncated = True
            break
        kept.append(triple)
    out = io.BytesIO()
    rdf_format = GRAPH_FORMATS[fmt]
    serialize(kept, out, rdf_format, prefixes=prefixes if rdf_format is not RdfFormat.N_TRIPLES else None)
    return Serialized(out.getvalue(), graph_media_type(fmt), len(kept), truncated)


def _json_writer(variables: Sequence[str]):  # type: ignore[no-untyped-def]
    head = ('{"head":{"vars":' + json.dumps(list(variables)) + '},"results":{"bindings":[').encode()

    def row(values: Row, first: bool) -> bytes:
        binding = {v: term_json(t) for v, t in zip(variables, values, strict=True) if t is not None}
        return (b"" if first else b",") + json.dumps(binding, ensure_ascii=False, separators=(",", ":")).encode()

    def tail(truncated: bool) -> bytes:
        return b"]}" + (b',"truncated":true' if truncated else b"") + b"}"

    return head, row, tail


def _xml_writer(variables: Sequence[str]):  # type: ignore[no-untyped-def]
    names = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    head = (
        f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{names}</head><results>'
    ).encode()

    def row(values: Row, first: bool) -> bytes:
        del first
        cells = "".join(
            f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>"
            for v, t in zip(variables, values, strict=True)
            if t is not None
        )
        return f"<result>{cells}</result>".encode()

    def tail(truncated: bool) -> bytes:
        return b"</results></sparql>\n" if not truncated else b"</results><!-- truncated --></sparql>\n"

    return head, row, tail


def _csv_line(cells: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().encode()


def _csv_writer(variables: Sequence[str]):  # type: ignore[no-untyped-def]
    def row(values: Row, first: bool) -> bytes:
        del first
        return _csv_line([term_plain(t) for t in values])

    return _csv_line(list(variables)), row, lambda truncated: b""


def _tsv_cell(term: Term | None) -> str:
    return "" if term is None else str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _tsv_writer(variables: Sequence[str]):  # type: ignore[no-untyped-def]
    head = ("\t".join(f"?{v}" for v in variables) + "\n").encode()

    def row(values: Row, first: bool) -> bytes:
        del first
        return ("\t".join(_tsv_cell(t) for t in values) + "\n").encode()

    return head, row, lambda truncated: b""


_SOLUTION_WRITERS = {"json": _json_writer, "xml": _xml_writer, "csv": _csv_writer, "tsv": _tsv_writer}
