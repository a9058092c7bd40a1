"""The write lock with a bounded queue: at most `max_pending` writers wait, each at most `wait_timeout` seconds.

Writes (SPARQL Update, Graph Store writes, page uploads) hold one lock in turn. Without a bound, queued writers
filled the server's thread pool until even `/healthz` timed out; now a writer that would be one too many, or
that waited too long, gets WriteBusyError (HTTP 503 `busy` with Retry-After).
"""

from __future__ import annotations

import threading
from types import TracebackType


class WriteBusyError(RuntimeError):
    """Too many writes are waiting, or this one waited too long."""


class WriteGate:
    def __init__(self, max_pending: int, wait_timeout: float) -> None:
        self.max_pending = max_pending
        self.wait_timeout = wait_timeout
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def acquire(self) -> None:
        with self._count:
            if self._pending >= self.max_pending + 1:  # the holder plus max_pending waiting
                raise WriteBusyError(f"{self.max_pending} writes are already waiting; try again shortly")
            self._pending += 1
        if not self._lock.acquire(timeout=self.wait_timeout):
            with self._count:
                self._pending -= 1
            raise WriteBusyError(f"the store stayed busy with other writes for {self.wait_timeout:g} s; try again")

    def release(self) -> None:
        self._lock.release()
        with self._count:
            self._pending -= 1

    def __enter__(self) -> WriteGate:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
