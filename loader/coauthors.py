"""The co-author index: derived rows in the named graph `{base}id/graph/coauthors`, kept exact at load time.

    ?pair a skg:CoauthorPair ; skg:pairAuthor ?x ; skg:pairCoauthor ?y ; skg:jointPapers 3 .
    ?row  a skg:AuthorCategoryCount ; skg:countedAuthor ?x ; skg:countedCategory ?concept ; skg:categoryPapers 7 .

One `CoauthorPair` per ordered pair of distinct persons with at least one joint paper (so both directions),
`jointPapers` = distinct papers whose `schema:author` includes both. One `AuthorCategoryCount` per person and
arXiv concept reached from their papers' `schema:about` by `skos:broader*`. Both are computed from the
deduplicated default graph (`loader.store`).

When a page is loaded, reloaded or removed, only papers that page states (before or after) can change their
author lists or categories; the persons who author those papers (before: read from the store; after: also the
page's new `schema:author` objects) are the affected ones. Their rows are deleted and recomputed by update
operations appended to the page's own update, so the index changes in the same transaction as the page.
Canned queries read it with `GRAPH ?index { ?pair skg:pairAuthor ?x … }` (see `queries/coauthors.rq`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from scholarkg.loader.identity import Iris

_SKG = "https://w3id.org/scholarkg/ontology#"
_SCHEMA = "http://schema.org/"
_AUTHOR = NamedNode(_SCHEMA + "author")
_ABOUT = NamedNode(_SCHEMA + "about")
_NAMESPACES = {"skg": _SKG, "schema": _SCHEMA, "skos": "http://www.w3.org/2004/02/skos/core#"}
_PREFIXED = re.compile(r"\b(skg|schema|skos):(\w+)")


def _expand(operation: str) -> str:
    """Full IRIs instead of prefixed names (Oxigraph reads a PREFIX only before the first operation)."""
    return _PREFIXED.sub(lambda m: f"<{_NAMESPACES[m[1]]}{m[2]}>", operation)


def coauthor_graph(iris: Iris) -> NamedNode:
    return iris.of("graph", "coauthors")


def affected_persons(store: Store, graph: NamedNode, new_quads: Iterable[Quad] = ()) -> set[NamedNode]:
    """Persons whose index rows may change when `graph` is replaced by `new_quads` (or removed)."""
    papers: set[object] = set()
    persons: set[NamedNode] = set()
    for predicate in (_AUTHOR, _ABOUT):
        papers.update(q.subject for q in store.quads_for_pattern(None, predicate, None, graph))
    for quad in new_quads:
        if quad.predicate == _AUTHOR:
            papers.add(quad.subject)
            if isinstance(quad.object, NamedNode):
                persons.add(quad.object)
        elif quad.predicate == _ABOUT:
            papers.add(quad.subject)
    for paper in papers:
        for quad in store.quads_for_pattern(paper, _AUTHOR, None, DefaultGraph()):  # type: ignore[arg-type]
            if isinstance(quad.object, NamedNode):
                persons.add(quad.object)
    return persons


def _inserts(iris: Iris, values: str) -> list[str]:
    graph = coauthor_graph(iris)
    pair_base = f"{iris.base}id/coauthor-pair/"
    count_base = f"{iris.base}id/author-category/"
    return [
        f"""INSERT {{ GRAPH {graph} {{
  ?r a skg:CoauthorPair ; skg:pairAuthor ?x ; skg:pairCoauthor ?y ; skg:jointPapers ?n }} }}
WHERE {{
  {{ SELECT ?x ?y (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
       {values} ?paper schema:author ?x . ?paper schema:author ?y . FILTER(?x != ?y) }} GROUP BY ?x ?y }}
  BIND(IRI(CONCAT("{pair_base}", MD5(CONCAT(STR(?x), " ", STR(?y))))) AS ?r)
}}""",
        f"""INSERT {{ GRAPH {graph} {{
  ?r a skg:AuthorCategoryCount ; skg:countedAuthor ?x ; skg:countedCategory ?c ; skg:categoryPapers ?n }} }}
WHERE {{
  {{ SELECT ?x ?c (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
       {values} ?paper schema:author ?x ; schema:about ?concept . ?concept skos:broader* ?c }} GROUP BY ?x ?c }}
  BIND(IRI(CONCAT("{count_base}", MD5(CONCAT(STR(?x), " ", STR(?c))))) AS ?r)
}}""",
    ]


def index_operations(iris: Iris, persons: Iterable[NamedNode]) -> list[str]:
    """Update operations that recompute the index rows of `persons` from the default graph."""
    persons = sorted(persons, key=lambda p: p.value)
    if not persons:
        return []
    values = "VALUES ?x { " + " ".join(str(p) for p in persons) + " }"
    graph = coauthor_graph(iris)
    delete = (
        f"DELETE {{ GRAPH {graph} {{ ?r ?p ?o }} }} WHERE {{ {values} GRAPH {graph} {{\n"
        "  { ?r skg:pairAuthor ?x } UNION { ?r skg:countedAuthor ?x } ?r ?p ?o } }"
    )
    return [_expand(op) for op in (delete, *_inserts(iris, values))]


def rebuild_operations(iris: Iris) -> list[str]:
    """Update operations that recompute the whole index (after a bulk load, or for a store without one)."""
    return [f"CLEAR SILENT GRAPH {coauthor_graph(iris)}", *(_expand(op) for op in _inserts(iris, ""))]


def index_missing(store: Store, iris: Iris) -> bool:
    """True when pages are loaded but the index graph does not exist (a store from before the index)."""
    if store.contains_named_graph(coauthor_graph(iris)):
        return False
    source = NamedNode(_SKG + "SourcePage")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return next(iter(store.quads_for_pattern(None, rdf_type, source, DefaultGraph())), None) is not None
