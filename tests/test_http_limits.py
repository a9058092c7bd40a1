"""Oversized request heads get 414 / 431 answers (not a reset) from a real server; `head_status` decides."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import httpx
import pytest

from scholarkg.api.http_limits import head_status
from tests.server_fixtures import LiveServer, start_server, stop_server


def test_head_status() -> None:
    assert head_status(b"GET /" + b"a" * 100, 64) == 414
    assert head_status(b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 20, 64) == 431
    assert head_status(b"GET / HTTP/1.1\r\n", 64) == 400


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("limits") / "store", seeds=False, env={"SCHOLARKG_MAX_REQUEST_HEAD_BYTES": "16384"}
    )
    yield live
    stop_server(live)


def _raw(server: LiveServer, request: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        with contextlib.suppress(OSError):  # the server may stop reading once it has answered
            sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_one_megabyte_parameter_is_414(server: LiveServer) -> None:
    answer = _raw(server, b"GET /sparql?query=" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 414 "), answer[:200]
    assert b'"code":"uri-too-long"' in answer
    response = httpx.get(f"{server.url}/sparql", params={"query": "a" * 15_000}, timeout=30)
    assert response.status_code == 400  # under the (here 16 KiB) head limit: reaches the app (not a query)
    response = httpx.get(f"{server.url}/sparql", params={"query": "a" * 20_000}, timeout=30)
    assert response.status_code == 414


def test_ten_thousand_headers_are_431(server: LiveServer) -> None:
    headers = b"".join(b"X-Header-%d: value\r\n" % i for i in range(10_000))
    answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"code":"headers-too-large"' in answer
    assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200  # still serving
