"""Many pages into the embedded store: parse and map in worker processes, write in batches through
`Store.bulk_load` (the fastest path pyoxigraph has), maintain the view and the indexes once per batch.

Pipeline (`load_pages`):

1. workers (`ProcessPoolExecutor`, all cores) read, parse, check and map each page (`prepare_page`) and return
   its quads as N-Quads text — the page's named graph plus, since a page is a view source, the same triples in
   the default graph (the deduplicated view: a triple already there is simply not added twice) — and the IRIs
   the indexes need (papers, authors, named entities). At most `IN_FLIGHT_PER_WORKER` pages per worker are in
   flight, so memory does not grow with the corpus;
2. the main process gathers pages into a batch of at most `BATCH_QUADS` quads (a file name twice starts a new
   batch) and writes it (`write_batch`):
   a. a marker graph (`BATCH_MARKER`) naming the batch's graphs is stored (one transaction);
   b. the pages being *reloaded* are removed as `remove_graph` does (one transaction: their triples leave the
      view unless another view source states them);
   c. every quad of the batch is bulk-loaded (`Store.bulk_load`: not transactional);
   d. the co-author index rows of every person who authors a paper the batch states (before or after) are
      recomputed (old rows removed, new rows bulk-loaded), then the full-text rows of every entity the batch
      names (before or after);
   e. the marker is dropped.

What a batch guarantees on a crash: a batch is all-or-nothing *after recovery*. If the process dies between
(a) and (e), the marker stays; the next `GraphStore.open` for writing (`recover_batch`) drops every graph the
marker names (a reloaded page loses its old version too), rebuilds the default-graph view from the view
sources, the co-author index and the full-text index, then drops the marker. Pages of earlier batches are
whole. `scholarkg sources` afterwards lists only whole pages; load the missing ones again.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat

from scholarkg.loader.coauthors import affected_persons, coauthor_graph, index_rows, rebuild_operations
from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import Iris
from scholarkg.loader.mapping import page_quads
from scholarkg.loader.pages import parse_page, read_source
from scholarkg.loader.records import PageFormat
from scholarkg.loader.store import BATCH_MARKER, GraphStore, is_view_source, remove_operations
from scholarkg.loader.text_index import named_subjects

BATCH_QUADS = 200_000  # page quads per write batch (the batch's N-Quads text is held once in memory)
IN_FLIGHT_PER_WORKER = 4  # pages parsed ahead of the writer, per worker
POOL_MIN_PAGES = 8  # fewer pages are parsed in this process (a pool costs more than it saves)

_SCHEMA = "http://schema.org/"
_AUTHOR = NamedNode(_SCHEMA + "author")
_ABOUT = NamedNode(_SCHEMA + "about")
_PENDING = NamedNode("urn:scholarkg:batch:pending")
_BASE = NamedNode("urn:scholarkg:batch:base")


@dataclass(frozen=True)
class PreparedPage:
    """One page, parsed and mapped (in a worker): everything here is picklable."""

    label: str
    graph: str | None = None
    page_format: PageFormat | None = None
    entries: int = 0
    quads: int = 0
    error: PageError | None = None
    nquads: bytes = b""  # the page graph's quads as N-Quads lines
    view: bytes = b""  # a view source: its triples as N-Triples lines (for the default graph)
    papers: tuple[str, ...] = ()  # subjects of schema:author / schema:about
    named: tuple[str, ...] = ()  # subjects of schema:name (full-text rows)


def prepare_page(path: Path, as_of: dt.date, base: str, page_format: PageFormat | None) -> PreparedPage:
    """Read, parse and map one page (runs in a worker)."""
    iris = Iris(base)
    label = str(path)
    try:
        source = read_source(path)
        page = parse_page(source.text, label, as_of, page_format)
        quads = page_quads(page, file_name=source.name, label=label, sha256=source.sha256, as_of=as_of, iris=iris)
    except PageError as error:
        return PreparedPage(label=label, error=error)
    graph = iris.source(source.name)
    view = ""
    if is_view_source(graph, quads):
        view = "".join({f"{q.subject} {q.predicate} {q.object} .\n": None for q in quads})
    papers = {q.subject.value for q in quads if q.predicate in (_AUTHOR, _ABOUT)}
    return PreparedPage(
        label=label,
        graph=graph.value,
        page_format=page.format,
        entries=len(page.entries),
        quads=len(quads),
        nquads="".join(f"{q} .\n" for q in quads).encode(),
        view=view.encode(),
        papers=tuple(sorted(papers)),
        named=tuple(sorted(n.value for n in named_subjects(quads))),
    )


def prepared_pages(
    files: list[Path], *, as_of: dt.date, base: str, page_format: PageFormat | None, jobs: int | None = None
) -> Iterator[PreparedPage]:
    """`prepare_page` of each file, in order; on `jobs` worker processes (default: all cores) with a bounded
    number of pages in flight."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < POOL_MIN_PAGES:
        for path in files:
            yield prepare_page(path, as_of, base, page_format)
        return
    window = jobs * IN_FLIGHT_PER_WORKER
    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("forkserver")) as pool:
        pending: deque[Future[PreparedPage]] = deque()
        todo = iter(files)
        for path in todo:
            pending.append(pool.submit(prepare_page, path, as_of, base, page_format))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.submit(prepare_page, following, as_of, base, page_format))
            yield result


@dataclass
class LoadCounters:
    """What a load has written so far (for progress lines)."""

    pages: int = 0
    quads: int = 0
    failed: int = 0
    batches: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def load_pages(
    store: GraphStore,
    pages: Iterable[PreparedPage],
    iris: Iris,
    *,
    batch_quads: int = BATCH_QUADS,
    counters: LoadCounters | None = None,
    on_batch: Callable[[LoadCounters], None] | None = None,
) -> Iterator[PreparedPage]:
    """Write prepared pages in batches (`write_batch`); yields each page, in order, once its batch is stored
    (a failed page is only reported)."""
    counters = counters if counters is not None else LoadCounters()
    batch: list[PreparedPage] = []
    graphs: set[str] = set()
    size = 0

    def flush() -> list[PreparedPage]:
        nonlocal batch, graphs, size
        done = batch
        stored = [p for p in done if p.error is None]
        if stored:
            write_batch(store, iris, stored)
            counters.batches += 1
            counters.pages += len(stored)
            counters.quads += sum(p.quads for p in stored)
        counters.failed += len(done) - len(stored)
        if done and on_batch is not None:
            on_batch(counters)
        batch, graphs, size = [], set(), 0
        return done

    for page in pages:
        if page.graph is not None and page.error is None:
            if page.graph in graphs:  # the same file name again: it replaces the earlier one, so write that first
                yield from flush()
            graphs.add(page.graph)
            size += page.quads
        batch.append(page)
        if size >= batch_quads:
            yield from flush()
    yield from flush()


def write_batch(store: GraphStore, iris: Iris, pages: list[PreparedPage]) -> None:
    """Replace the graph of each page (distinct graphs) and bring the view and the indexes up to date; see the
    module docstring for what happens on a crash."""
    raw = store.store
    graphs = [NamedNode(p.graph) for p in pages if p.graph is not None]
    reloaded = [g for g in graphs if raw.contains_named_graph(g)]
    persons: set[NamedNode] = set()
    named = {NamedNode(n) for p in pages for n in p.named}
    for graph in reloaded:  # what the old versions stated, read before they go
        persons |= affected_persons(raw, graph)
        named |= store.named_in(graph)
    _mark(store, iris, graphs)
    if reloaded:
        raw.update(" ;\n".join(op for graph in reloaded for op in remove_operations(graph)))
    # The view: the batch's distinct triples into the default graph (one already there stays once).
    view = set(b"".join(p.view for p in pages).splitlines(keepends=True))
    raw.bulk_load(input=b"".join([*(p.nquads for p in pages), *view]), format=RdfFormat.N_QUADS)
    del view
    for paper in {p for page in pages for p in page.papers}:
        for quad in raw.quads_for_pattern(NamedNode(paper), _AUTHOR, None, DefaultGraph()):
            if isinstance(quad.object, NamedNode):
                persons.add(quad.object)
    nobody = iris.of("graph", "none")  # no page being replaced any more: the store as it is
    old, new = index_rows(raw, iris, nobody, persons=persons)
    if old:  # one transaction; the text names the persons only (their rows are found by Oxigraph)
        raw.update(" ;\n".join(_delete_rows(coauthor_graph(iris), {q.subject for q in old})))
    if new:
        raw.bulk_load(input="\n".join(new).encode(), format=RdfFormat.TURTLE, to_graph=coauthor_graph(iris))
    store.refresh_text(named)
    raw.remove_graph(BATCH_MARKER)


def _delete_rows(index: NamedNode, rows: set[object], per_operation: int = 5_000) -> list[str]:
    """DELETE operations removing every quad of the index rows `rows` (subjects) from the index graph."""
    ordered = sorted(str(r) for r in rows)
    chunks = (" ".join(ordered[i : i + per_operation]) for i in range(0, len(ordered), per_operation))
    return [
        f"DELETE {{ GRAPH {index} {{ ?row ?p ?o }} }}"
        f" WHERE {{ VALUES ?row {{ {chunk} }} GRAPH {index} {{ ?row ?p ?o }} }}"
        for chunk in chunks
    ]


def _mark(store: GraphStore, iris: Iris, graphs: list[NamedNode]) -> None:
    marker = [Quad(BATCH_MARKER, _BASE, Literal(iris.base), BATCH_MARKER)]
    marker.extend(Quad(BATCH_MARKER, _PENDING, graph, BATCH_MARKER) for graph in graphs)
    store.store.extend(marker)  # one transaction


def recover_batch(store: GraphStore) -> list[str]:
    """After a crash inside `write_batch`: drop the pages of that batch, rebuild the view, the co-author index and
    the full-text index, drop the marker. Returns the graphs dropped (nothing to do: [])."""
    raw = store.store
    if not raw.contains_named_graph(BATCH_MARKER):
        return []
    marker = list(raw.quads_for_pattern(None, None, None, BATCH_MARKER))
    graphs = [q.object for q in marker if q.predicate == _PENDING and isinstance(q.object, NamedNode)]
    bases = [q.object.value for q in marker if q.predicate == _BASE]
    if graphs:
        raw.update(" ;\n".join(f"DROP SILENT GRAPH {graph}" for graph in graphs))
    store.rebuild_view()
    if bases:
        raw.update(" ;\n".join(rebuild_operations(raw, Iris(bases[0]))))
    store.text.rebuild(raw)
    raw.remove_graph(BATCH_MARKER)
    return [g.value for g in graphs]
