"""`/export`: stream the dataset or one source graph in bounded memory."""

from __future__ import annotations

import queue
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import iterate_in_threadpool
from fastapi.responses import StreamingResponse
from pyoxigraph import NamedNode

from scholarkg.api.deps import EngineDep
from scholarkg.api.errors import ApiError
from scholarkg.linking.model import links_graph
from scholarkg.loader.store import GraphStore
from scholarkg.queries.results import GRAPH_FORMATS, graph_media_type

router = APIRouter(tags=["Export"])
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
_CHUNK = 64 * 1024
_DONE = object()


class _QueueWriter:
    """A binary file object whose writes go to a bounded queue (back-pressure keeps memory bounded)."""

    def __init__(self, chunks: queue.Queue[object]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._chunks.put(bytes(self._buffer))
            self._buffer.clear()


def stream_export(store: GraphStore, fmt: str, graph: NamedNode | None) -> Iterator[bytes]:
    """Serialize in a dedicated thread (pyoxigraph iterators stay in the thread that made them)."""
    chunks: queue.Queue[object] = queue.Queue(maxsize=16)
    failure: list[BaseException] = []

    def produce() -> None:
        writer = _QueueWriter(chunks)
        try:
            store.export(writer, GRAPH_FORMATS[fmt], graph)  # type: ignore[arg-type]
            writer.flush()
        except BaseException as error:
            failure.append(error)
        finally:
            chunks.put(_DONE)

    threading.Thread(target=produce, name="scholarkg-export", daemon=True).start()
    while (item := chunks.get()) is not _DONE:
        yield item  # type: ignore[misc]
    if failure:
        raise failure[0]


@router.get("/export", summary="Stream the dataset (or one source graph) as RDF")
async def export(
    engine: EngineDep,
    format: Annotated[str, Query(description=f"One of {', '.join(EXPORT_FORMATS)}")] = "turtle",
    graph: Annotated[
        str | None, Query(description="IRI of one named graph (a source page), or `links` for the links graph")
    ] = None,
) -> StreamingResponse:
    if format not in EXPORT_FORMATS:
        raise ApiError.bad_parameter("format", f"format must be one of {', '.join(EXPORT_FORMATS)}")
    if graph == "links":
        graph = links_graph(engine.settings.base_iri).value
    target = NamedNode(graph) if graph else None
    if target is not None and not engine.store.store.contains_named_graph(target):
        raise ApiError.not_found(f"no graph {graph} in the store")
    extension = GRAPH_FORMATS[format].file_extension
    name = "scholarkg" if target is None else graph.rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]

    async def body() -> AsyncIterator[bytes]:
        async for chunk in iterate_in_threadpool(stream_export(engine.store, format, target)):
            yield chunk

    return StreamingResponse(
        body(),
        media_type=graph_media_type(format),
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )
