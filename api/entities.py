"""Linked data: `/id/{kind}/{key}` dereferences `{base}id/{kind}/{key}`; `/context.jsonld` is the JSON-LD context.

One entity, five representations chosen by `Accept` (table `api.negotiation.ENTITY`) or `?format=`:
Turtle, N-Triples, RDF/XML and compacted JSON-LD of a DESCRIBE-like CONSTRUCT (the entity's own triples, labels of
what it links to, and the main incoming links), or an HTML page per kind. Every query goes through the
engine with the entity bound as a term (`bindings`), never pasted into the query text.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pyoxigraph import NamedNode

from scholarkg import ontology
from scholarkg.api import svg
from scholarkg.api.authors import author_detail
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import ENTITY, negotiate_format
from scholarkg.api.papers import paper_detail
from scholarkg.api.query_responses import query_response, run_engine_query
from scholarkg.api.ui import curie, local_href, render, select_rows
from scholarkg.loader.vocab import FOAF, RDF, SCHEMA, SKG, SKOS
from scholarkg.queries.engine import Engine

router = APIRouter(tags=["Linked data"])
CONTEXT_FILE = Path(ontology.__file__).parent / "context.jsonld"
KINDS = frozenset(
    {
        *("paper", "person", "org", "venue", "source"),
        *("category", "archive", "group", "scheme"),
        *("entry", "authorship", "observation"),
    }
)
FORMATS = {
    "html": "html",
    "turtle": "turtle",
    "ttl": "turtle",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "ntriples": "ntriples",
    "nt": "ntriples",
    "rdfxml": "rdfxml",
    "rdf": "rdfxml",
    "xml": "rdfxml",
}
ALTERNATES = (
    ("text/turtle", "turtle", "Turtle"),
    ("application/ld+json", "jsonld", "JSON-LD"),
    ("application/n-triples", "ntriples", "N-Triples"),
    ("application/rdf+xml", "rdfxml", "RDF/XML"),
)
VARY = {"Vary": "Accept"}
PREDICATE_LABELS = {RDF + "type": "type"}
TITLE = SCHEMA + "name"

# The entity's triples, the names of what it links to, and selected incoming links (with the linker's name);
# observations about the entity are described in full. Empty when the entity is no triple's subject.
# The co-author index (its own graph, not in the view) is filtered out here and in FACTS / INCOMING: where the
# default graph is the union of all graphs (Virtuoso) it would add a row per co-author to a person's page.
DESCRIBE = """
CONSTRUCT {
  ?s ?p ?o . ?o ?lp ?label . ?in ?ip ?s . ?in schema:name ?inName . ?obs ?op ?ov .
} WHERE {
  FILTER EXISTS { ?s ?anyP ?anyO }
  { ?s ?p ?o FILTER(?p != skg:coauthor) }
  UNION {
    ?s ?p ?o . ?o ?lp ?label . FILTER(?p != skg:coauthor)
    VALUES ?lp { schema:name skos:prefLabel skos:notation schema:identifier }
  }
  UNION {
    ?in ?ip ?s .
    VALUES ?ip {
      schema:author schema:about schema:sourceOrganization skg:presentedAt schema:superEvent
      skg:primaryCategory foaf:primaryTopic skg:describes
    }
    OPTIONAL { ?in schema:name ?inName }
  }
  UNION { ?obs schema:observationAbout ?s ; ?op ?ov }
}
"""
FACTS = """
SELECT ?s ?p ?o ?isIri ?lang ?datatype (SAMPLE(?pl) AS ?plabel) (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?notation)
WHERE {
  ?s ?p ?o .
  FILTER(?p != skg:coauthor)
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o schema:name ?name OPTIONAL { ?o skg:homonymNumber ?homonym } }
  OPTIONAL { ?o skos:prefLabel ?l2 }
  OPTIONAL { ?o schema:identifier ?l3 }
  OPTIONAL { ?o rdfs:label ?l4 }
  OPTIONAL { ?o skos:notation ?n }
  BIND(IF(BOUND(?homonym), CONCAT(?name, " ", ?homonym), ?name) AS ?l1)  # a person as in every other list
  BIND(COALESCE(?l1, ?l2, ?l3, ?l4) AS ?l)
  BIND(isIRI(?o) AS ?isIri)
  BIND(LANG(?o) AS ?lang)
  BIND(DATATYPE(?o) AS ?datatype)
}
GROUP BY ?s ?p ?o ?isIri ?lang ?datatype
ORDER BY ?p ?o
"""
INCOMING = """
SELECT ?s ?in ?p (SAMPLE(?pl) AS ?plabel) (SAMPLE(?l) AS ?label) WHERE {
  ?in ?p ?s .
  FILTER(?p NOT IN (skg:coauthor, skg:pairAuthor, skg:pairCoauthor, skg:countedAuthor))
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?in schema:name ?l1 }
  OPTIONAL { ?in skos:prefLabel ?l2 }
  BIND(COALESCE(?l1, ?l2) AS ?l)
}
GROUP BY ?s ?in ?p
ORDER BY ?p ?label ?in
LIMIT 300
"""
# Who wrote each of the person's papers: the co-author network's edges among co-authors (presentation only).
COAUTHOR_PAPERS = """
SELECT ?s ?paper ?author WHERE {
  ?paper schema:author ?s, ?author .
  FILTER(?author != ?s)
}
"""
CONCEPT_PAPERS = """
SELECT ?s ?paper ?title (SAMPLE(?d) AS ?date) (SAMPLE(?c) AS ?category) (SAMPLE(?n) AS ?notation) WHERE {
  ?paper schema:about ?c ; schema:name ?title .
  ?c skos:broader* ?s .
  OPTIONAL { ?c skos:notation ?n }
  OPTIONAL { ?paper schema:datePublished ?published }
  BIND(STR(?published) AS ?d)
}
GROUP BY ?s ?paper ?title
ORDER BY DESC(?date) ?title
"""
CONCEPT_PEOPLE = """
SELECT ?s ?person ?name ?homonym WHERE {
  ?person skg:primaryCategory ?s .
  OPTIONAL { ?person schema:name ?name }
  OPTIONAL { ?person skg:homonymNumber ?homonym }
}
ORDER BY ?name
"""
_RELATED = """
SELECT ?s ?paper ?title (SAMPLE(?d) AS ?date) WHERE {{
  {pattern}
  OPTIONAL {{ ?paper schema:name ?title }}
  OPTIONAL {{ ?paper schema:datePublished ?published }}
  BIND(STR(?published) AS ?d)
}}
GROUP BY ?s ?paper ?title
ORDER BY DESC(?date) ?title
"""
RELATED_PAPERS = {
    "org": _RELATED.format(pattern="?paper schema:sourceOrganization ?s ."),
    "venue": _RELATED.format(pattern="?paper skg:presentedAt/schema:superEvent? ?s ."),
}
VENUE_EDITIONS = """
SELECT ?s ?edition ?name ?year WHERE {
  ?edition schema:superEvent ?s .
  OPTIONAL { ?edition schema:name ?name }
  OPTIONAL { ?edition skg:year ?year }
}
ORDER BY DESC(?year) ?name
"""
SOURCE_ENTRIES = """
SELECT ?s ?entry ?index ?paper ?title ?date ?complete ?count WHERE {
  ?s skg:entry ?entry .
  OPTIONAL { ?entry skg:entryIndex ?index }
  OPTIONAL { ?entry skg:authorListComplete ?complete }
  OPTIONAL { ?entry skg:authorCount ?count }
  OPTIONAL { ?entry skg:describes ?paper . OPTIONAL { ?paper schema:name ?title } }
  OPTIONAL { ?paper schema:datePublished ?published }
  BIND(STR(?published) AS ?date)
}
ORDER BY ?index ?entry
"""


# -- JSON-LD ------------------------------------------------------------------------------------------
@cache
def jsonld_context() -> dict[str, Any]:
    """The shipped context's `@context` object (`ontology/context.jsonld`)."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]  # type: ignore[no-any-return]


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def compact_jsonld(ntriples: bytes, subject: str) -> bytes:
    """N-Triples → JSON-LD compacted with the shipped context (embedded); the subject's node first."""
    from rdflib import Graph

    graph = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    context = jsonld_context()
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = document.pop("@graph", None)
    document.pop("@context", None)
    if nodes is None:
        nodes = [document] if document else []
    nodes = [_sorted_json(node) for node in nodes]
    nodes.sort(key=lambda node: (node.get("id") != subject, str(node.get("id", ""))))
    out: dict[str, Any] = {"@context": context}
    if len(nodes) == 1:
        out.update(nodes[0])
    else:
        out["@graph"] = nodes
    return json.dumps(out, ensure_ascii=False, indent=2).encode("utf-8")


