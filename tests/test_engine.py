"""queries/engine.py: cached facts for /healthz come from index lookups, never from a scan of the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyoxigraph import Store

from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore, SourceInfo
from scholarkg.queries.engine import Engine
from scholarkg.seeds import seed_files


class NoScans(GraphStore):
    """A store whose per-page triple counts (a scan of every quad) must not be asked for."""

    def sources(self) -> list[SourceInfo]:
        raise AssertionError("sources() scans the store")


def test_source_count_is_an_index_lookup_and_follows_writes(tmp_path: Path) -> None:
    store = NoScans(Store(str(tmp_path / "store")))
    list(load_files(store, seed_files(), as_of=dt.date(2026, 1, 1), iris=Iris(DEFAULT_BASE)))
    engine = Engine(Settings(store=tmp_path / "store"), store, workers=1)
    try:
        assert engine.source_count() == len(seed_files())
        assert GraphStore(store.store).sources() and len(GraphStore(store.store).sources()) == len(seed_files())
        graph = GraphStore(store.store).sources()[0].graph
        engine.update(f"DROP GRAPH <{graph}>")
        assert engine.source_count() == len(seed_files()) - 1  # the cache was dropped by the write
        with pytest.raises(AssertionError, match="scans"):
            engine.sources()
    finally:
        engine.close()
