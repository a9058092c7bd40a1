"""Parse an uploaded RDF body with bounded cost: no XML entity declarations, and a cap on what it expands to.

- XML-bearing formats (RDF/XML; TriX and any `…+xml` / `…/xml` type) are refused, before any parser sees them,
  when they contain a document type declaration or an entity declaration (`<!DOCTYPE`, `<!ENTITY`, any case):
  an internal entity that nests others ("billion laughs") turns a few hundred bytes into gigabytes. They must
  be UTF-8 with no other `encoding=` declared (another encoding would hide the declaration from this check).
- Every upload is parsed lazily and stops with 413 `upload-too-large` once it has produced more than
  `max_upload_quads` quads or more than `max_upload_parsed_bytes` bytes of terms (a Turtle prefix of a
  megabyte used a million times is a small body and a huge graph).

JSON-LD remote contexts are never fetched (pyoxigraph has no document loader set: such an upload is a 400).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse

from scholarkg.api.errors import ApiError

Graph = NamedNode | DefaultGraph
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def is_xml_media(media: str, rdf_format: RdfFormat | None = None) -> bool:
    return rdf_format == RdfFormat.RDF_XML or media.endswith(("+xml", "/xml"))


def refuse_xml_declarations(data: bytes, media: str) -> None:
    """400 `xml-declarations-refused` for a DOCTYPE / ENTITY declaration; 415 for a non-UTF-8 XML body."""
    if b"\x00" in data or data.startswith((b"\xfe\xff", b"\xff\xfe")):
        raise ApiError(415, "unsupported-charset", f"the {media} body must be UTF-8 (it looks like UTF-16/32)")
    declared = _ENCODING.search(data[:1024])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise ApiError(
            415,
            "unsupported-charset",
            f"the {media} body declares encoding {declared.group(1).decode(errors='replace')!r}; send UTF-8",
        )
    match = _DECLARATION.search(data)
    if match is not None:
        line = data[: match.start()].count(b"\n") + 1
        raise ApiError(
            400,
            "xml-declarations-refused",
            f"the {media} body has a document type or entity declaration (line {line}); "
            "DOCTYPE and ENTITY declarations are not accepted (entity expansion)",
            line=line,
        )


def bounded_quads(triples: Iterable[object], graph: Graph, *, max_quads: int, max_bytes: int, media: str) -> list[Quad]:
    out: list[Quad] = []
    size = 0
    for triple in triples:
        subject, predicate, obj = triple.subject, triple.predicate, triple.object  # type: ignore[attr-defined]
        size += len(str(subject)) + len(str(predicate)) + len(str(obj))
        if len(out) >= max_quads or size > max_bytes:
            raise ApiError(
                413,
                "upload-too-large",
                f"the {media} body expands to more than {max_quads} triples or {max_bytes} bytes of terms; "
                "split it into smaller uploads",
            )
        out.append(Quad(subject, predicate, obj, graph))
    return out


def parse_upload(
    data: bytes,
    media: str,
    rdf_format: RdfFormat,
    graph: Graph,
    base_iri: str | None,
    *,
    max_quads: int,
    max_bytes: int,
) -> list[Quad]:
    """The body's triples as quads in `graph`; every refusal is an ApiError (400/413/415)."""
    if is_xml_media(media, rdf_format):
        refuse_xml_declarations(data, media)
    try:
        return bounded_quads(
            parse(data, rdf_format, base_iri=base_iri), graph, max_quads=max_quads, max_bytes=max_bytes, media=media
        )
    except SyntaxError as error:
        raise ApiError.bad_request(f"the {media} body does not parse: {error}", code="bad-rdf") from None
