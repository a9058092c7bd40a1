"""`/export`: stream the dataset or one source graph in bounded memory."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pyoxigraph import NamedNode

from scholarkg.api.deps import EngineDep
from scholarkg.api.errors import ApiError
from scholarkg.linking.model import links_graph
from scholarkg.loader.store import GraphStore
from scholarkg.queries.results import GRAPH_FORMATS, graph_media_type

router = APIRouter(tags=["Export"])
EXPORT_FORMATS = tuple(GRAPH_FORMATS)  # the CLI's `export --format` choices too
_CHUNK = 256 * 1024  # bytes per response chunk: few event-loop hand-offs, at most _QUEUED chunks buffered
_QUEUED = 8
_DONE = object()


class _LoopWriter:
    """A binary file object for `Store.dump` in a worker thread: it gathers pyoxigraph's ~8 KB writes into
    `_CHUNK`-sized chunks and hands each to the event loop without waiting for it; a semaphore of `_QUEUED`
    slots makes it wait only while that many chunks are unsent (the client's pace bounds memory)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        chunks: asyncio.Queue[object],
        slots: threading.Semaphore,
        stopped: threading.Event,
    ) -> None:
        self._loop = loop
        self._chunks = chunks
        self._slots = slots
        self._stopped = stopped
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self.send(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass  # pyoxigraph flushes after each batch; chunks are sent when full, and the rest at the end

    def send(self, item: object) -> None:
        # Checked before and after each wait: the dump may call write() again after one of them raised.
        while not self._stopped.is_set() and not self._slots.acquire(timeout=1.0):
            pass
        if self._stopped.is_set():
            raise ConnectionAbortedError("the client stopped reading the export")
        self._loop.call_soon_threadsafe(self._chunks.put_nowait, item)

    def finish(self) -> None:
        if self._buffer:
            self.send(bytes(self._buffer))
            self._buffer.clear()


async def stream_export(store: GraphStore, fmt: str, graph: NamedNode | None) -> AsyncIterator[bytes]:
    """Serialize in a dedicated thread (pyoxigraph iterators stay in the thread that made them); the event
    loop awaits the chunks. A client that goes away stops the writer at its next chunk."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[object] = asyncio.Queue()  # bounded by `slots`
    slots = threading.Semaphore(_QUEUED)
    stopped = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        writer = _LoopWriter(loop, chunks, slots, stopped)
        try:
            store.export(writer, GRAPH_FORMATS[fmt], graph)  # type: ignore[arg-type]
            writer.finish()
        except BaseException as error:
            failure.append(error)
        finally:
            if not stopped.is_set():
                loop.call_soon_threadsafe(chunks.put_nowait, _DONE)

    threading.Thread(target=produce, name="scholarkg-export", daemon=True).start()
    try:
        while (item := await chunks.get()) is not _DONE:
            slots.release()
            yield item  # type: ignore[misc]
    finally:
        stopped.set()
        slots.release()  # wake a writer waiting for a slot: it sees `stopped` and ends
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
    if target is not None and not engine.store.contains_graph(target):
        raise ApiError.not_found(f"no graph {graph} in the store")
    extension = GRAPH_FORMATS[format].file_extension
    name = "scholarkg" if target is None else graph.rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]

    return StreamingResponse(
        stream_export(engine.store, format, target),
        media_type=graph_media_type(format),
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )
