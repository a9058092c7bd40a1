"""queries/workers.py + loader/snapshots.py: a runaway query is killed at the limit, others proceed."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from scholarkg.loader.snapshots import Snapshots
from scholarkg.queries.execute import QueryRequest, QuerySyntaxError
from scholarkg.queries.workers import QueryBusyError, QueryPool, QueryTimeoutError

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
            DefaultGraph(),  # queries read the store's default graph (ScholarKG keeps its view there)
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
    small = pool.run(str(snapshot), QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", solution_format="csv"))
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
        victim = pool.pids()[0]
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
    store.add(Quad(NamedNode("http://a"), NamedNode("http://b"), Literal("c"), DefaultGraph()))
    ask = QueryRequest("ASK { ?s ?p ?o }")
    assert b"false" in pool.run(str(first), ask).body
    second = snapshots.refresh()
    assert b"true" in pool.run(str(second), ask).body
    assert not first.exists(), "an unleased old snapshot is deleted"
    snapshots.close()


# -- scheduling: queue wait vs run time, slow lane, per-client limit ------------------------------------------
# Structural, not timing-fragile: each "blocker" is a runaway query that holds its worker until it is killed at
# the pool's time limit (several seconds); what is asserted is *which* error a query gets and that cheap queries
# are answered, never how fast.
CHEAP = "ASK { ?s ?p ?o }"


def _in_thread(action: object) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = action()  # type: ignore[operator]
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def _until(condition: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_queue_wait_has_its_own_bound_and_never_runs_the_query(snapshot: Path) -> None:
    pool = QueryPool(size=1, timeout=6.0, queue_timeout=0.5)
    try:
        thread, blocker = _in_thread(lambda: pool.run(str(snapshot), QueryRequest(RUNAWAY)))
        _until(lambda: pool.status()["idle"] == 0)
        with pytest.raises(QueryBusyError) as busy:
            pool.run(str(snapshot), QueryRequest(CHEAP))
        assert busy.value.retry_after >= 1
        assert pool.status()["busy"] == 1 and pool.status()["queued"] == 0
        thread.join(60)
        assert isinstance(blocker.get("error"), QueryTimeoutError)  # the runaway hit the run-time limit
        _until(lambda: pool.status()["idle"] == 1)  # its replacement joins once it is ready
        assert b"true" in pool.run(str(snapshot), QueryRequest(CHEAP)).body
    finally:
        pool.close()


def test_time_limit_counts_from_when_a_worker_starts_the_query(snapshot: Path) -> None:
    # The cheap query waits (in the queue) for longer than the whole time limit, then runs and is answered:
    # waiting does not use up its time limit, and it is not killed because another query was slow.
    pool = QueryPool(size=1, timeout=2.0, queue_timeout=120.0)
    try:
        thread, blocker = _in_thread(lambda: pool.run(str(snapshot), QueryRequest(RUNAWAY)))
        _until(lambda: pool.status()["idle"] == 0)
        queued_at = time.monotonic()
        result = pool.run(str(snapshot), QueryRequest(CHEAP))
        waited = time.monotonic() - queued_at
        thread.join(60)
        assert isinstance(blocker.get("error"), QueryTimeoutError)
        assert b"true" in result.body
        assert waited > pool.timeout  # it waited out the runaway's whole time limit, and still ran
        assert pool.killed == 1
    finally:
        pool.close()


def test_known_slow_queries_cannot_take_every_worker(snapshot: Path) -> None:
    pool = QueryPool(size=2, timeout=2.0, queue_timeout=1.0, slow_seconds=0.5)
    try:
        assert pool.slow_workers == 1
        with pytest.raises(QueryTimeoutError):
            pool.run(str(snapshot), QueryRequest(RUNAWAY))
        assert pool.is_slow(RUNAWAY) and not pool.is_slow(CHEAP)
        _until(lambda: pool.status()["idle"] == 2)
        first, one = _in_thread(lambda: pool.run(str(snapshot), QueryRequest(RUNAWAY)))
        _until(lambda: pool.status()["slow_running"] == 1)
        # The same runaway again: the slow lane is full, so it waits, and past the queue bound is turned away ...
        with pytest.raises(QueryBusyError):
            pool.run(str(snapshot), QueryRequest(RUNAWAY))
        # ... while the other worker keeps serving everyone else.
        assert b"true" in pool.run(str(snapshot), QueryRequest(CHEAP)).body
        first.join(60)
        assert isinstance(one.get("error"), QueryTimeoutError)
    finally:
        pool.close()


def test_one_client_cannot_hold_more_than_its_share(snapshot: Path) -> None:
    pool = QueryPool(size=2, timeout=4.0, queue_timeout=0.5, client_limit=1)
    try:
        thread, blocker = _in_thread(lambda: pool.run(str(snapshot), QueryRequest(RUNAWAY), client="10.0.0.1"))
        _until(lambda: pool.status()["idle"] == 1)
        with pytest.raises(QueryBusyError):  # a worker is idle, but not for this client
            pool.run(str(snapshot), QueryRequest(CHEAP), client="10.0.0.1")
        assert b"true" in pool.run(str(snapshot), QueryRequest(CHEAP), client="10.0.0.2").body
        thread.join(60)
        assert isinstance(blocker.get("error"), QueryTimeoutError)
    finally:
        pool.close()


def test_async_path_answers_and_stops_a_runaway(snapshot: Path) -> None:
    pool = QueryPool(size=1, timeout=2.0)

    async def scenario() -> tuple[bytes, BaseException | None]:
        cheap = await pool.run_async(str(snapshot), QueryRequest(CHEAP))
        try:
            await pool.run_async(str(snapshot), QueryRequest(RUNAWAY))
        except QueryTimeoutError as error:
            return cheap.body, error
        return cheap.body, None

    try:
        body, error = asyncio.run(scenario())
        assert b"true" in body and isinstance(error, QueryTimeoutError)
        _until(lambda: pool.status()["idle"] == 1)
        # The pipe is usable again from blocking code after the event loop watched it.
        assert b"true" in pool.run(str(snapshot), QueryRequest(CHEAP)).body
    finally:
        pool.close()