@router.get("/context.jsonld", summary="The JSON-LD context used by entity descriptions")
def context_document() -> Response:
    body = json.dumps({"@context": jsonld_context()}, ensure_ascii=False, indent=2).encode("utf-8")
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"}
    return Response(body, media_type="application/ld+json", headers=headers)


# -- negotiation and lookup ---------------------------------------------------------------------------
def _vary(error: ApiError) -> ApiError:
    error.headers.update(VARY)
    return error


def choose_format(accept: str | None, requested: str | None) -> str:
    """`?format=` wins over `Accept`; 422 for an unknown format name, 406 when nothing fits."""
    if requested is not None:
        fmt = FORMATS.get(requested.strip().lower())
        if fmt is None:
            raise _vary(ApiError.bad_parameter("format", f"format must be one of {', '.join(FORMATS)}"))
        return fmt
    fmt = negotiate_format(accept, ENTITY)
    if fmt is None:
        raise _vary(ApiError.not_acceptable("this entity", list(ENTITY)))
    return fmt


def entity_iri(base: str, kind: str, key: str) -> NamedNode | None:
    if kind not in KINDS or not key:
        return None
    try:
        return NamedNode(f"{base}id/{kind}/{key}")
    except ValueError:
        return None


def _not_found(request: Request, fmt: str, iri: str) -> Response:
    message = f"no entity {iri} in the graph"
    if fmt == "html":
        return render(request, "error.html", status_code=404, headers=VARY, title="Not found", message=message)
    raise _vary(ApiError.not_found(message))


@router.api_route(
    "/id/{kind}/{key:path}",
    methods=["GET", "HEAD"],
    summary="Dereference an entity IRI (Turtle, JSON-LD, N-Triples, RDF/XML or HTML by Accept)",
    responses={
        200: {
            "content": {
                "text/turtle": {},
                "application/ld+json": {},
                "application/n-triples": {},
                "application/rdf+xml": {},
                "text/html": {},
            }
        },
        404: {"description": "No such entity"},
        406: {"description": "No acceptable representation; the error lists the acceptable types"},
    },
)
async def entity(
    kind: str,
    key: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    fmt: Annotated[
        str | None, Query(alias="format", description="turtle, jsonld, ntriples, rdfxml or html; overrides Accept")
    ] = None,
) -> Response:
    chosen = choose_format(request.headers.get("accept"), fmt)
    iri = entity_iri(settings.base_iri, kind, key)
    if iri is None:
        return _not_found(request, chosen, f"{settings.base_iri}id/{kind}/{key}")
    if chosen == "html":
        return await html_entity(request, engine, kind, iri)
    graph_format = "ntriples" if chosen == "jsonld" else chosen
    result = await run_engine_query(
        engine, engine.request(DESCRIBE, solution_format=None, graph_format=graph_format, bindings={"s": iri})
    )
    if result.rows == 0:
        return _not_found(request, chosen, iri.value)
    if chosen == "jsonld":
        body = await run_in_threadpool(compact_jsonld, result.body, iri.value)
        headers = {**VARY, "X-Result-Truncated": "true" if result.truncated else "false"}
        return Response(b"" if request.method == "HEAD" else body, media_type="application/ld+json", headers=headers)
    return query_response(result, head_only=request.method == "HEAD")


# -- HTML ---------------------------------------------------------------------------------------------
@dataclass
class Fact:
    predicate: str
    predicate_label: str
    value: Any
    is_iri: bool
    label: str | None = None
    notation: str | None = None
    lang: str | None = None
    datatype: str | None = None

    @property
    def text(self) -> str:
        if self.is_iri:
            return self.label or self.notation or curie(str(self.value))
        return str(self.value).lower() if isinstance(self.value, bool) else str(self.value)


@dataclass
class Facts:
    items: list[Fact] = field(default_factory=list)

    def all(self, predicate: str) -> list[Fact]:
        return [f for f in self.items if f.predicate == predicate]

    def first(self, predicate: str) -> Any:
        found = self.all(predicate)
        return found[0].value if found else None

    def grouped(self) -> list[tuple[str, str, list[Fact]]]:
        """(predicate, its label, its values) in predicate order, rdf:type first."""
        groups: dict[str, list[Fact]] = defaultdict(list)
        for fact in self.items:
            groups[fact.predicate].append(fact)
        order = sorted(groups, key=lambda p: (p != RDF + "type", groups[p][0].predicate_label.lower(), p))
        return [(p, groups[p][0].predicate_label, groups[p]) for p in order]


def _facts(rows: list[dict[str, Any]]) -> Facts:
    facts = Facts()
    for row in rows:
        predicate = str(row["p"])
        datatype = row.get("datatype")
        facts.items.append(
            Fact(
                predicate=predicate,
                predicate_label=str(row.get("plabel") or PREDICATE_LABELS.get(predicate) or curie(predicate)),
                value=row["o"],
                is_iri=bool(row.get("isIri")),
                label=row.get("label"),
                notation=row.get("notation"),
                lang=row.get("lang") or None,
                datatype=curie(datatype) if datatype else None,
            )
        )
    return facts


def _person_label(name: object, homonym: object) -> str:
    return f"{name} {homonym}" if homonym else str(name or "")


async def html_entity(request: Request, engine: Engine, kind: str, iri: NamedNode) -> Response:
    facts = _facts(await select_rows(engine, FACTS, s=iri))
    if not facts.items:
        return _not_found(request, "html", iri.value)
    builders = {
        "person": person_view,
        "paper": paper_view,
        "category": concept_view,
        "archive": concept_view,
        "group": concept_view,
        "org": simple_view,
        "venue": simple_view,
        "source": source_view,
    }
    base = request.app.state.settings.base_iri
    template, view = await builders.get(kind, generic_view)(engine, kind, iri, facts, base)
    path = request.url.path
    alternates = [{"type": media, "href": f"{path}?format={name}", "name": title} for media, name, title in ALTERNATES]
    return render(
        request,
        template,
        headers=VARY,
        kind=kind,
        iri=iri.value,
        facts=facts,
        alternates=alternates,
        **view,
    )


async def person_view(engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str) -> tuple[str, dict[str, Any]]:
    """The page of `author_detail` (the `/authors/{key}` data), plus the co-author network."""
    detail, pairs = await asyncio.gather(author_detail(engine, iri, base), select_rows(engine, COAUTHOR_PAPERS, s=iri))
    if detail is None:
        return await generic_view(engine, kind, iri, facts, base)
    primary = detail.primary_category
    coauthors = sorted(
        (
            {"person": c.id, "label": _person_label(c.name or curie(c.id), c.homonym), "papers": c.papers}
            for c in detail.coauthors
        ),
        key=lambda c: (-c["papers"], c["label"].lower(), c["person"]),
    )
    center = svg.Node(iri.value, _person_label(detail.name, detail.homonym), local_href(iri.value, base))
    ring = [
        svg.Node(c["person"], c["label"], local_href(c["person"], base), c["papers"])
        for c in coauthors[: svg.MAX_NODES - 1]
    ]
    years = {y.year: y.papers for y in detail.papers_per_year}
    return "person.html", {
        "title": _person_label(detail.name, detail.homonym),
        "name": detail.name,
        "homonym": detail.homonym,
        "primary": primary,
        "external_ids": detail.external_ids,
        "metrics": sorted(detail.metrics, key=lambda m: m.label or ""),
        "papers": detail.papers,
        "undated": len(detail.papers) - sum(years.values()),
        "coauthors": coauthors,
        "author_categories": [
            {**c.model_dump(), "primary": primary is not None and c.id == primary.id} for c in detail.categories
        ],
        "sources": detail.profile_pages,
        "network": (
            await run_in_threadpool(svg.coauthor_network, center, ring, _network_edges(iri.value, ring, pairs))
            if ring
            else None
        ),
        "chart": svg.bar_chart(svg.years_series(years), title=f"Papers per year of {detail.name}") if years else None,
    }


