"""The co-author index (`loader.coauthors`) on a remote engine, maintained by SPARQL Update on the engine.

The embedded store computes the index rows in Python from its own indexes and writes them in the page's
transaction. A remote engine is reached over HTTP, where that would cost a request per person, so there the
engine computes them: after each page is written (Graph Store `PUT`) or removed, one update deletes the rows
of every affected person and inserts them again from `INSERT … WHERE` with `COUNT(DISTINCT ?paper)` over the
page graphs (`GRAPH ?g`, so it is exact whether or not the engine's default graph is the union, and whether
or not a fact is stated by several pages). Row IRIs are the same md5-named IRIs as the embedded index, so
both backends export the same dataset. A remote engine has no transaction across requests: between the
`PUT` and the index update a reader can see the page with the index of before (at most one request apart).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Quad

from scholarkg.loader.coauthors import coauthor_graph
from scholarkg.loader.identity import Iris
from scholarkg.loader.remote import RemoteStore

_SCHEMA = "http://schema.org/"
_AUTHOR = _SCHEMA + "author"
_ABOUT = _SCHEMA + "about"
_BATCH = 200  # persons per update (VALUES rows), bounding each request


def page_persons(store: RemoteStore, graph: NamedNode, new_quads: Iterable[Quad] = ()) -> set[NamedNode]:
    """Authors, in any graph, of the papers whose authors or categories `graph` states now (read before the
    write) or will state (`new_quads`), plus the new quads' own authors."""
    papers = {
        row["paper"]
        for row in store.select(
            f"SELECT DISTINCT ?paper WHERE {{ GRAPH {graph} {{ ?paper ?p ?x }} "
            "VALUES ?p { schema:author schema:about } }"
        )
    }
    persons: set[NamedNode] = set()
    for quad in new_quads:
        if quad.predicate.value in (_AUTHOR, _ABOUT):
            papers.add(quad.subject)
            if quad.predicate.value == _AUTHOR and isinstance(quad.object, NamedNode):
                persons.add(quad.object)
    named = sorted((p for p in papers if isinstance(p, NamedNode)), key=lambda p: p.value)
    for start in range(0, len(named), _BATCH):
        values = " ".join(str(p) for p in named[start : start + _BATCH])
        for row in store.select(
            f"SELECT DISTINCT ?person WHERE {{ VALUES ?paper {{ {values} }} "
            "GRAPH ?g { ?paper schema:author ?person } }"
        ):
            if isinstance(row["person"], NamedNode):
                persons.add(row["person"])
    return persons


def refresh_persons(store: RemoteStore, iris: Iris, persons: Iterable[NamedNode]) -> None:
    """Rewrite the index rows of `persons` from the page graphs as they are now (one update per batch)."""
    ordered = sorted(set(persons), key=lambda p: p.value)
    for start in range(0, len(ordered), _BATCH):
        store.update(_refresh_operations(iris, ordered[start : start + _BATCH]))


def rebuild(store: RemoteStore, iris: Iris) -> None:
    """Recompute the whole index (a store loaded before it existed)."""
    persons = {
        row["person"]
        for row in store.select("SELECT DISTINCT ?person WHERE { GRAPH ?g { ?paper schema:author ?person } }")
    }
    store.update(f"CLEAR SILENT GRAPH {coauthor_graph(iris)}")
    refresh_persons(store, iris, (p for p in persons if isinstance(p, NamedNode)))


def index_missing(store: RemoteStore, iris: Iris) -> bool:
    if store.contains_graph(coauthor_graph(iris)):
        return False
    return bool(store.select("SELECT ?g WHERE { GRAPH ?g { ?g a skg:SourcePage } } LIMIT 1"))


def _refresh_operations(iris: Iris, persons: list[NamedNode]) -> str:
    index = coauthor_graph(iris)
    values = " ".join(str(p) for p in persons)
    base = str(Literal(iris.base))
    return f"""PREFIX schema: <{_SCHEMA}>
PREFIX skg: <https://w3id.org/scholarkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
DELETE {{ GRAPH {index} {{ ?row ?p ?o }} }}
WHERE {{ VALUES ?x {{ {values} }} VALUES ?link {{ skg:pairAuthor skg:countedAuthor }}
  GRAPH {index} {{ ?row ?link ?x . ?row ?p ?o }} }} ;
INSERT {{ GRAPH {index} {{ ?row a skg:CoauthorPair ; skg:pairAuthor ?x ; skg:pairCoauthor ?y ; skg:jointPapers ?n }} }}
WHERE {{
  {{ SELECT ?x ?y (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
      VALUES ?x {{ {values} }}
      GRAPH ?g1 {{ ?paper schema:author ?x }} GRAPH ?g2 {{ ?paper schema:author ?y }} FILTER(?y != ?x)
    }} GROUP BY ?x ?y }}
  BIND(IRI(CONCAT({base}, "id/coauthor-pair/", MD5(CONCAT(STR(?x), " ", STR(?y))))) AS ?row)
}} ;
INSERT {{ GRAPH {index} {{ ?row a skg:AuthorCategoryCount ; skg:countedAuthor ?x ; skg:countedCategory ?concept ;
                            skg:categoryPapers ?n }} }}
WHERE {{
  {{ SELECT ?x ?concept (COUNT(DISTINCT ?paper) AS ?n) WHERE {{
      VALUES ?x {{ {values} }}
      GRAPH ?g1 {{ ?paper schema:author ?x }} GRAPH ?g2 {{ ?paper schema:about ?category }}
      GRAPH {iris.taxonomy_scheme} {{ ?category skos:broader* ?concept }}
    }} GROUP BY ?x ?concept }}
  BIND(IRI(CONCAT({base}, "id/author-category/", MD5(CONCAT(STR(?x), " ", STR(?concept))))) AS ?row)
}}"""
