"""Run queries in worker processes over read-only snapshots, so a query past its time limit can be stopped.

pyoxigraph cannot time out or cancel a query, and a result iterator may only be consumed by the thread
that made it. So each query runs start to finish (execution + serialisation) in one worker process; the
caller waits at most `timeout` seconds *from the moment a worker starts the query*, then kills the worker
(freeing its CPU at once) and starts a fresh one. Workers open `Store.read_only` on a snapshot
(`Store.backup`: hard links, milliseconds), which is safe beside the server's read-write store.

Scheduling (all bounds are settings, see loader/settings.py):

- Waiting for a free worker has its own bound, `queue_timeout`: past it the caller gets `QueryBusyError`
  (HTTP 503 `busy` with `Retry-After`), never a time-out of a query that did not run. A cheap query is never
  killed because others are slow: its clock starts when a worker picks it up.
- Two lanes. A query text that has run longer than `slow_seconds` (or hit the limit) is remembered as slow;
  slow queries may occupy at most `slow_workers` workers at once (default: all but one), so one client's
  runaway queries, repeated, cannot take every worker. Unknown and fast queries may use any worker.
- A per-client limit (`client_limit`, keyed by the caller's address) on queries running at once: the rest
  of that client's queries wait in the queue (and get `busy` past the bound) while other clients are served.
- CPU priority: a worker running a known-slow query, or a query past `slow_seconds`, is lowered to nice
  `SLOW_NICENESS`, so a runaway query uses only CPU the server and the other queries leave idle. Afterwards
  the worker gets its priority back where the OS allows that (else it is retired and replaced).

Both a blocking `run` (CLI, threads) and an asyncio `run_async` (the HTTP API: no thread hop, the event loop
waits on the worker's pipe directly) share one pool and one FIFO queue.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing as mp
import os
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
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
# Results up to this size travel in the answer's one message; a larger body follows as its own message, which the
# event loop reads in a thread, so a big body never stalls it.
_INLINE_BODY_BYTES = 1 << 20
_REMEMBERED_QUERIES = 4096
_STARTUP_SECONDS = 120.0  # a worker that has not imported its modules by then is broken
SLOW_NICENESS = 19  # CPU priority of a worker while it runs a slow query (the lowest)


class QueryTimeoutError(TimeoutError):
    """The query ran past the time limit and its worker was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"query exceeded the {seconds:g} s time limit and was stopped")


class QueryBusyError(RuntimeError):
    """No worker became free within the queue bound; the query did not run."""

    def __init__(self, waited: float, retry_after: int) -> None:
        self.waited = waited
        self.retry_after = retry_after
        super().__init__(
            f"all query workers stayed busy for {waited:g} s; the query did not run — retry in {retry_after} s"
        )


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a query."""


def _worker_main(conn: Connection) -> None:
    from pyoxigraph import Store

    store: Store | None = None
    opened: str | None = None
    conn.send("ready")  # imports done: the pool hands out this worker only now
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
            result = run_query(store, request)
            if len(result.body) <= _INLINE_BODY_BYTES:
                conn.send(("ok", result, 0))  # one message, the body inside
            else:  # announced, then sent on its own: the parent reads a large body off the event loop
                conn.send(("ok", _without_body(result), len(result.body)))
                conn.send_bytes(result.body)
        except QuerySyntaxError as error:
            conn.send(("syntax", str(error), 0))
        except NotAcceptableError as error:
            conn.send(("not-acceptable", error.kind, 0))
        except QueryEvaluationError as error:
            conn.send(("evaluation", str(error), 0))
        except Exception as error:
            conn.send(("internal", f"{type(error).__name__}: {error}", 0))


def _without_body(result: QueryResult) -> QueryResult:
    return QueryResult(
        kind=result.kind,
        format=result.format,
        media_type=result.media_type,
        body=b"",
        rows=result.rows,
        truncated=result.truncated,
        seconds=result.seconds,
    )


def _outcome(status: str, payload: object, body: bytes | None) -> QueryResult:
    """The worker's answer; `body` None when it came inside `payload`."""
    if status == "ok":
        assert isinstance(payload, QueryResult)
        if body is None:
            return payload
        return QueryResult(
            kind=payload.kind,
            format=payload.format,
            media_type=payload.media_type,
            body=body,
            rows=payload.rows,
            truncated=payload.truncated,
            seconds=payload.seconds,
        )
    if status == "syntax":
        raise QuerySyntaxError(payload)
    if status == "not-acceptable":
        raise NotAcceptableError(payload)  # type: ignore[arg-type]
    if status == "evaluation":
        raise QueryEvaluationError(payload)
    raise WorkerCrashedError(payload)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    niced: bool = False  # lowered to SLOW_NICENESS for a slow query

    def deprioritize(self) -> None:
        """Lower the worker's CPU priority (always allowed); it keeps running its query."""
        if self.niced or self.process.pid is None:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, SLOW_NICENESS)
            self.niced = True
        except OSError:  # the process is gone: the caller sees that on the pipe
            pass

    def restore_priority(self) -> bool:
        """The server's priority back (needs the OS's permission: root, CAP_SYS_NICE or RLIMIT_NICE)."""
        if not self.niced:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, os.getpriority(os.PRIO_PROCESS, 0))
        except OSError:
            return False
        self.niced = False
        return True

    @classmethod
    def start(cls) -> _Worker:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=_worker_main, args=(child,), daemon=True, name="scholarkg-query")
        process.start()
        child.close()
        return cls(process, parent)

    def wait_ready(self, seconds: float = _STARTUP_SECONDS) -> bool:
        try:
            return bool(self.conn.poll(seconds)) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            return False

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


