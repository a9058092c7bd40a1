"""Give SPARQL updates a time limit: rehearse each one in a worker process that can be killed.

pyoxigraph cannot interrupt `Store.update`, and the live store must stay in the server process (RocksDB admits
one writer). So, under the write lock, the server takes a checkpoint of the live store (`Store.backup`: hard
links, milliseconds), a worker process opens that copy read-write and runs the update on it. If the worker
answers within the limit, the update runs for real on the live store — the same text on the same data, so it
costs what the rehearsal cost. If not, the worker is killed (CPU and memory freed at once), the copy deleted,
and the client gets 503 `query-timeout`: the live store was never touched.

The price: each client update runs twice (once on a throw-away copy). Its SERVICE calls are not made twice: the
federation gateway replays the rehearsal's answers to the real run (`ServiceGateway.route(replay=True)`). Graph
Store writes and page uploads are written by the server from parsed data (their cost is bounded by the upload caps)
and skip the rehearsal.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import shutil
import tempfile
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from pyoxigraph import Store

from scholarkg.queries.workers import QueryTimeoutError

_CONTEXT = mp.get_context("spawn")
STARTUP_SECONDS = 120.0  # a spawned worker's imports, on a loaded machine; not part of the update's limit


class RehearsalFailedError(RuntimeError):
    """The update failed on the copy (it would fail on the live store too)."""


def _rehearsal_main(conn: Connection) -> None:
    conn.send(("ready", ""))  # imports done: the time limit counts from here, not from the process start
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        directory, text, base_iri = message
        try:
            store = Store(directory)
            store.update(text, base_iri=base_iri)
            store.flush()
            del store
            conn.send(("ok", ""))
        except SyntaxError as error:
            conn.send(("syntax", str(error)))
        except Exception as error:
            conn.send(("failed", f"{type(error).__name__}: {error}"))


class UpdateRehearsal:
    """One rehearsal worker, started on first use and replaced after a kill. Callers hold the write lock."""

    def __init__(self, scratch: Path, timeout: float) -> None:
        self.scratch = scratch
        self.timeout = timeout
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def _worker(self) -> Connection:
        if self._process is None or not self._process.is_alive() or self._conn is None:
            parent, child = _CONTEXT.Pipe()
            process = _CONTEXT.Process(target=_rehearsal_main, args=(child,), daemon=True, name="scholarkg-update")
            process.start()
            child.close()
            self._process, self._conn = process, parent
            if not parent.poll(STARTUP_SECONDS) or parent.recv()[0] != "ready":
                self._kill()
                raise RehearsalFailedError(f"the update worker did not start within {STARTUP_SECONDS:g} s")
        return self._conn

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def run(self, live: Store, text: str, base_iri: str | None) -> None:
        """Return when the update finished on a copy within the limit; else QueryTimeoutError (worker killed)."""
        with self._lock:
            self.scratch.mkdir(parents=True, exist_ok=True)
            directory = Path(tempfile.mkdtemp(prefix="rehearsal-", dir=self.scratch))
            try:
                shutil.rmtree(directory)  # Store.backup wants a path that does not exist yet
                live.backup(str(directory))
                conn = self._worker()
                try:
                    conn.send((str(directory), text, base_iri))
                    answered = conn.poll(self.timeout)
                    status, detail = conn.recv() if answered else ("timeout", "")
                except (EOFError, OSError) as error:
                    self._kill()
                    raise RehearsalFailedError(f"the update worker died: {error}") from None
                if status == "timeout":
                    self._kill()
                    raise QueryTimeoutError(self.timeout)
                if status == "syntax":
                    raise SyntaxError(detail)
                if status != "ok":
                    raise RehearsalFailedError(detail)
            finally:
                shutil.rmtree(directory, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.send(None)
            if self._process is not None:
                self._process.join(timeout=5)
                if self._process.is_alive():
                    self._process.kill()
            self._process = self._conn = None
