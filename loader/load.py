"""Load page files into the store: read → parse → map → replace the page's graph (per page, atomic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from scholarkg.loader import remote_index
from scholarkg.loader.backend import StoreBackend
from scholarkg.loader.batch_load import LoadCounters, load_pages, prepared_pages, rebuild_coauthor_index
from scholarkg.loader.coauthors import affected_persons, index_missing, index_operations
from scholarkg.loader.errors import LoaderError, PageError
from scholarkg.loader.identity import ONTOLOGY_GRAPH, Iris
from scholarkg.loader.mapping import page_quads
from scholarkg.loader.pages import SourceFile, decode_source, parse_page, read_source
from scholarkg.loader.records import PageFormat
from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.store import GraphStore
from scholarkg.ontology import ONTOLOGY_TTL
from scholarkg.ontology.taxonomy import taxonomy_triples

PAGE_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class LoadResult:
    """What loading one page did (or why it did nothing)."""

    label: str
    graph: str | None = None
    page_format: PageFormat | None = None
    entries: int = 0
    quads: int = 0
    error: PageError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders contribute their `*.txt` files (sorted, not hidden)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix in PAGE_SUFFIXES and not p.name.startswith(".")
                )
            )
        elif path.exists():
            files.append(path)
        else:
            raise LoaderError(f"{path}: no such file or folder")
    return files


def reference_graphs(iris: Iris) -> list[tuple[NamedNode, Iterator[Quad]]]:
    """The ontology and the arXiv taxonomy, each as (graph, its quads)."""
    scheme = iris.taxonomy_scheme
    ontology = (
        Quad(t.subject, t.predicate, t.object, ONTOLOGY_GRAPH)
        for t in parse(path=str(ONTOLOGY_TTL), format=RdfFormat.TURTLE)
    )
    taxonomy = (Quad(t.subject, t.predicate, t.object, scheme) for t in taxonomy_triples(iris.base))
    return [(ONTOLOGY_GRAPH, ontology), (scheme, taxonomy)]


def ensure_reference_graphs(store: StoreBackend, iris: Iris) -> None:
    """Load (or refresh) the ontology and the arXiv taxonomy, each in its own graph."""
    for graph, quads in reference_graphs(iris):
        store.replace_graph(graph, quads)
    ensure_indexes(store, iris)


def ensure_indexes(store: StoreBackend, iris: Iris) -> None:
    """Build the view and the co-author index of a store written before they existed, or the index again when it
    predates its `skg:coauthor` edges (a no-op when both are there: a query or two)."""
    if isinstance(store, RemoteStore):
        if store.view_missing():
            store.rebuild_view()
        if remote_index.index_missing(store, iris):
            remote_index.rebuild(store, iris)
    elif index_missing(store.store, iris):
        rebuild_coauthor_index(store, iris)


def load_source(
    store: StoreBackend,
    source: SourceFile,
    *,
    label: str,
    as_of: dt.date,
    iris: Iris,
    page_format: PageFormat | None = None,
    deferred: set[NamedNode] | None = None,
) -> LoadResult:
    """Parse and store one page; on any PageError the store is left as it was.

    The co-author index is updated in the page's own transaction, unless `deferred` is given: then the
    affected persons are added to it and the caller recomputes them once (`finish_index`)."""
    try:
        page = parse_page(source.text, label, as_of, page_format)
        quads = page_quads(page, file_name=source.name, label=label, sha256=source.sha256, as_of=as_of, iris=iris)
    except PageError as error:
        return LoadResult(label=label, error=error)
    graph: NamedNode = iris.source(source.name)
    if isinstance(store, RemoteStore):  # the engine recomputes the index rows (`loader.remote_index`)
        persons = remote_index.page_persons(store, graph, quads)
        store.replace_graph(graph, quads)
        if deferred is None:
            remote_index.refresh_persons(store, iris, persons | remote_index.page_persons(store, graph))
        else:
            deferred |= persons
    elif deferred is None:
        store.replace_graph(graph, quads, also=index_operations(store.store, iris, graph, quads))
    else:
        deferred |= affected_persons(store.store, graph, quads)
        store.replace_graph(graph, quads)
    return LoadResult(
        label=label, graph=graph.value, page_format=page.format, entries=len(page.entries), quads=len(quads)
    )


def remove_source(store: StoreBackend, graph: NamedNode, iris: Iris) -> None:
    """Drop one page's graph; the default-graph view and the co-author index follow in the same transaction
    (on a remote engine: in the next request, `loader.remote_index`). An index that predates its edges is rebuilt
    first: refreshing only this page's persons would leave the others without them."""
    ensure_indexes(store, iris)
    if isinstance(store, RemoteStore):
        persons = remote_index.page_persons(store, graph)
        store.remove_graph(graph)
        remote_index.refresh_persons(store, iris, persons)
        return
    store.remove_graph(graph, also=index_operations(store.store, iris, graph))


def load_files(
    store: StoreBackend,
    files: Iterable[Path],
    *,
    as_of: dt.date,
    iris: Iris,
    page_format: PageFormat | None = None,
    jobs: int | None = None,
    on_batch: Callable[[LoadCounters], None] | None = None,
) -> Iterator[LoadResult]:
    """Load pages; yields one result per page, in order.

    Embedded store: pages are parsed and mapped in `jobs` worker processes (default: all cores) and written in
    batches (`loader.batch_load`: bulk load and the view per batch, the indexes once at the end; a batch cut short
    by a crash is dropped whole on the next open, and indexes left behind by one are rebuilt). `on_batch` is called
    after each batch with the running counts.

    Remote store: one page at a time (Graph Store PUT), then the co-author index for every person the load touched
    in one more request; until then a reader can see the new pages with the index of before, and a crash before
    it leaves the index behind until the next load of those pages."""
    ensure_reference_graphs(store, iris)
    files = list(files)
    if isinstance(store, GraphStore):
        pages = prepared_pages(files, as_of=as_of, base=iris.base, page_format=page_format, jobs=jobs)
        for page in load_pages(store, pages, iris, on_batch=on_batch):
            yield LoadResult(
                label=page.label,
                graph=page.graph,
                page_format=page.page_format,
                entries=page.entries,
                quads=page.quads,
                error=page.error,
            )
        store.flush()
        return
    touched: set[NamedNode] = set()
    try:
        for path in files:
            try:
                source = read_source(path)
            except PageError as error:
                yield LoadResult(label=str(path), error=error)
                continue
            yield load_source(
                store, source, label=str(path), as_of=as_of, iris=iris, page_format=page_format, deferred=touched
            )
    finally:
        finish_index(store, iris, touched)
        store.flush()


def finish_index(store: StoreBackend, iris: Iris, persons: set[NamedNode]) -> None:
    """Recompute the co-author index rows of `persons` from the store as it is (one transaction)."""
    if isinstance(store, RemoteStore):
        remote_index.refresh_persons(store, iris, persons)
        return
    nobody = iris.of("graph", "none")  # no page being replaced: the default graph as it is
    operations = index_operations(store.store, iris, nobody, persons=persons)
    if operations:
        store.store.update(" ;\n".join(operations))


def load_bytes(
    store: StoreBackend, name: str, data: bytes, *, as_of: dt.date, iris: Iris, page_format: PageFormat | None = None
) -> LoadResult:
    """Load a page given as bytes (e.g. uploaded through the API)."""
    try:
        source = decode_source(name, data)
    except PageError as error:
        return LoadResult(label=name, error=error)
    ensure_reference_graphs(store, iris)
    return load_source(store, source, label=name, as_of=as_of, iris=iris, page_format=page_format)
