"""The co-author index: derived rows in the named graph `{base}id/graph/coauthors`, kept exact at load time.

    ?pair a skg:CoauthorPair ; skg:pairAuthor ?x ; skg:pairCoauthor ?y ; skg:jointPapers 3 .
    ?x skg:coauthor ?y .
    ?row  a skg:AuthorCategoryCount ; skg:countedAuthor ?x ; skg:countedCategory ?concept ; skg:categoryPapers 7 .

One `CoauthorPair` per ordered pair of distinct persons with at least one joint paper (so both directions),
`jointPapers` = distinct papers whose `schema:author` includes both; beside each row, the edge
`?x skg:coauthor ?y` (two hops over edges are a range lookup per co-author; through the rows, a lookup per
second-hop row). One `AuthorCategoryCount` per person and arXiv concept reached from their papers' `schema:about`
by `skos:broader*`. Both are computed from the deduplicated default graph (`loader.store`).

When a page is loaded, reloaded or removed, only papers that page states (before or after) can change their
author lists or categories; the persons who author those papers (before: read from the store; after: also the
page's new `schema:author` objects) are the affected ones. Their new rows are computed here, from the store as it
is plus the page's new quads (what the default graph will be), and written as DELETE DATA / INSERT DATA
operations appended to the page's own update, so the index changes in the same transaction as the page.
(Recomputing them with INSERT … WHERE inside that transaction was measured ~10× slower: reads in a large
Oxigraph transaction slow down as it grows.) The writer is single (one process, the engine's write lock), so
nothing changes the store between these reads and the update.
A batched load (`loader.batch_load`) recomputes the rows of every person its batches touched once, after the
last batch, or — on a first load, or when too many persons were touched — the whole index with `rebuild`: the
default graph's `schema:author` triples read once, one person at a time (`all_rows`, bounded memory), rows
counted in Python and bulk-loaded (the same rows as `index_rows` for every person).
Canned queries read it with `GRAPH ?index { ?pair skg:pairAuthor ?x … }` (see `queries/coauthors.rq`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store

from scholarkg.loader.identity import Iris
from scholarkg.loader.store import VIEW_SOURCE_KINDS

_SKG = "https://w3id.org/scholarkg/ontology#"
_SCHEMA = "http://schema.org/"
_AUTHOR = NamedNode(_SCHEMA + "author")
_ABOUT = NamedNode(_SCHEMA + "about")
_BROADER = NamedNode("http://www.w3.org/2004/02/skos/core#broader")
_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_PAIR = NamedNode(_SKG + "CoauthorPair")
_COUNT = NamedNode(_SKG + "AuthorCategoryCount")
_PAIR_AUTHOR = NamedNode(_SKG + "pairAuthor")
_PAIR_COAUTHOR = NamedNode(_SKG + "pairCoauthor")
_JOINT = NamedNode(_SKG + "jointPapers")
_COAUTHOR = NamedNode(_SKG + "coauthor")
_COUNTED_AUTHOR = NamedNode(_SKG + "countedAuthor")
_COUNTED_CATEGORY = NamedNode(_SKG + "countedCategory")
_PAPERS = NamedNode(_SKG + "categoryPapers")
_PAIR_HEAD = f"{_TYPE} {_PAIR} ; {_PAIR_AUTHOR}"
_COUNT_HEAD = f"{_TYPE} {_COUNT} ; {_COUNTED_AUTHOR}"


_INDEX_PATH = "id/graph/coauthors"


def coauthor_graph(iris: Iris) -> NamedNode:
    return NamedNode(iris.base + _INDEX_PATH)


class _After:
    """The default graph as it will be once `graph` holds `new_quads` (read before that update runs).

    A triple is in the view afterwards when a view source other than `graph` states it, or `new_quads` does."""

    def __init__(self, store: Store, graph: NamedNode, new_quads: Iterable[Quad]) -> None:
        self.store = store
        self.graph = graph
        self.new: dict[tuple[object, NamedNode], set[object]] = {}
        self.new_by_object: dict[tuple[NamedNode, object], set[object]] = {}
        for quad in new_quads:
            if quad.predicate in (_AUTHOR, _ABOUT):
                self.new.setdefault((quad.subject, quad.predicate), set()).add(quad.object)
                self.new_by_object.setdefault((quad.predicate, quad.object), set()).add(quad.subject)
        self._sources: dict[object, bool] = {}

    def _is_source(self, graph: object) -> bool:
        if graph not in self._sources:
            self._sources[graph] = isinstance(graph, NamedNode) and any(
                str(q.object) in VIEW_SOURCE_KINDS for q in self.store.quads_for_pattern(graph, _TYPE, None, graph)
            )
        return self._sources[graph]

    def _kept(self, quads: Iterable[Quad], position: str) -> set[object]:
        return {
            getattr(q, position)
            for q in quads
            if q.graph_name != self.graph
            and not isinstance(q.graph_name, DefaultGraph)
            and self._is_source(q.graph_name)
        }

    def objects(self, subject: object, predicate: NamedNode) -> set[object]:
        kept = self._kept(self.store.quads_for_pattern(subject, predicate, None, None), "object")  # type: ignore[arg-type]
        return kept | self.new.get((subject, predicate), set())

    def subjects(self, predicate: NamedNode, obj: object) -> set[object]:
        kept = self._kept(self.store.quads_for_pattern(None, predicate, obj, None), "subject")  # type: ignore[arg-type]
        return kept | self.new_by_object.get((predicate, obj), set())


def affected_persons(store: Store, graph: NamedNode, new_quads: Iterable[Quad] = ()) -> set[NamedNode]:
    """Persons whose index rows may change when `graph` is replaced by `new_quads` (or removed): every author,
    before or after, of a paper whose authors or categories that page states (before or after)."""
    papers: set[object] = set()
    persons: set[NamedNode] = set()
    for predicate in (_AUTHOR, _ABOUT):
        papers.update(q.subject for q in store.quads_for_pattern(None, predicate, None, graph))
    for quad in new_quads:
        if quad.predicate in (_AUTHOR, _ABOUT):
            papers.add(quad.subject)
            if quad.predicate == _AUTHOR and isinstance(quad.object, NamedNode):
                persons.add(quad.object)
    for paper in papers:
        for quad in store.quads_for_pattern(paper, _AUTHOR, None, DefaultGraph()):  # type: ignore[arg-type]
            if isinstance(quad.object, NamedNode):
                persons.add(quad.object)
    return persons


def _ancestors(store: Store, concepts: Iterable[object], cache: dict[object, set[object]]) -> set[object]:
    """Concepts and everything above them by skos:broader (the taxonomy, read from the default graph)."""
    return ancestors(
        concepts,
        lambda node: (q.object for q in store.quads_for_pattern(node, _BROADER, None, DefaultGraph())),  # type: ignore[arg-type]
        cache,
    )


def ancestors(
    concepts: Iterable[object], broader: Callable[[object], Iterable[object]], cache: dict[object, set[object]]
) -> set[object]:
    """Each concept and everything above it by `broader` (`skos:broader*`: a concept reaches itself); `cache`
    keeps each concept's closure across calls. Shared with `loader.remote_index` (taxonomy read by SELECT)."""
    out: set[object] = set()
    for concept in concepts:
        if concept not in cache:
            found: set[object] = set()
            todo = [concept]
            while todo:
                node = todo.pop()
                if node not in found:
                    found.add(node)
                    todo.extend(broader(node))
            cache[concept] = found
        out |= cache[concept]
    return out


