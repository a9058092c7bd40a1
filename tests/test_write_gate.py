"""queries/write_gate.py and the error mapping of the engine's refusals (503 busy / query-timeout, 413, 400)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from fastapi import FastAPI

from scholarkg.api.errors import install_error_handlers
from scholarkg.queries.limits import QueryTooDeepError, QueryTooLargeError, check_text, deeper_than
from scholarkg.queries.workers import QueryTimeoutError
from scholarkg.queries.write_gate import WriteBusyError, WriteGate


def test_the_write_queue_is_bounded() -> None:
    gate = WriteGate(max_pending=2, wait_timeout=5)
    release = threading.Event()
    entered = threading.Barrier(2)
    outcomes: list[str] = []

    def holder() -> None:
        with gate:
            entered.wait()
            release.wait(10)

    def waiter() -> None:
        try:
            with gate:
                outcomes.append("ran")
        except WriteBusyError:
            outcomes.append("busy")

    first = threading.Thread(target=holder)
    first.start()
    entered.wait()
    waiters = [threading.Thread(target=waiter) for _ in range(2)]
    for thread in waiters:
        thread.start()
    for _ in range(200):  # bounded: wait until both are queued
        if gate.pending == 3:
            break
        threading.Event().wait(0.01)
    assert gate.pending == 3
    with pytest.raises(WriteBusyError, match="2 writes are already waiting"):
        gate.acquire()
    release.set()
    for thread in [first, *waiters]:
        thread.join(10)
    assert outcomes == ["ran", "ran"] and gate.pending == 0


def test_a_writer_waits_at_most_the_timeout() -> None:
    gate = WriteGate(max_pending=4, wait_timeout=0.05)
    gate.acquire()
    try:
        with pytest.raises(WriteBusyError, match="stayed busy"):
            gate.acquire()
        assert gate.pending == 1
    finally:
        gate.release()


def test_caps_on_query_text() -> None:
    check_text("ASK { { } }", max_chars=20, max_depth=2)
    with pytest.raises(QueryTooLargeError):
        check_text("ASK {}" * 10, max_chars=20, max_depth=2)
    with pytest.raises(QueryTooDeepError):
        check_text("ASK { { { } } }", max_chars=None, max_depth=2)
    assert not deeper_than("ASK { " + "{}" * 100_000 + " }", 2)
    assert deeper_than("(" * 1000 + ")" * 1000, 64) and not deeper_than("(" * 64 + ")" * 64, 64)
    assert deeper_than("(()" * 65 + ")" * 65, 64)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (QueryTimeoutError(2.0), 503, "query-timeout"),
        (WriteBusyError("busy"), 503, "busy"),
        (QueryTooLargeError("long"), 413, "query-too-large"),
        (QueryTooDeepError("deep"), 400, "query-too-deep"),
    ],
)
def test_engine_refusals_map_to_http_wherever_they_surface(error: Exception, status: int, code: str) -> None:
    """E.g. a canned query's parameter lookup that times out is a 503 query-timeout, not a 500."""
    app = FastAPI()
    install_error_handlers(app)
    handler = app.exception_handlers[type(error)]  # the handler Starlette picks for this exception class
    response = asyncio.run(handler(None, error))  # type: ignore[arg-type]
    assert response.status_code == status and json.loads(response.body)["error"]["code"] == code
    if status == 503:
        assert response.headers["retry-after"] == "1"