@dataclass
class _Ticket:
    """One query's claim on a worker: which lane, which client, and (once granted) the worker."""

    slow: bool
    client: str | None
    worker: _Worker | None = None
    cancelled: bool = False
    event: threading.Event | None = None
    future: asyncio.Future[None] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    granted_at: float = field(default=0.0)


class QueryPool:
    """A fixed number of query worker processes; `run` (blocking) and `run_async` are thread-safe."""

    def __init__(
        self,
        size: int,
        timeout: float,
        *,
        queue_timeout: float | None = None,
        slow_seconds: float = 1.0,
        slow_workers: int | None = None,
        client_limit: int | None = None,
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.queue_timeout = timeout if queue_timeout is None else queue_timeout
        self.slow_seconds = slow_seconds
        self.slow_workers = max(1, size - 1) if slow_workers is None else max(1, min(slow_workers, size))
        self.client_limit = size if client_limit is None else max(1, client_limit)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._waiting: deque[_Ticket] = deque()
        self._slow_running = 0
        self._client_running: dict[str, int] = {}
        self._known: OrderedDict[str, float] = OrderedDict()  # query text → last run time (s)
        self._closed = False
        self.killed = 0
        self.busy = 0  # queries turned away after waiting `queue_timeout`
        starting = [_Worker.start() for _ in range(size)]
        for worker in starting:
            if not worker.wait_ready():
                for other in starting:
                    other.stop(kill=True)
                raise WorkerCrashedError("a query worker did not start")
            self._idle.append(worker)

    # -- introspection (health, tests) ---------------------------------------------------------------
    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._idle if w.process.pid is not None]

    def is_slow(self, text: str) -> bool:
        with self._lock:
            return self._known.get(text, 0.0) >= self.slow_seconds

    def status(self) -> dict[str, int]:
        with self._lock:
            return {
                "workers": self.size,
                "idle": len(self._idle),
                "queued": len(self._waiting),
                "slow_running": self._slow_running,
                "killed": self.killed,
                "busy": self.busy,
            }

    # -- scheduling ------------------------------------------------------------------------------------
    def _eligible(self, ticket: _Ticket) -> bool:
        if not self._idle:
            return False
        if ticket.slow and self._slow_running >= self.slow_workers:
            return False
        return not (ticket.client is not None and self._client_running.get(ticket.client, 0) >= self.client_limit)

    def _grant(self, ticket: _Ticket) -> None:
        """Give `ticket` an idle worker (lock held)."""
        ticket.worker = self._idle.pop()
        ticket.granted_at = time.monotonic()
        if ticket.slow:
            self._slow_running += 1
        if ticket.client is not None:
            self._client_running[ticket.client] = self._client_running.get(ticket.client, 0) + 1

    def _dispatch(self) -> None:
        """Hand idle workers to the oldest eligible waiters (lock held)."""
        if not self._waiting or not self._idle:
            return
        for ticket in list(self._waiting):
            if not self._idle:
                break
            if self._eligible(ticket):
                self._waiting.remove(ticket)
                self._grant(ticket)
                if ticket.event is not None:
                    ticket.event.set()
                elif ticket.loop is not None and ticket.future is not None:
                    ticket.loop.call_soon_threadsafe(_resolve, ticket.future)

    def _enter(self, text: str, client: str | None) -> tuple[_Ticket, bool]:
        """A ticket for `text`; True when it got a worker at once (no queueing)."""
        with self._lock:
            if self._closed:
                raise WorkerCrashedError("the query pool is closed")
            ticket = _Ticket(slow=self._known.get(text, 0.0) >= self.slow_seconds, client=client)
            if not self._waiting and self._eligible(ticket):
                self._grant(ticket)
                return ticket, True
            return ticket, False

    def _give_up(self, ticket: _Ticket, waited: float) -> None:
        """The queue bound passed; unless a worker arrived meanwhile, leave the queue (lock held by caller)."""
        if ticket.worker is None:
            ticket.cancelled = True
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            self.busy += 1
            raise QueryBusyError(round(waited, 3), max(1, math.ceil(min(self.queue_timeout, self.timeout))))

    def _leave(self, ticket: _Ticket, worker: _Worker | None, text: str, seconds: float | None) -> None:
        """Return (or replace) the worker, remember how long the query ran, serve the next waiter."""
        with self._lock:
            if ticket.slow:
                self._slow_running -= 1
            if ticket.client is not None:
                left = self._client_running.get(ticket.client, 1) - 1
                if left:
                    self._client_running[ticket.client] = left
                else:
                    self._client_running.pop(ticket.client, None)
            if seconds is not None:
                self._known[text] = seconds
                self._known.move_to_end(text)
                while len(self._known) > _REMEMBERED_QUERIES:
                    self._known.popitem(last=False)
            stale = worker if self._closed else None
            retired = None
            if worker is not None and not self._closed:
                if worker.restore_priority():
                    self._idle.append(worker)
                else:
                    retired = worker
            self._dispatch()
        if stale is not None:
            stale.stop()
        if retired is not None:  # a worker left at low priority would slow every later query it runs
            retired.stop()
            self._start_replacement()

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` and start a fresh one, which joins the idle set only once it is ready: a waiting
        query never pays (nor has its time limit eaten by) a worker's start-up."""
        self.killed += 1
        log.warning("stopping query worker pid %s (time limit or crash)", worker.process.pid)
        worker.stop(kill=True)
        self._start_replacement()

    def _start_replacement(self) -> None:
        if self._closed:
            return
        fresh = _Worker.start()
        threading.Thread(target=self._admit, args=(fresh,), name="scholarkg-worker-start", daemon=True).start()

    def _admit(self, worker: _Worker) -> None:
        ready = worker.wait_ready()
        with self._lock:
            if ready and not self._closed:
                self._idle.append(worker)
                self._dispatch()
                return
        log.error("a replacement query worker did not start (pid %s)", worker.process.pid)
        worker.stop(kill=True)

    def _before_run(self, ticket: _Ticket, worker: _Worker, limit: float) -> float:
        """Lower a known-slow query's worker at once; seconds to wait before lowering any other (or `limit`)."""
        if ticket.slow:
            worker.deprioritize()
            return limit
        return min(limit, self.slow_seconds)

    # -- blocking --------------------------------------------------------------------------------------
    def run(
        self, snapshot: str, request: QueryRequest, timeout: float | None = None, *, client: str | None = None
    ) -> QueryResult:
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        ticket, granted = self._enter(request.text, client)
        if not granted:
            ticket.event = threading.Event()
            with self._lock:
                self._waiting.append(ticket)
                self._dispatch()
            queued = time.monotonic()
            ticket.event.wait(self.queue_timeout)
            with self._lock:
                self._give_up(ticket, time.monotonic() - queued)
        worker = ticket.worker
        assert worker is not None
        return self._execute(ticket, worker, snapshot, request, limit)

    def _execute(
        self, ticket: _Ticket, worker: _Worker, snapshot: str, request: QueryRequest, limit: float
    ) -> QueryResult:
        started = time.monotonic()
        keep: _Worker | None = worker
        seconds: float | None = None
        try:
            try:
                first = self._before_run(ticket, worker, limit)
                worker.conn.send((snapshot, request))
                answered = worker.conn.poll(first)
                if not answered and first < limit:  # past `slow_seconds`: lower its priority, keep waiting
                    worker.deprioritize()
                    answered = worker.conn.poll(limit - first)
                if answered:
                    status, payload, size = worker.conn.recv()
                    body = worker.conn.recv_bytes() if size else None
            except (EOFError, OSError) as error:
                keep = None
                self._replace(worker)
                raise WorkerCrashedError(f"query worker died: {error}") from None
            if not answered:
                seconds = time.monotonic() - started
                keep = None
                self._replace(worker)
                raise QueryTimeoutError(limit)
            seconds = time.monotonic() - started
            return _outcome(status, payload, body)
        finally:
            self._leave(ticket, keep, request.text, seconds)

    # -- asyncio ---------------------------------------------------------------------------------------
    async def run_async(
        self, snapshot: str, request: QueryRequest, timeout: float | None = None, *, client: str | None = None
    ) -> QueryResult:
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        loop = asyncio.get_running_loop()
        ticket, granted = self._enter(request.text, client)
        if not granted:
            ticket.loop, ticket.future = loop, loop.create_future()
            with self._lock:
                self._waiting.append(ticket)
                self._dispatch()
            queued = time.monotonic()
            try:
                await asyncio.wait_for(asyncio.shield(ticket.future), self.queue_timeout)
            except TimeoutError:
                pass
            except asyncio.CancelledError:  # the client went away while waiting
                with self._lock:
                    if ticket.worker is None:
                        ticket.cancelled = True
                        if ticket in self._waiting:
                            self._waiting.remove(ticket)
                        raise
                self._leave(ticket, ticket.worker, request.text, None)
                raise
            with self._lock:
                self._give_up(ticket, time.monotonic() - queued)
        worker = ticket.worker
        assert worker is not None
        started = time.monotonic()
        keep: _Worker | None = worker
        seconds: float | None = None
        try:
            try:
                first = self._before_run(ticket, worker, limit)
                worker.conn.send((snapshot, request))
                answered = await _readable(loop, worker.conn, first)
                if not answered and first < limit:  # past `slow_seconds`: lower its priority, keep waiting
                    worker.deprioritize()
                    answered = await _readable(loop, worker.conn, limit - first)
                if answered:
                    status, payload, size = worker.conn.recv()
                    body = await loop.run_in_executor(None, worker.conn.recv_bytes) if size else None
            except (EOFError, OSError) as error:
                keep = None
                self._replace(worker)
                raise WorkerCrashedError(f"query worker died: {error}") from None
            except asyncio.CancelledError:
                # The client went away mid-query: the worker's state is unknown, so stop it.
                keep = None
                self._replace(worker)
                raise
            if not answered:
                seconds = time.monotonic() - started
                keep = None
                self._replace(worker)
                raise QueryTimeoutError(limit)
            seconds = time.monotonic() - started
            return _outcome(status, payload, body)
        finally:
            self._leave(ticket, keep, request.text, seconds)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            waiting, self._waiting = list(self._waiting), deque()
        for ticket in waiting:
            ticket.cancelled = True
            if ticket.event is not None:
                ticket.event.set()
        for worker in idle:
            worker.stop()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _readable(loop: asyncio.AbstractEventLoop, conn: Connection, limit: float) -> bool:
    """Wait until the worker has written its answer (True) or `limit` seconds pass (False)."""
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, _resolve, ready)
    try:
        await asyncio.wait_for(ready, limit)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)  # uvloop makes a watched fd non-blocking; the pipe protocol needs blocking I/O