def _network_edges(center: str, ring: list[svg.Node], pairs: list[dict[str, Any]]) -> list[svg.Edge]:
    """Edges from the centre to each ring node (weighted by joint papers) and among ring nodes (papers shared)."""
    chosen = {n.key for n in ring}
    authors_of: dict[str, set[str]] = defaultdict(set)
    for row in pairs:
        if row["author"] in chosen:
            authors_of[row["paper"]].add(row["author"])
    weights: Counter[tuple[str, str]] = Counter()
    for authors in authors_of.values():
        inside = sorted(authors)
        for i, a in enumerate(inside):
            for b in inside[i + 1 :]:
                weights[(a, b)] += 1
    found = [svg.Edge(center, n.key, n.weight) for n in sorted(ring, key=lambda n: n.key)]
    return found + [svg.Edge(a, b, w) for (a, b), w in sorted(weights.items())]


async def paper_view(engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str) -> tuple[str, dict[str, Any]]:
    """The page of `paper_detail` (the `/papers/{key}` data)."""
    detail = await paper_detail(engine, iri, base)
    if detail is None:
        return await generic_view(engine, kind, iri, facts, base)
    entries = sorted(
        detail.authors,
        key=lambda e: (  # unbound first, as in SPARQL's ORDER BY
            (e.source.file_name is not None, e.source.file_name or ""),
            (e.entry_index is not None, e.entry_index or 0),
            e.entry,
        ),
    )
    authors = [{"person": a.id, "label": _person_label(a.name or curie(a.id), a.homonym)} for a in detail.known_authors]
    return "paper.html", {
        "title": detail.title or curie(iri.value),
        "paper": detail,
        "entries": entries,
        "authors": authors,
        "shown_above": (SCHEMA + "abstract",),  # the long abstract once, in its own section
    }


async def concept_view(
    engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str
) -> tuple[str, dict[str, Any]]:
    papers, people = await asyncio.gather(
        select_rows(engine, CONCEPT_PAPERS, s=iri), select_rows(engine, CONCEPT_PEOPLE, s=iri)
    )
    notation = facts.first(SKOS + "notation")
    label = facts.first(SKOS + "prefLabel")
    for person in people:
        person["label"] = _person_label(person.get("name") or curie(person["person"]), person.get("homonym"))
    return "concept.html", {
        "title": f"{notation} — {label}" if notation and label else str(label or notation or curie(iri.value)),
        "notation": notation,
        "label": label,
        "definition": facts.first(SKOS + "definition"),
        "broader": facts.all(SKOS + "broader"),
        "narrower": facts.all(SKOS + "narrower"),
        "related": facts.all(SKOS + "exactMatch") + facts.all("http://purl.org/dc/terms/isReplacedBy"),
        "papers": papers,
        "people": people,
    }


async def simple_view(engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str) -> tuple[str, dict[str, Any]]:
    papers = await select_rows(engine, RELATED_PAPERS[kind], s=iri)
    editions = await select_rows(engine, VENUE_EDITIONS, s=iri) if kind == "venue" else []
    title = facts.first(TITLE) or facts.first(SCHEMA + "identifier") or curie(iri.value)
    return "simple.html", {"title": str(title), "papers": papers, "editions": editions, "entries": None, "owner": []}


async def source_view(engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str) -> tuple[str, dict[str, Any]]:
    entries = await select_rows(engine, SOURCE_ENTRIES, s=iri)
    owner = facts.all(FOAF + "primaryTopic")
    title = facts.first(SKG + "fileName") or curie(iri.value)
    return "simple.html", {
        "title": f"Source page {title}",
        "papers": [],
        "editions": [],
        "entries": entries,
        "owner": owner,
    }


async def generic_view(
    engine: Engine, kind: str, iri: NamedNode, facts: Facts, base: str
) -> tuple[str, dict[str, Any]]:
    incoming = await select_rows(engine, INCOMING, s=iri)
    title = facts.first(TITLE) or facts.first(SKOS + "prefLabel") or f"{kind} {iri.value.rsplit('/', 1)[-1]}"
    return "generic.html", {"title": str(title), "incoming": incoming}
