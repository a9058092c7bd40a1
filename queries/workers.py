"""Run queries in worker processes over read-only snapshots, so a query past its time limit can be stopped.

pyoxigraph cannot time out or cancel a query, and a result iterator may only be consumed by the thread
that made it. So each query runs start to finish (execution + serialisation) in one worker process; the
caller waits at most `timeout` seconds, then kills the worker (freeing its CPU at once) and starts a
fresh one. Workers open `Store.read_only` on a snapshot (`Store.backup`: hard links, milliseconds), which
is safe beside the server's read-write store.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from scholarkg.queries.execute import (
    NotAcceptableError,
    QueryEvaluationError,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    run_query,
)

log = logging.getLogger(__name__)
_CONTEXT = mp.get_context("spawn")


class QueryTimeoutError(TimeoutError):
    """The query ran past the time limit and its worker was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"query exceeded the {seconds:g} s time limit and was stopped")


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a query."""


def _worker_main(conn: Connection) -> None:
    from pyoxigraph import Store

    store: Store | None = None
    opened: str | None = None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        snapshot, request = message
        try:
            if snapshot != opened:
                store = Store.read_only(snapshot)
                opened = snapshot
            assert store is not None
            conn.send(("ok", run_query(store, request)))
        except QuerySyntaxError as error:
            conn.send(("syntax", str(error)))
        except NotAcceptableError as error:
            conn.send(("not-acceptable", error.kind))
        except QueryEvaluationError as error:
            conn.send(("evaluation", str(error)))
        except Exception as error:
            conn.send(("internal", f"{type(error).__name__}: {error}"))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection

    @classmethod
    def start(cls) -> _Worker:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_worker_main, args=(child,), daemon=True, name="scholarkg-query")
        process.start()
        child.close()
        return cls(process, parent)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of query worker processes; `run` is thread-safe and blocking."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self.killed = 0
        for _ in range(size):
            self._idle.put(_Worker.start())

    def run(self, snapshot: str, request: QueryRequest, timeout: float | None = None) -> QueryResult:
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeoutError(limit) from None
        answered = False
        try:
            worker.conn.send((snapshot, request))
            answered = worker.conn.poll(max(0.0, deadline - time.monotonic()))
            if answered:
                status, payload = worker.conn.recv()
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise WorkerCrashedError(f"query worker died: {error}") from None
        if not answered:
            self._replace(worker)
            raise QueryTimeoutError(limit)
        self._idle.put(worker)
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "not-acceptable":
            raise NotAcceptableError(payload)
        if status == "evaluation":
            raise QueryEvaluationError(payload)
        raise WorkerCrashedError(payload)

    def _replace(self, worker: _Worker) -> None:
        self.killed += 1
        log.warning("stopping query worker pid %s (time limit or crash)", worker.process.pid)
        worker.stop(kill=True)
        if not self._closed:
            self._idle.put(_Worker.start())

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break
