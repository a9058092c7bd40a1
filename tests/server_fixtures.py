"""Real servers for tests: `scholarkg serve` in a subprocess on 127.0.0.1 with its own on-disk store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
UPDATE_TOKEN = "test-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    store: Path
    process: subprocess.Popen[bytes]
    log: Path
    token: str | None

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


START_TIMEOUT = 180


def start_server(
    store: Path, *, token: str | None = None, env: dict[str, str] | None = None, seeds: bool = True
) -> LiveServer:
    port = free_port()
    log = store.parent / f"server-{port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
    environment.update({"SCHOLARKG_STORE": str(store), "PYTHONUNBUFFERED": "1"})
    if token:
        environment["SCHOLARKG_UPDATE_TOKEN"] = token
    if not seeds:
        environment["SCHOLARKG_LOAD_SEEDS"] = "false"
    environment.update(env or {})
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "scholarkg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    # Start-up loads the seeds (pages, default-graph view, co-author and text indexes): seconds on an idle
    # machine, but the shared 2-core box runs several suites at once, so allow a generous bound.
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, store, process, log, token)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start in {START_TIMEOUT} s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A read-only server over the seeds (no update token)."""
    server = start_server(tmp_path_factory.mktemp("live") / "store")
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def writable_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with an update token over an empty scratch store (no seeds), for write tests."""
    server = start_server(tmp_path_factory.mktemp("writable") / "store", token=UPDATE_TOKEN, seeds=False)
    yield server
    stop_server(server)
