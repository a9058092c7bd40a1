"""Read-only checkpoints of the live store for query workers (`Store.backup`: hard links, cheap).

The writer calls `refresh()` after every change; readers `lease()` the newest snapshot for the duration
of a query. A snapshot is deleted once it is neither the newest nor leased.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import Store


class Snapshots:
    def __init__(self, store: Store, directory: Path) -> None:
        self._store = store
        self._directory = directory
        self._lock = threading.Lock()
        self._generation = 0
        self._leases: dict[Path, int] = {}
        self._current: Path | None = None
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        self.refresh()

    @property
    def current(self) -> Path:
        assert self._current is not None
        return self._current

    def refresh(self) -> Path:
        """Checkpoint the store now; later leases get this snapshot."""
        with self._lock:
            self._generation += 1
            target = self._directory / f"g{self._generation:06d}"
            self._store.flush()
            self._store.backup(str(target))
            old, self._current = self._current, target
            self._leases.setdefault(target, 0)
            if old is not None:
                self._collect(old)
            return target

    @contextmanager
    def lease(self) -> Iterator[Path]:
        with self._lock:
            path = self.current
            self._leases[path] += 1
        try:
            yield path
        finally:
            with self._lock:
                self._leases[path] -= 1
                if path != self._current:
                    self._collect(path)

    def _collect(self, path: Path) -> None:
        if self._leases.get(path, 0) == 0 and path != self._current:
            self._leases.pop(path, None)
            shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self._directory, ignore_errors=True)


class FixedSnapshot:
    """A store that does not change under its readers (opened read-only beside another process's writer):
    every lease is the store folder itself, opened read-only by the workers."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    @property
    def current(self) -> Path:
        return self._directory

    def refresh(self) -> Path:
        return self._directory

    @contextmanager
    def lease(self) -> Iterator[Path]:
        yield self._directory

    def close(self) -> None:
        """Nothing to remove: the folder is the store."""
