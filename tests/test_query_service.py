"""The query service under load, over HTTP: queue wait → 503 `busy` + Retry-After; cached health facts.

Structural, not timing-fragile: a runaway query holds the only worker until it is killed at the time limit
(seconds); the queue bound is far shorter, so a query sent meanwhile must be turned away as `busy`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from scholarkg.seeds import seed_files
from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def one_worker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"SCHOLARKG_QUERY_WORKERS": "1", "SCHOLARKG_QUERY_TIMEOUT": "6", "SCHOLARKG_QUEUE_TIMEOUT": "0.5"}
    server = start_server(tmp_path_factory.mktemp("busy") / "store", token=UPDATE_TOKEN, env=env)
    yield server
    stop_server(server)


def test_queue_wait_past_its_bound_is_503_busy_with_retry_after(one_worker_server: LiveServer) -> None:
    outcome: dict[str, httpx.Response] = {}

    def runaway() -> None:
        with httpx.Client(base_url=one_worker_server.url, timeout=60) as c:
            outcome["runaway"] = c.get("/sparql", params={"query": RUNAWAY})

    thread = threading.Thread(target=runaway)
    thread.start()
    with one_worker_server.client() as c:
        deadline = time.monotonic() + 30
        busy = None
        while time.monotonic() < deadline:  # until the runaway holds the worker
            response = c.get("/sparql", params={"query": "ASK {}"})
            if response.status_code == 503:
                busy = response
                break
            time.sleep(0.05)
        health = c.get("/healthz").json()
    thread.join(60)
    assert busy is not None, "a query queued behind the runaway was never turned away"
    error = busy.json()["error"]
    assert error["code"] == "busy" and "did not run" in error["message"]
    assert int(busy.headers["retry-after"]) >= 1
    assert health["busy_rejections"] >= 1
    assert outcome["runaway"].status_code == 503
    assert outcome["runaway"].json()["error"]["code"] == "query-timeout"
    with one_worker_server.client() as c:  # once the runaway is gone, queries are answered again
        deadline = time.monotonic() + 60
        while (answer := c.get("/sparql", params={"query": "ASK {}"})).status_code == 503:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert answer.status_code == 200


def test_health_counts_are_cached_and_follow_writes(one_worker_server: LiveServer) -> None:
    with one_worker_server.client() as c:
        before = c.get("/healthz").json()["sources"]
        assert before == len(seed_files())
        gone = c.delete(f"/sources/{seed_files()[0].stem}", headers=one_worker_server.auth())
        assert gone.status_code in (200, 204), gone.text
        after = c.get("/healthz").json()["sources"]
        void = c.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text
    assert after == before - 1  # the cache was dropped by the write
    assert seed_files()[0].stem not in void
