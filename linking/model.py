"""The links graph as records: a `Link` (one reified statement) with its `Evidence` and `LinkSource`.

The contract (README "Linking"): every link lives in the named graph `{base}id/graph/links`.

    <local> owl:sameAs <external> .            # accepted
    <local> skos:closeMatch <other> .          # candidate (still under review); rejected: neither
    <{base}id/link/{id}> a rdf:Statement, skg:Link ;
        rdf:subject <local> ; rdf:predicate owl:sameAs|skos:closeMatch ; rdf:object <other> ;
        skg:score 0.97 ; skg:method "identifier" ; skg:status "accepted" ; skg:linkKind "person" ;
        skg:evidence <{base}id/link/{id}/evidence/1>, … ;   # one or more
        prov:generatedAtTime "…"^^xsd:dateTime ; [skg:decidedAt "…"^^xsd:dateTime] ;
        prov:wasDerivedFrom <{base}id/linksource/{sha256[:16]}> | <a source page graph> .
    <…/evidence/1> a skg:LinkEvidence ; skg:evidenceKind "shared-paper" ; rdfs:comment "…" ;
        [skg:evidenceEntity <iri> | skg:evidenceText "…"] ; [skg:ordinal 3] ; [skg:line 12] .
    <{base}id/linksource/…> a skg:LinkSource, prov:Entity ; skg:fileName "dblp.nt.gz" ; skg:sha256 "…" .

A link's id is a digest of its (subject, object) pair — of the sorted pair when both ends are local — so
re-running a match finds the same link, and a rejected pair stays rejected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from pyoxigraph import Literal, NamedNode, Quad

from scholarkg.loader.vocab import OWL, RDF, SKOS, XSD, prov, rdf, rdfs, skg

Status = TypingLiteral["accepted", "candidate", "rejected"]
STATUSES: tuple[str, ...] = ("accepted", "candidate", "rejected")
LINK_KINDS: tuple[str, ...] = ("person", "paper", "organization", "venue")
SAME_AS = NamedNode(OWL + "sameAs")
CLOSE_MATCH = NamedNode(SKOS + "closeMatch")
RDF_STATEMENT = NamedNode(RDF + "Statement")
PROV_ENTITY = prov.Entity


class LinkError(ValueError):
    """A link that breaks the contract (no evidence, score out of range, unknown status)."""


def links_graph(base: str) -> NamedNode:
    return NamedNode(f"{base}id/graph/links")


def link_id(subject: str, obj: str, *, local_base: str) -> str:
    """Deterministic id of the pair; unordered when both ends are local (a pair of local persons)."""
    pair = sorted((subject, obj)) if subject.startswith(local_base) and obj.startswith(local_base) else [subject, obj]
    return hashlib.sha256("\n".join(pair).encode("utf-8")).hexdigest()[:16]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Evidence:
    kind: str  # identifier | title+year | shared-paper | shared-coauthor | ordinal | name | import-line | category …
    comment: str
    value: str | None = None  # an IRI (http…) or a literal value
    ordinal: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class LinkSource:
    """The dump or mapping file a link was derived from (or an existing graph, e.g. a source page)."""

    iri: str
    file_name: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Link:
    subject: str
    object: str
    kind: str
    method: str
    score: float
    status: str
    evidence: tuple[Evidence, ...]
    sources: tuple[LinkSource, ...]
    generated: dt.datetime = field(default_factory=now)
    decided: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not self.evidence:
            raise LinkError(f"no link without evidence: {self.subject} → {self.object}")
        if not 0.0 <= self.score <= 1.0:
            raise LinkError(f"score {self.score} is not within 0–1")
        if self.status not in STATUSES:
            raise LinkError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.kind not in LINK_KINDS:
            raise LinkError(f"kind {self.kind!r} is not one of {', '.join(LINK_KINDS)}")
        if self.subject == self.object:
            raise LinkError(f"a link needs two different ends: {self.subject}")
        if not self.sources:
            raise LinkError(f"no link without the file it was derived from: {self.subject} → {self.object}")

    @property
    def predicate(self) -> NamedNode:
        return SAME_AS if self.status == "accepted" else CLOSE_MATCH


def link_node(base: str, identifier: str) -> NamedNode:
    return NamedNode(f"{base}id/link/{identifier}")


def source_node(base: str, sha256: str) -> NamedNode:
    return NamedNode(f"{base}id/linksource/{sha256[:16]}")


def _time(value: dt.datetime) -> Literal:
    return Literal(value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), datatype=NamedNode(XSD + "dateTime"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def link_quads(link: Link, identifier: str, base: str) -> Iterator[Quad]:
    """The quads of one link in the links graph (the assertion, if any, and its reified statement)."""
    graph = links_graph(base)
    node = link_node(base, identifier)
    subject, obj = NamedNode(link.subject), NamedNode(link.object)

    def q(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Quad:
        return Quad(s, p, o, graph)

    if link.status != "rejected":
        yield q(subject, link.predicate, obj)
    yield q(node, rdf.type, RDF_STATEMENT)
    yield q(node, rdf.type, skg.Link)
    yield q(node, rdf.subject, subject)
    yield q(node, rdf.predicate, link.predicate)
    yield q(node, rdf.object, obj)
    yield q(node, skg.score, Literal(f"{link.score:.3f}", datatype=NamedNode(XSD + "decimal")))
    yield q(node, skg.method, Literal(link.method))
    yield q(node, skg.status, Literal(link.status))
    yield q(node, skg.linkKind, Literal(link.kind))
    yield q(node, prov.generatedAtTime, _time(link.generated))
    if link.decided is not None:
        yield q(node, skg.decidedAt, _time(link.decided))
    for source in link.sources:
        yield q(node, prov.wasDerivedFrom, NamedNode(source.iri))
        if source.sha256 is not None:
            source_iri = NamedNode(source.iri)
            yield q(source_iri, rdf.type, skg.LinkSource)
            yield q(source_iri, rdf.type, PROV_ENTITY)
            yield q(source_iri, skg.sha256, Literal(source.sha256))
            if source.file_name is not None:
                yield q(source_iri, skg.fileName, Literal(source.file_name))
    for number, evidence in enumerate(link.evidence, start=1):
        ev = NamedNode(f"{node.value}/evidence/{number}")
        yield q(node, skg.evidence, ev)
        yield q(ev, rdf.type, skg.LinkEvidence)
        yield q(ev, skg.evidenceKind, Literal(evidence.kind))
        yield q(ev, rdfs.comment, Literal(evidence.comment))
        if evidence.value is not None:
            if evidence.value.startswith(("http://", "https://")):
                yield q(ev, skg.evidenceEntity, NamedNode(evidence.value))
            else:
                yield q(ev, skg.evidenceText, Literal(evidence.value))
        if evidence.ordinal is not None:
            yield q(ev, skg.ordinal, _integer(evidence.ordinal))
        if evidence.line is not None:
            yield q(ev, skg.line, _integer(evidence.line))
