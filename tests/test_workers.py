"""queries/workers.py + loader/snapshots.py: a runaway query is killed at the limit, others proceed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from scholarkg.loader.snapshots import Snapshots
from scholarkg.queries.execute import QueryRequest, QuerySyntaxError
from scholarkg.queries.workers import QueryPool, QueryTimeoutError

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workers")
    store = Store(str(root / "store"))
    store.extend(
        Quad(
            NamedNode(f"http://example.org/s{i}"),
            NamedNode("http://example.org/p"),
            Literal(str(i)),
            NamedNode("http://g"),
        )
        for i in range(300)
    )
    snapshots = Snapshots(store, root / "snapshots")
    return snapshots.current


@pytest.fixture(scope="module")
def pool() -> QueryPool:
    pool = QueryPool(size=2, timeout=1.5)
    yield pool  # type: ignore[misc]
    pool.close()


def test_runaway_is_stopped_and_others_are_served(pool: QueryPool, snapshot: Path) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        try:
            pool.run(str(snapshot), QueryRequest(RUNAWAY))
        except QueryTimeoutError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"  # the default graph is not the union
    small = pool.run(str(snapshot), QueryRequest(count, solution_format="csv"))
    assert small.body.splitlines() == [b"n", b"300"]
    assert thread.is_alive(), "the runaway query is still running while the small one was answered"
    thread.join(10)
    assert isinstance(outcome.get("error"), QueryTimeoutError)
    assert 1.4 <= float(outcome["seconds"]) < 4  # type: ignore[arg-type]
    assert pool.killed == 1
    # the replacement worker answers
    again = pool.run(str(snapshot), QueryRequest("ASK { ?s ?p ?o }"))
    assert b"true" in again.body


def test_killed_worker_is_gone(snapshot: Path) -> None:
    pool = QueryPool(size=1, timeout=1.0)
    try:
        victim = pool._idle.queue[0].process.pid
        with pytest.raises(QueryTimeoutError):
            pool.run(str(snapshot), QueryRequest(RUNAWAY))
        assert victim is not None
        with pytest.raises(ProcessLookupError):
            os.kill(victim, 0)
    finally:
        pool.close()


def test_syntax_errors_cross_the_process_boundary(pool: QueryPool, snapshot: Path) -> None:
    with pytest.raises(QuerySyntaxError, match="error at 1:"):
        pool.run(str(snapshot), QueryRequest("SELECT ?x WHERE {"))


def test_snapshot_refresh_shows_new_writes(tmp_path: Path, pool: QueryPool) -> None:
    store = Store(str(tmp_path / "store"))
    snapshots = Snapshots(store, tmp_path / "snaps")
    first = snapshots.current
    store.add(Quad(NamedNode("http://a"), NamedNode("http://b"), Literal("c"), NamedNode("http://g")))
    ask = QueryRequest("ASK { GRAPH ?g { ?s ?p ?o } }")  # the default graph is the store's own, not the union
    assert b"false" in pool.run(str(first), ask).body
    second = snapshots.refresh()
    assert b"true" in pool.run(str(second), ask).body
    assert not first.exists(), "an unleased old snapshot is deleted"
    snapshots.close()
