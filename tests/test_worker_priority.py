"""queries/workers.py: a slow query runs at the lowest CPU priority; the worker gets its priority back after."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from scholarkg.loader.snapshots import Snapshots
from scholarkg.queries.execute import QueryRequest
from scholarkg.queries.workers import SLOW_NICENESS, QueryPool, QueryTimeoutError

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("priority")
    store = Store(str(root / "store"))
    store.extend(
        Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal(str(i)))
        for i in range(300)
    )
    return Snapshots(store, root / "snapshots").current


def _niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def test_a_query_past_the_slow_mark_is_lowered_then_stopped(snapshot: Path) -> None:
    pool = QueryPool(size=1, timeout=3.0, slow_seconds=0.3)
    try:
        (pid,) = pool.pids()
        own = _niceness(0)
        assert _niceness(pid) == own
        outcome: dict[str, object] = {}

        def runaway() -> None:
            try:
                pool.run(str(snapshot), QueryRequest(RUNAWAY))
            except QueryTimeoutError as error:
                outcome["error"] = error

        thread = threading.Thread(target=runaway)
        thread.start()
        deadline = time.monotonic() + 2.5
        while _niceness(pid) != SLOW_NICENESS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _niceness(pid) == SLOW_NICENESS  # lowered while it runs, long before the 3 s limit
        thread.join(30)
        assert isinstance(outcome.get("error"), QueryTimeoutError)
        # the replacement runs at the server's priority
        assert b"300" in pool.run(str(snapshot), QueryRequest(SMALL, solution_format="csv")).body
        (fresh,) = pool.pids()
        assert fresh != pid and _niceness(fresh) == own
        assert pool.is_slow(RUNAWAY)
    finally:
        pool.close()


def test_a_fast_query_keeps_its_priority_and_a_slow_one_gets_it_back(snapshot: Path) -> None:
    pool = QueryPool(size=1, timeout=30.0, slow_seconds=0.02)
    try:
        own = _niceness(0)
        # 90,000 string concatenations: ~0.12 s on a quiet machine, well past 0.02 s
        slowish = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(CONCAT(STR(?c), STR(?f)) != "x") }'
        assert b"90000" in pool.run(str(snapshot), QueryRequest(slowish, solution_format="csv")).body
        assert pool.is_slow(slowish)
        # Afterwards: the same worker at the server's priority where the OS allows it, else a fresh one.
        assert b"300" in pool.run(str(snapshot), QueryRequest(SMALL, solution_format="csv")).body
        (pid,) = pool.pids()
        assert _niceness(pid) == own
    finally:
        pool.close()
