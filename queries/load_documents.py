"""Fetch the document of an allowed `LOAD` with bounded cost, for the federation gateway (`queries/federation.py`).

pyoxigraph's own `LOAD <url>` would fetch any host, follow redirects, read without limit and quote a failing
answer in its error. So the gateway points each `LOAD` of an update at itself and, when pyoxigraph asks, fetches
the real document here and answers with what it parsed:

- the URL (and every redirect target: at most `MAX_REDIRECTS`, each checked against the allow-list before it is
  requested) must be under an allow-listed endpoint URL;
- at most `timeout` seconds for the whole fetch (connect, redirects, reading), at most `max_bytes` read;
- the media type picks the parser (Turtle, N-Triples, RDF/XML, N3, JSON-LD; an absent or generic type falls back
  to the URL's extension); anything else, a charset other than UTF-8, an XML DOCTYPE/ENTITY declaration (entity
  expansion), a document that does not parse or that expands to more than `max_triples` triples or
  `max_term_bytes` bytes of terms is a failure;
- the document is parsed with pyoxigraph (relative IRIs resolved against the document's own URL) and given back
  as N-Triples: pyoxigraph's LOAD then applies exactly those triples, in the update's own transaction and order.

A failure is a `LoadFailed` with a reason of ours, never the remote body.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from pyoxigraph import RdfFormat, parse

from scholarkg.queries.allowlist import BadEndpointError, Endpoint, parse_allowlist_entry, parse_endpoint

MAX_REDIRECTS = 5
N_TRIPLES = "application/n-triples"
ACCEPT = "text/turtle, application/n-triples, application/rdf+xml;q=0.9, application/ld+json;q=0.8, text/n3;q=0.7"
FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,  # the N-Triples type before RDF 1.1
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "text/n3": RdfFormat.N3,
    "application/n3": RdfFormat.N3,
}
_GENERIC = ("", "application/octet-stream", "binary/octet-stream")
_BY_EXTENSION = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "n3": RdfFormat.N3,
}
_REDIRECTS = (301, 302, 303, 307, 308)
_MEDIA = re.compile(r"[a-z0-9][a-z0-9.+_-]{0,60}/[a-z0-9][a-z0-9.+_-]{0,60}")
_XML_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)  # as api/rdf_uploads.py refuses


class LoadFailed(Exception):
    """The document could not be fetched or used; the message is a reason of ours (no remote body)."""


@dataclass(frozen=True)
class LoadLimits:
    timeout: float  # seconds for the whole fetch (settings.service_timeout)
    max_bytes: int  # bytes read (settings.service_max_bytes)
    max_triples: int  # triples the document may expand to (settings.max_upload_quads)
    max_term_bytes: int  # bytes of terms it may expand to (settings.max_upload_parsed_bytes)


def allowed(url: str, allowlist: Iterable[str | Endpoint]) -> bool:
    try:
        target = parse_endpoint(url)
    except BadEndpointError:
        return False
    entries = (e if isinstance(e, Endpoint) else parse_allowlist_entry(e) for e in allowlist)
    return any(entry.allows(target) for entry in entries)


def fetch_document(client: httpx.Client, url: str, allowlist: Iterable[str | Endpoint], limits: LoadLimits) -> bytes:
    """The document at `url` as N-Triples (parsed and re-serialized), or LoadFailed."""
    allowlist = list(allowlist)
    deadline = time.monotonic() + limits.timeout
    try:
        data, media, final = _download(client, url, allowlist, limits, deadline)
    except httpx.TimeoutException:
        raise LoadFailed(f"no answer within {limits.timeout:g} s") from None
    except httpx.HTTPError as error:
        raise LoadFailed(f"could not be reached ({type(error).__name__})") from None
    rdf_format = _format(media, final)
    return _triples(data, rdf_format, final, limits)


def _download(
    client: httpx.Client, url: str, allowlist: list[str | Endpoint], limits: LoadLimits, deadline: float
) -> tuple[bytes, str, str]:
    """(body, media type with parameters, final URL) after at most MAX_REDIRECTS allow-listed redirects."""
    for hop in range(MAX_REDIRECTS + 1):
        if not allowed(url, allowlist):  # the first URL too: the guard decided, the gateway checks again
            raise LoadFailed("it redirects to a URL outside the allow-list (not followed)" if hop else "not allowed")
        with client.stream("GET", url, headers={"Accept": ACCEPT}) as response:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise LoadFailed(f"HTTP {response.status_code} without a Location")
                url = urljoin(url, location)
                continue
            if response.status_code != 200:
                raise LoadFailed(f"HTTP {response.status_code}")
            raw = bytearray()
            for chunk in response.iter_bytes():
                raw.extend(chunk)
                if len(raw) > limits.max_bytes:
                    raise LoadFailed(f"the document is larger than {limits.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise LoadFailed(f"no answer within {limits.timeout:g} s")
            return bytes(raw), response.headers.get("content-type", ""), url
    raise LoadFailed(f"more than {MAX_REDIRECTS} redirects")


def _format(content_type: str, url: str) -> RdfFormat:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise LoadFailed("the document is not UTF-8")
    if media in FORMATS:
        return FORMATS[media]
    if media in _GENERIC:
        extension = urlsplit(url).path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if extension in _BY_EXTENSION:
            return _BY_EXTENSION[extension]
    readable = ", ".join(sorted(FORMATS))
    if media in _GENERIC:
        raise LoadFailed(f"it has no RDF content type ({readable}) and its URL no RDF file extension")
    shown = repr(media) if _MEDIA.fullmatch(media) else "an unusable one"
    raise LoadFailed(f"its content type {shown} is not an RDF format LOAD reads ({readable})")


def _triples(data: bytes, rdf_format: RdfFormat, base: str, limits: LoadLimits) -> bytes:
    if rdf_format == RdfFormat.RDF_XML and (b"\x00" in data or _XML_DECLARATION.search(data)):
        raise LoadFailed("the RDF/XML document has a DOCTYPE or ENTITY declaration or is not UTF-8 (refused)")
    out: list[str] = []
    size = 0
    try:
        for triple in parse(data, rdf_format, base_iri=base, without_named_graphs=True):
            line = f"{triple.subject} {triple.predicate} {triple.object} .\n"
            size += len(line)
            if len(out) >= limits.max_triples or size > limits.max_term_bytes:
                raise LoadFailed(
                    f"the document expands to more than {limits.max_triples} triples "
                    f"or {limits.max_term_bytes} bytes of terms"
                )
            out.append(line)
    except (SyntaxError, ValueError, OSError):  # (JSON-LD: a remote @context is never fetched)
        raise LoadFailed(f"the document does not parse as {rdf_format.name}") from None
    return "".join(out).encode()
