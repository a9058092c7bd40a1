"""Pages → N-Quads shards without an embedded store (`scholarkg load --to-shards DIR`).

Pages are read, parsed and mapped in worker processes (in order, a bounded batch at a time); their quads go
straight into rolling gzip shards of at most `per_shard` quads, after the reference graphs (ontology,
taxonomy). A page that fails is reported and left out; the others are written.

With `view=True` (`--for oxigraph`), every view source's triples (`loader.store.is_view_source`: the pages, the
ontology, the taxonomy) are also written as default-graph lines into rolling shards in `DIR/view/`: the view the
embedded store would hold in its default graph, where a fact stated by several pages appears once per page (the
engine keeps one: RDF set semantics).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import reference_graphs
from scholarkg.loader.mapping import page_quads
from scholarkg.loader.pages import parse_page, read_source
from scholarkg.loader.records import PageFormat
from scholarkg.loader.shards import VIEW_DIR, Manifest, ShardWriter, quad_lines
from scholarkg.loader.store import is_view_source

BATCH = 64  # pages in flight at once: bounds the memory held between the workers and the writer


@dataclass(frozen=True)
class PageShardResult:
    label: str
    graph: str | None = None
    page_format: str | None = None
    entries: int = 0
    quads: int = 0
    error: str | None = None
    nquads: bytes = b""
    view: bytes = b""  # the page's triples as default-graph lines (with `view=True`, when it is a view source)


def page_nquads(
    path: Path, as_of: dt.date, base: str, page_format: PageFormat | None, view: bool = False
) -> PageShardResult:
    """Read, parse and map one page to N-Quads text (runs in a worker; everything returned is picklable)."""
    iris = Iris(base)
    label = str(path)
    try:
        source = read_source(path)
        page = parse_page(source.text, label, as_of, page_format)
        quads = page_quads(page, file_name=source.name, label=label, sha256=source.sha256, as_of=as_of, iris=iris)
    except PageError as error:
        return PageShardResult(label=label, error=str(error))
    graph = iris.source(source.name)
    return PageShardResult(
        label=label,
        graph=graph.value,
        page_format=page.format,
        entries=len(page.entries),
        quads=len(quads),
        nquads=b"".join(quad_lines(quads)),
        view=b"".join(quad_lines(q.triple for q in quads)) if view and is_view_source(graph, quads) else b"",
    )


def _results(
    files: list[Path], as_of: dt.date, base: str, page_format: PageFormat | None, jobs: int, view: bool
) -> Iterator[PageShardResult]:
    if jobs <= 1:
        for path in files:
            yield page_nquads(path, as_of, base, page_format, view)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for start in range(0, len(files), BATCH):
            batch = files[start : start + BATCH]
            n = len(batch)
            yield from pool.map(page_nquads, batch, [as_of] * n, [base] * n, [page_format] * n, [view] * n)


def _lines(text: bytes) -> Iterator[bytes]:
    return (line + b"\n" for line in text.split(b"\n")[:-1])


class RollingShards:
    """Writes lines into consecutive shards of at most `per_shard` quads each."""

    def __init__(self, directory: Path, per_shard: int) -> None:
        if per_shard < 1:
            raise ValueError("quads per shard must be at least 1")
        self.writer = ShardWriter(directory)
        self.per_shard = per_shard
        self._pending: list[bytes] = []

    def add(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self._pending.append(line)
            if len(self._pending) == self.per_shard:
                self.writer.write_shard(self._pending)
                self._pending = []

    def close(self) -> Manifest:
        if self._pending or not self.writer.manifest.shards:
            self.writer.write_shard(self._pending)
            self._pending = []
        return self.writer.close()


def load_to_shards(
    files: list[Path],
    directory: Path,
    *,
    as_of: dt.date,
    iris: Iris,
    page_format: PageFormat | None = None,
    per_shard: int = 1_000_000,
    jobs: int = 1,
    view: bool = False,
) -> tuple[Manifest, list[PageShardResult], Manifest | None]:
    """Write the reference graphs and every page that parses into shards (and, with `view`, the view sources'
    triples into `directory / VIEW_DIR`); the manifest, per-page results and the view's manifest (or None)."""
    shards = RollingShards(directory, per_shard)
    views = RollingShards(directory / VIEW_DIR, per_shard) if view else None  # (both folders checked before writing)
    for graph, quads in reference_graphs(iris):
        listed = list(quads)
        shards.add(quad_lines(listed))
        if views is not None and is_view_source(graph, listed):
            views.add(quad_lines(q.triple for q in listed))
    results = []
    for result in _results(files, as_of, iris.base, page_format, jobs, view):
        if result.error is None:
            shards.add(_lines(result.nquads))
            if views is not None:
                views.add(_lines(result.view))
        results.append(PageShardResult(**{**result.__dict__, "nquads": b"", "view": b""}))
    return shards.close(), results, (views.close() if views is not None else None)
