"""Raw pyoxigraph queries in a killable child process: the baseline gets a time limit too.

The child opens the store read-only and, per request, times `Store.query` plus iterating every solution
(measured inside the child: no IPC in the figure). A query past the limit gets the child killed and restarted.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from multiprocessing.connection import Connection

_CONTEXT = mp.get_context("spawn")


def _main(conn: Connection, path: str) -> None:
    from pyoxigraph import QueryBoolean, Store

    from scholarkg.loader.vocab import PREFIXES

    store = Store.read_only(path)
    prefixes = dict(PREFIXES)
    conn.send("ready")
    while True:
        try:
            text = conn.recv()
        except EOFError:
            return
        if text is None:
            return
        started = time.perf_counter()
        try:
            result = store.query(text, prefixes=prefixes, use_default_graph_as_union=True)
            rows = 1 if isinstance(result, QueryBoolean) else sum(1 for _ in result)
            conn.send((time.perf_counter() - started, rows, None))
        except Exception as error:
            conn.send((time.perf_counter() - started, 0, f"{type(error).__name__}: {error}"))


class RawQueries:
    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_main, args=(child, self.path), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(120) or self.conn.recv() != "ready":
            raise RuntimeError("raw query worker did not start")

    def run(self, text: str) -> tuple[float | None, int]:
        """(seconds, rows); seconds is None when the query passed the time limit."""
        self.conn.send(text)
        if not self.conn.poll(self.timeout):
            self.process.kill()
            self.process.join(10)
            self._start()
            return None, 0
        seconds, rows, error = self.conn.recv()
        if error:
            raise RuntimeError(f"raw query failed: {error}")
        return seconds, rows

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
