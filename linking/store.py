"""Read, merge and write the links graph; each write replaces the whole graph in one transaction.

The links graph holds ScholarKG's own decisions, so it stays small next to the dumps it was matched against
(one link per matched local entity and external id); reading it whole and writing it back through
`GraphStore.replace_graph` (one SPARQL Update: DROP + INSERT DATA) keeps every write all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pyoxigraph import NamedNode, Quad

from scholarkg.linking.model import (
    Evidence,
    Link,
    LinkSource,
    link_id,
    link_quads,
    links_graph,
    now,
)
from scholarkg.loader.store import GraphStore, term_value
from scholarkg.loader.vocab import rdf


class UnknownLinkError(LookupError):
    """No link with this id (or unambiguous id prefix)."""


@dataclass
class MergeReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_decided: int = 0
    skipped_rejected: int = 0

    @property
    def written(self) -> int:
        return self.added + self.updated


def _datetime(term: object) -> dt.datetime:
    return dt.datetime.fromisoformat(term_value(term).replace("Z", "+00:00"))


def read_links(store: GraphStore, base: str) -> dict[str, Link]:
    """Every link in the links graph, by id."""
    graph = links_graph(base)
    if not store.contains_graph(graph):
        return {}
    prefix = f"{base}id/link/"
    rows = store.select(
        f"""SELECT ?link ?s ?o ?score ?method ?status ?kind ?generated ?decided WHERE {{ GRAPH {graph} {{
              ?link a skg:Link ; rdf:subject ?s ; rdf:object ?o ; skg:score ?score ; skg:method ?method ;
                    skg:status ?status ; skg:linkKind ?kind ; prov:generatedAtTime ?generated .
              OPTIONAL {{ ?link skg:decidedAt ?decided }} }} }}"""
    )
    evidence: dict[str, list[tuple[int, Evidence]]] = {}
    for row in store.select(
        f"""SELECT ?link ?ev ?ekind ?comment ?value ?ordinal ?line WHERE {{ GRAPH {graph} {{
              ?link skg:evidence ?ev . ?ev skg:evidenceKind ?ekind ; rdfs:comment ?comment .
              OPTIONAL {{ ?ev skg:evidenceEntity|skg:evidenceText ?value }} OPTIONAL {{ ?ev skg:ordinal ?ordinal }}
              OPTIONAL {{ ?ev skg:line ?line }} }} }}"""
    ):
        number = int(term_value(row["ev"]).rsplit("/", 1)[-1])
        evidence.setdefault(term_value(row["link"]), []).append(
            (
                number,
                Evidence(
                    kind=term_value(row["ekind"]),
                    comment=term_value(row["comment"]),
                    value=None if row["value"] is None else term_value(row["value"]),
                    ordinal=None if row["ordinal"] is None else int(term_value(row["ordinal"])),
                    line=None if row["line"] is None else int(term_value(row["line"])),
                ),
            )
        )
    sources: dict[str, list[LinkSource]] = {}
    for row in store.select(
        f"""SELECT ?link ?src ?file ?sha WHERE {{ GRAPH {graph} {{ ?link a skg:Link ; prov:wasDerivedFrom ?src .
              OPTIONAL {{ ?src skg:sha256 ?sha }} OPTIONAL {{ ?src skg:fileName ?file }} }} }} ORDER BY ?src"""
    ):
        sources.setdefault(term_value(row["link"]), []).append(
            LinkSource(
                iri=term_value(row["src"]),
                file_name=None if row["file"] is None else term_value(row["file"]),
                sha256=None if row["sha"] is None else term_value(row["sha"]),
            )
        )
    links: dict[str, Link] = {}
    for row in rows:
        node = term_value(row["link"])
        links[node.removeprefix(prefix)] = Link(
            subject=term_value(row["s"]),
            object=term_value(row["o"]),
            kind=term_value(row["kind"]),
            method=term_value(row["method"]),
            score=float(term_value(row["score"])),
            status=term_value(row["status"]),
            evidence=tuple(e for _, e in sorted(evidence.get(node, []), key=lambda pair: pair[0])),
            sources=tuple(sources.get(node, [])),
            generated=_datetime(row["generated"]),
            decided=None if row["decided"] is None else _datetime(row["decided"]),
        )
    return links


def write_links(store: GraphStore, base: str, links: dict[str, Link]) -> None:
    """Replace the links graph by `links` in one transaction (all or nothing)."""
    graph = links_graph(base)
    quads = [quad for key in sorted(links) for quad in link_quads(links[key], key, base)]
    if quads:  # the graph types itself a void:Linkset: a view source, so queries see its links (loader.store)
        quads.insert(0, Quad(graph, rdf.type, NamedNode("http://rdfs.org/ns/void#Linkset"), graph))
        store.replace_graph(graph, quads)
    elif store.contains_graph(graph):
        store.remove_graph(graph)


def _same(a: Link, b: Link) -> bool:
    return (a.kind, a.method, round(a.score, 3), a.status, a.evidence, a.sources) == (
        b.kind,
        b.method,
        round(b.score, 3),
        b.status,
        b.evidence,
        b.sources,
    )


def merge_links(
    store: GraphStore, base: str, proposals: Iterable[Link], *, override_decided: bool = False
) -> MergeReport:
    """Add or refresh `proposals`: a decided link (accepted or rejected by a person) is kept as decided,
    a rejected pair is never proposed again, an unchanged proposal keeps its first generation time
    (re-running a match is idempotent). `override_decided`: the proposals are themselves a person's decision
    (an imported mapping) and replace earlier decisions, except rejections. Written in one transaction."""
    existing = read_links(store, base)
    merged = dict(existing)
    report = MergeReport()
    incoming: dict[str, Link] = {}
    for link in proposals:
        key = link_id(link.subject, link.object, local_base=f"{base}id/")
        held = incoming.get(key)
        incoming[key] = link if held is None or link.score > held.score else held
    for key, link in incoming.items():
        old = existing.get(key)
        if old is None:
            merged[key] = link
            report.added += 1
        elif old.status == "rejected":
            report.skipped_rejected += 1
        elif _same(old, link):
            report.unchanged += 1
        elif old.decided is not None and not override_decided:
            report.kept_decided += 1
        else:
            merged[key] = link
            report.updated += 1
    if report.written:
        write_links(store, base, merged)
    return report


def find_link(links: dict[str, Link], identifier: str) -> tuple[str, Link]:
    """A link by id, link IRI or unambiguous id prefix (at least 6 characters)."""
    key = identifier.rsplit("/", 1)[-1].strip()
    if key in links:
        return key, links[key]
    matches = [k for k in links if len(key) >= 6 and k.startswith(key)]
    if len(matches) == 1:
        return matches[0], links[matches[0]]
    if matches:
        raise UnknownLinkError(f"link id {identifier!r} is ambiguous: {', '.join(sorted(matches))}")
    raise UnknownLinkError(f"no link {identifier!r} (see `scholarkg link list`)")


def decide(store: GraphStore, base: str, identifier: str, status: str) -> tuple[str, Link]:
    """Accept or reject one link; the decision is recorded with its time (skg:decidedAt)."""
    if status not in ("accepted", "rejected"):
        raise ValueError(f"a decision is accepted or rejected, not {status!r}")
    links = read_links(store, base)
    key, link = find_link(links, identifier)
    decided = replace(link, status=status, decided=now())
    links[key] = decided
    write_links(store, base, links)
    return key, decided


def list_links(
    store: GraphStore, base: str, *, status: str | None = None, kind: str | None = None
) -> list[tuple[str, Link]]:
    links = read_links(store, base)
    chosen = [
        (key, link)
        for key, link in links.items()
        if (status is None or link.status == status) and (kind is None or link.kind == kind)
    ]
    return sorted(chosen, key=lambda pair: (-pair[1].score, pair[1].subject, pair[1].object))


def names_of(store: GraphStore, iris: Iterable[str]) -> dict[str, str]:
    """schema:name (or title) of local entities, for display."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    values = " ".join(str(NamedNode(i)) for i in wanted)
    rows = store.select(
        f"SELECT ?x (SAMPLE(?n) AS ?name) WHERE {{ VALUES ?x {{ {values} }} ?x schema:name ?n }} GROUP BY ?x"
    )
    return {term_value(r["x"]): term_value(r["name"]) for r in rows if r["name"] is not None}


def known_identifiers(store: GraphStore, base: str, *, exclude_sha256: str | None = None) -> dict[str, str]:
    """External IRI → local IRI for every accepted link to an external entity (exact-identifier evidence).

    Links derived only from the dump being matched (`exclude_sha256`) are left out, so that a re-run finds
    exactly what the first run found (a dump never confirms itself)."""
    local = f"{base}id/"
    return {
        link.object: link.subject
        for link in read_links(store, base).values()
        if link.status == "accepted"
        and not link.object.startswith(local)
        and any(source.sha256 != exclude_sha256 for source in link.sources)
    }