def index_operations(
    store: Store, iris: Iris, graph: NamedNode, new_quads: Iterable[Quad] = (), *, persons: set[NamedNode] | None = None
) -> list[str]:
    """Update operations (DELETE DATA + INSERT DATA) that rewrite the index rows of every affected person to
    what they are once `graph` holds `new_quads` — to run in the same update as that replacement (or removal).
    The new rows are computed here, from the store as it is plus the page's new quads."""
    old, new = index_rows(store, iris, graph, new_quads, persons=persons)
    index = coauthor_graph(iris)
    operations = []
    if old:
        operations.append(delete_data(index, old))
    if new:
        operations.append("INSERT DATA { GRAPH %s {\n%s\n} }" % (index, "\n".join(new)))  # noqa: UP031
    return operations


def index_rows(
    store: Store, iris: Iris, graph: NamedNode, new_quads: Iterable[Quad] = (), *, persons: set[NamedNode] | None = None
) -> tuple[list[Quad], list[str]]:
    """The index quads of every affected person as they are (to delete), and their rows once `graph` holds
    `new_quads` as Turtle statements without a graph (to insert into the index graph)."""
    new_quads = list(new_quads)
    if persons is None:
        persons = affected_persons(store, graph, new_quads)
    if not persons:
        return [], []
    after = _After(store, graph, new_quads)
    index = coauthor_graph(iris)
    old: list[Quad] = []
    new: list[str] = []
    papers_cache: dict[object, set[object]] = {}
    authors_cache: dict[object, set[object]] = {}
    concepts_cache: dict[object, set[object]] = {}
    for person in sorted(persons, key=lambda p: p.value):
        for link in (_PAIR_AUTHOR, _COUNTED_AUTHOR):
            for row in store.quads_for_pattern(None, link, person, index):
                old.extend(store.quads_for_pattern(row.subject, None, None, index))
        old.extend(store.quads_for_pattern(person, _COAUTHOR, None, index))
        if person not in papers_cache:
            papers_cache[person] = after.subjects(_AUTHOR, person)
        pairs: Counter[object] = Counter()
        concepts: Counter[object] = Counter()
        for paper in papers_cache[person]:
            if paper not in authors_cache:
                authors_cache[paper] = after.objects(paper, _AUTHOR)
            pairs.update(a for a in authors_cache[paper] if a != person)
            concepts.update(_ancestors(store, after.objects(paper, _ABOUT), concepts_cache))
        new.extend(person_rows(iris, person, pairs, concepts))
    return old, new


def person_rows(iris: Iris, person: NamedNode, pairs: Counter[object], concepts: Counter[object]) -> Iterator[str]:
    """The index rows of one person as Turtle statements (without a graph); also `loader.remote_index`'s."""
    x = str(person)
    key = person.value
    pair_row = f"<{iris.base}id/coauthor-pair/"  # + a hex digest: the IRI needs no escaping
    count_row = f"<{iris.base}id/author-category/"
    for other, n in pairs.items():
        row = pair_row + hashlib.md5(f"{key} {other.value}".encode()).hexdigest()  # type: ignore[attr-defined]
        yield f"{row}> {_PAIR_HEAD} {x} ; {_PAIR_COAUTHOR} {other} ; {_JOINT} {_int(n)} ."
        yield f"{x} {_COAUTHOR} {other} ."
    for concept, n in concepts.items():
        row = count_row + hashlib.md5(f"{key} {concept.value}".encode()).hexdigest()  # type: ignore[attr-defined]
        yield f"{row}> {_COUNT_HEAD} {x} ; {_COUNTED_CATEGORY} {concept} ; {_PAPERS} {_int(n)} ."


# Papers whose author lists `all_rows` keeps for reuse, at most (then it starts over): memory stays bounded
# whatever the corpus size.
PAPER_CACHE = 16_384


def all_rows(store: Store, iris: Iris) -> Iterator[str]:
    """Every row of the index, computed from the default graph as it is: the same rows `index_rows` gives for
    every person, streamed in bounded memory (one person's papers at a time, no pass held in memory; a
    16-byte digest per person done is the only state that grows).

    The persons come from one scan of the default graph's `schema:author` triples; each new one's papers are
    looked up, then each paper's authors and categories (a bounded cache spares repeats). On disk the scan
    follows the POS index, so a person's triples come together and the check against the previous object
    skips them; any other order (the in-memory store's) is still exact: a 16-byte digest per person done
    (~7 MB at 100k papers) skips the persons met again."""
    authors: dict[object, list[object]] = {}
    categories: dict[object, set[object]] = {}
    closure: dict[object, set[object]] = {}
    done: set[bytes] = set()
    previous: object = None
    for quad in store.quads_for_pattern(None, _AUTHOR, None, DefaultGraph()):
        person = quad.object
        if person == previous or not isinstance(person, NamedNode):
            continue
        previous = person
        key = hashlib.md5(person.value.encode()).digest()
        if key in done:
            continue
        done.add(key)
        if len(authors) > PAPER_CACHE:
            authors.clear()
            categories.clear()
        pairs: Counter[object] = Counter()
        concepts: Counter[object] = Counter()
        for paper in (q.subject for q in store.quads_for_pattern(None, _AUTHOR, person, DefaultGraph())):
            if paper not in authors:
                authors[paper] = [q.object for q in store.quads_for_pattern(paper, _AUTHOR, None, DefaultGraph())]  # type: ignore[arg-type]
                about = (q.object for q in store.quads_for_pattern(paper, _ABOUT, None, DefaultGraph()))  # type: ignore[arg-type]
                categories[paper] = _ancestors(store, about, closure)
            pairs.update(a for a in authors[paper] if a != person)
            concepts.update(categories[paper])
        yield from person_rows(iris, person, pairs, concepts)


def rebuild(store: Store, iris: Iris, *, rows_per_load: int = 50_000) -> None:
    """Recompute the whole index from the default graph: the index graph is emptied, then every row
    (`all_rows`) is bulk-loaded into it, `rows_per_load` statements at a time — each chunk by a loader thread
    while the next is computed (`Store.bulk_load` releases the GIL). Not one transaction: a crash in between
    leaves a partial index, which `loader.batch_load`'s marker makes the next open rebuild."""
    index = coauthor_graph(iris)
    store.remove_graph(index)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scholarkg-index") as loader:
        loading: Future[None] | None = None
        for chunk in _chunks(all_rows(store, iris), rows_per_load):
            if loading is not None:
                loading.result()
            loading = loader.submit(_load_rows, store, index, chunk)
        if loading is not None:
            loading.result()
    store.add_graph(index)


def _chunks(rows: Iterator[str], size: int) -> Iterator[bytes]:
    chunk: list[str] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield "\n".join(chunk).encode()
            chunk = []
    if chunk:
        yield "\n".join(chunk).encode()


def _load_rows(store: Store, index: NamedNode, rows: bytes) -> None:
    store.bulk_load(input=rows, format=RdfFormat.TURTLE, to_graph=index, lenient=True)


def delete_data(index: NamedNode, quads: Iterable[Quad]) -> str:
    """A DELETE DATA operation removing `quads` (rows of) the index graph."""
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"DELETE DATA {{ GRAPH {index} {{\n{lines}\n}} }}"


def _md5(a: object, b: object) -> str:
    return hashlib.md5(f"{a.value} {b.value}".encode()).hexdigest()  # type: ignore[attr-defined]


@lru_cache(maxsize=1 << 12)
def _int(n: int) -> str:
    return str(Literal(str(n), datatype=_XSD_INTEGER))


def index_missing(store: Store, iris: Iris) -> bool:
    """True when pages are loaded but the index graph does not exist (a store from before the index), or when it
    has pair rows but no `skg:coauthor` edge (an index from before the edges): either way, rebuild it."""
    index = coauthor_graph(iris)
    if store.contains_named_graph(index):
        return _without_edges(store, index)
    source = NamedNode(_SKG + "SourcePage")
    return _first(store, None, _TYPE, source, DefaultGraph()) is not None


def outdated_index(store: Store) -> Iris | None:
    """The base IRI of an index written before the `skg:coauthor` edges (an index graph `{base}id/graph/coauthors`
    with pair rows and no edge), or None. `batch_load.upgrade_coauthor_index` rebuilds it. Run at every
    read-write open: an edge in an index graph settles it in one lookup; only a store without one (older, or
    with no index) has its graph names scanned (0.14 s for 20,079 graphs at 100k papers)."""
    edge = _first(store, None, _COAUTHOR, None, None)
    if edge is not None and isinstance(edge.graph_name, NamedNode) and edge.graph_name.value.endswith(_INDEX_PATH):
        return None
    for graph in store.named_graphs():
        if isinstance(graph, NamedNode) and graph.value.endswith(_INDEX_PATH) and _without_edges(store, graph):
            return Iris(graph.value[: -len(_INDEX_PATH)])
    return None


def _without_edges(store: Store, graph: NamedNode) -> bool:
    """The index graph has pair rows but no `skg:coauthor` edge: written before the edges."""
    return _first(store, None, _TYPE, _PAIR, graph) is not None and _first(store, None, _COAUTHOR, None, graph) is None


def _first(store: Store, s: object, p: object, o: object, g: object) -> Quad | None:
    return next(iter(store.quads_for_pattern(s, p, o, g)), None)  # type: ignore[arg-type]
