"""Many pages into the embedded store: parse and map in worker processes, write in batches through
`Store.bulk_load` (the fastest path pyoxigraph has), keep the view exact per batch, and bring the indexes up to
date once, after the last batch.

Pipeline (`load_pages`):

1. workers (`ProcessPoolExecutor`, all cores) read, parse, check and map each page (`prepare_page`) and return
   its quads as N-Quads text — the page's named graph plus, since a page is a view source, the same triples for
   the default graph (the deduplicated view: a triple already there, or stated twice, is stored once) — and the
   IRIs the indexes need (papers, named entities). At most `IN_FLIGHT_PER_WORKER` pages per worker are in
   flight, so memory does not grow with the corpus;
2. the main process gathers pages into a batch of at most `BATCH_QUADS` quads (a file name twice starts a new
   batch); a writer thread writes it (`write_batch`) while the next batch is gathered (one batch at a time):
   a. the marker graph (`BATCH_MARKER`) gets the load's base IRI and the batch's graphs (one transaction);
   b. the pages being *reloaded* are removed as `remove_graph` does (one transaction: their triples leave the
      view unless another view source states them);
   c. every quad of the batch is bulk-loaded (`Store.bulk_load`: not transactional);
   d. the batch's graphs leave the marker (the batch is whole); the marker itself stays. The persons whose
      co-author rows and the entities whose full-text rows may change (`PendingIndexes`: authors, before or
      after, of a paper the batch states; entities it names, before or after) are added to the load's list;
3. after the last batch, the index step (`finish_indexes`): the co-author rows of those persons are recomputed
   (old rows removed, new rows bulk-loaded) — or, on a first load (the index was empty) or past
   `INCREMENTAL_PERSONS`, the whole index is rebuilt from one pass over the default graph
   (`coauthors.rebuild`); then the full-text rows of those entities are rewritten (or, likewise, the whole text
   index rebuilt); then the marker is dropped.

What a load guarantees on a crash: each batch is all-or-nothing *after recovery*, and the indexes are exact
after recovery. If the process dies anywhere between the first (a) and the end of step 3, the marker stays;
the next `GraphStore.open` for writing (`recover_batch`) drops every graph the marker still names (the batch
being written, if any: a reloaded page loses its old version too), rebuilds the default-graph view from the
view sources, the co-author index and the full-text index, then drops the marker. Pages of earlier batches
are whole. `scholarkg sources` afterwards lists only whole pages; load the missing ones again. While a load
runs, the indexes lag the pages (until step 3); a reader opened beside the loader can see that.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, serialize

from scholarkg.loader.coauthors import affected_persons, coauthor_graph, delete_data, index_rows, outdated_index
from scholarkg.loader.coauthors import rebuild as rebuild_coauthors
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
# Past this many affected persons (named entities), the index step rebuilds the co-author (full-text) index whole
# from one pass over the store instead of recomputing row by row (and the load stops collecting them).
INCREMENTAL_PERSONS = 2_000
INCREMENTAL_NAMED = 20_000

_SCHEMA = "http://schema.org/"
_AUTHOR = NamedNode(_SCHEMA + "author")
_ABOUT = NamedNode(_SCHEMA + "about")
_PENDING = NamedNode("urn:scholarkg:batch:pending")
_BASE = NamedNode("urn:scholarkg:batch:base")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedPage:
    """One page, parsed and mapped (in a worker): everything here is picklable."""

    label: str
    graph: str | None = None
    page_format: PageFormat | None = None
    entries: int = 0
    quads: int = 0
    error: PageError | None = None
    nquads: bytes = b""  # the page graph's quads as N-Quads
    view: bytes = b""  # a view source: its triples as N-Triples (for the default graph)
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
    view = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES) if is_view_source(graph, quads) else b""
    papers = {q.subject.value for q in quads if q.predicate in (_AUTHOR, _ABOUT)}
    return PreparedPage(
        label=label,
        graph=graph.value,
        page_format=page.format,
        entries=len(page.entries),
        quads=len(quads),
        nquads=serialize(quads, format=RdfFormat.N_QUADS),
        view=view,
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


@dataclass
class PendingIndexes:
    """What the load's batches leave for the index step (`finish_indexes`): the persons whose co-author rows and
    the entities whose full-text rows may have changed, or `None` for an index rebuilt whole at the end (it was
    empty when the load began — a first load — or too many of its rows changed)."""

    persons: set[NamedNode] | None = field(default_factory=set)
    named: set[NamedNode] | None = field(default_factory=set)

    @classmethod
    def start(cls, store: GraphStore, iris: Iris) -> PendingIndexes:
        empty = next(iter(store.store.quads_for_pattern(None, None, None, coauthor_graph(iris))), None) is None
        return cls(persons=None if empty else set(), named=None if store.text_is_empty() else set())

    def add_persons(self, persons: Iterable[NamedNode]) -> None:
        if self.persons is not None:
            self.persons.update(persons)
            if len(self.persons) > INCREMENTAL_PERSONS:
                self.persons = None

    def add_named(self, named: Iterable[NamedNode]) -> None:
        if self.named is not None:
            self.named.update(named)
            if len(self.named) > INCREMENTAL_NAMED:
                self.named = None


def load_pages(
    store: GraphStore,
    pages: Iterable[PreparedPage],
    iris: Iris,
    *,
    batch_quads: int = BATCH_QUADS,
    counters: LoadCounters | None = None,
    on_batch: Callable[[LoadCounters], None] | None = None,
) -> Iterator[PreparedPage]:
    """Write prepared pages in batches (`write_batch`), then bring the co-author and full-text indexes up to date
    once (`finish_indexes`); yields each page, in order, once its batch is stored (a failed page is only
    reported). Until the index step is done the store keeps the batch marker (see the module docstring)."""
    counters = counters if counters is not None else LoadCounters()
    batch: list[PreparedPage] = []
    graphs: set[str] = set()
    size = 0
    pending: PendingIndexes | None = None
    # One batch is written (by the writer thread: `Store.bulk_load` releases the GIL) while the next is gathered.
    writing: tuple[Future[None] | None, list[PreparedPage], list[PreparedPage]] | None = None
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scholarkg-writer")

    def write(stored: list[PreparedPage]) -> None:
        nonlocal pending
        if pending is None:
            pending = PendingIndexes.start(store, iris)
        write_batch(store, iris, stored, pending)

    def settle() -> list[PreparedPage]:
        """Wait for the batch being written (its error is raised here); its pages."""
        nonlocal writing
        if writing is None:
            return []
        future, done, stored = writing
        writing = None
        if future is not None:
            error = future.exception()
            del future  # no cycle error → traceback → this frame → future → error (it would keep the store open)
            if error is not None:
                try:
                    raise error
                finally:
                    del error
            counters.batches += 1
            counters.pages += len(stored)
            counters.quads += sum(p.quads for p in stored)
        counters.failed += len(done) - len(stored)
        if done and on_batch is not None:
            on_batch(counters)
        return done

    def flush() -> list[PreparedPage]:
        """Start writing the gathered batch (once the one before is written); the pages of the one before."""
        nonlocal batch, graphs, size, writing
        before = settle()
        stored = [p for p in batch if p.error is None]
        writing = (writer.submit(write, stored) if stored else None, batch, stored)
        batch, graphs, size = [], set(), 0
        return before

    try:
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
        yield from settle()
    finally:
        writer.shutdown(wait=True)  # never leave a batch being written behind (an error, or a caller that stops)
    if pending is not None:
        finish_indexes(store, iris, pending)


def write_batch(store: GraphStore, iris: Iris, pages: list[PreparedPage], pending: PendingIndexes) -> None:
    """Replace the graph of each page (distinct graphs) and bring the view up to date; record in `pending` what
    the index step must recompute. See the module docstring for what happens on a crash."""
    raw = store.store
    graphs = [NamedNode(p.graph) for p in pages if p.graph is not None]
    reloaded = [g for g in graphs if raw.contains_named_graph(g)]
    for graph in reloaded:  # what the old versions stated, read before they go
        if pending.persons is not None:
            pending.add_persons(affected_persons(raw, graph))
        if pending.named is not None:
            pending.add_named(store.named_in(graph))
    _mark(store, iris, graphs)
    if reloaded:
        raw.update(" ;\n".join(op for graph in reloaded for op in remove_operations(graph)))
    # The pages' quads, and their triples into the default graph (the view: one already there stays once, and so
    # does one the batch states twice — the bulk loader writes each quad once).
    raw.bulk_load(
        input=b"".join([*(p.nquads for p in pages), *(p.view for p in pages)]), format=RdfFormat.N_QUADS, lenient=True
    )
    _unmark(store)
    if pending.named is not None:
        pending.add_named(NamedNode(n) for p in pages for n in p.named)
    if pending.persons is not None:
        persons: set[NamedNode] = set()
        for paper in {p for page in pages for p in page.papers}:
            for quad in raw.quads_for_pattern(NamedNode(paper), _AUTHOR, None, DefaultGraph()):
                if isinstance(quad.object, NamedNode):
                    persons.add(quad.object)
        pending.add_persons(persons)


def finish_indexes(store: GraphStore, iris: Iris, pending: PendingIndexes) -> None:
    """The index step of a load: the co-author rows of the pending persons are recomputed (old rows removed, new
    rows bulk-loaded), or the whole index is rebuilt (`coauthors.rebuild`); then the full-text rows of the pending
    entities are rewritten (or the whole text index rebuilt); then the marker is dropped. (One after the other,
    not in two threads: each reads the whole store, and two would contend for the same two cores and caches.)"""
    _finish_coauthors(store, iris, pending.persons)
    _finish_text(store, pending.named)
    store.store.remove_graph(BATCH_MARKER)


def _finish_coauthors(store: GraphStore, iris: Iris, persons: set[NamedNode] | None) -> None:
    raw = store.store
    if persons is None:
        rebuild_coauthors(raw, iris)
    elif persons:
        nobody = iris.of("graph", "none")  # no page being replaced any more: the store as it is
        old, new = index_rows(raw, iris, nobody, persons=persons)
        if old:  # one transaction naming every quad (a `VALUES ?row` join was planned as a scan of the index)
            raw.update(delete_data(coauthor_graph(iris), old))
        if new:
            raw.bulk_load(
                input="\n".join(new).encode(), format=RdfFormat.TURTLE, to_graph=coauthor_graph(iris), lenient=True
            )


def _finish_text(store: GraphStore, named: set[NamedNode] | None) -> None:
    if named is None:
        store.rebuild_text()
    else:
        store.refresh_text(named)


def _mark(store: GraphStore, iris: Iris, graphs: list[NamedNode]) -> None:
    """The marker of a batch being written: the base IRI (kept until the index step is done) and its graphs."""
    marker = [Quad(BATCH_MARKER, _BASE, Literal(iris.base), BATCH_MARKER)]
    marker.extend(Quad(BATCH_MARKER, _PENDING, graph, BATCH_MARKER) for graph in graphs)
    store.store.extend(marker)  # one transaction


def _unmark(store: GraphStore) -> None:
    """The batch is whole: its graphs leave the marker (which stays, for the index step)."""
    store.store.update(f"DELETE WHERE {{ GRAPH {BATCH_MARKER} {{ {BATCH_MARKER} {_PENDING} ?graph }} }}")


def rebuild_coauthor_index(store: GraphStore, iris: Iris) -> None:
    """The whole co-author index rebuilt under the batch marker: a crash in the middle leaves the marker, and the
    next open rebuilds the indexes (`recover_batch`), never a partial index taken for whole."""
    _mark(store, iris, [])
    rebuild_coauthors(store.store, iris)
    store.store.remove_graph(BATCH_MARKER)


def upgrade_coauthor_index(store: GraphStore) -> bool:
    """Rebuild a co-author index written before the `skg:coauthor` edges (run when a store is opened for
    writing). True when it was rebuilt."""
    iris = outdated_index(store.store)
    if iris is None:
        return False
    log.warning("the co-author index predates its skg:coauthor edges: rebuilding it (once; minutes at 1M papers)")
    rebuild_coauthor_index(store, iris)
    return True


def recover_batch(store: GraphStore) -> list[str]:
    """After a crash inside a load (a batch, or the index step after the batches): drop the pages of the batch
    being written, rebuild the view, the co-author index and the full-text index, drop the marker. Returns the
    graphs dropped (nothing to do, or only the indexes to rebuild: [])."""
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
        rebuild_coauthors(raw, Iris(bases[0]))
    store.text.rebuild(raw)
    raw.remove_graph(BATCH_MARKER)
    return [g.value for g in graphs]
