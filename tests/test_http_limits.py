"""Oversized request heads get 414 / 431 answers (not a reset) from a real server; `head_status` decides."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_long_line_with_headers_past_the_limit_is_431(server: LiveServer) -> None:
    # The request line alone fits (here 16 KiB); the headers take the head past the limit.
    headers = b"".join(b"X-Header-%d: %s\r\n" % (i, b"v" * 100) for i in range(40))
    answer = _raw(server, b"GET /sparql?query=" + b"a" * 12_000 + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_one_huge_header_is_431(server: LiveServer) -> None:
    answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 200_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_pipelined_requests_are_answered_in_order(server: LiveServer) -> None:
    one = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = _raw(server, one * 3 + last)
    assert answer.count(b"HTTP/1.1 200 OK") == 4, answer[:500]
    assert answer.count(b"_askResult\r\ntrue\r\n") == 3
    assert answer.rstrip().endswith(b"}")  # the health document comes last


def test_head_of_a_query_has_headers_and_no_body(server: LiveServer) -> None:
    request = b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nConnection: close\r\n\r\n"
    answer = _raw(server, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"content-type: text/csv" in head.lower()
    assert body == b""


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=st.sampled_from([100, 8_000, 20_000, 60_000]),
    headers=st.sampled_from([0, 8_000, 20_000]),
    chunk=st.sampled_from([None, 1_500, 40_000]),
)
def test_head_bounds_hold_however_the_head_arrives(
    server: LiveServer, line: int, headers: int, chunk: int | None
) -> None:
    # limit 16,384: sizes stay far from it, so where the protocol (incomplete heads) and the middleware (whole
    # heads) count a few framing bytes differently does not matter.
    head = b"GET /healthz?x=" + b"a" * line + b" HTTP/1.1\r\nHost: x\r\n"
    head += b"".join(b"X-H%05d: %s\r\n" % (i, b"v" * 90) for i in range(headers // 100)) + b"\r\n"
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        with contextlib.suppress(OSError):
            for start in range(0, len(head), chunk or len(head)):
                sock.sendall(head[start : start + (chunk or len(head))])
        answer = sock.recv(200)
    expected = b"414" if line > 16_384 else b"431" if line + headers > 16_384 else b"200"
    assert answer.startswith(b"HTTP/1.1 " + expected), (line, headers, chunk, answer[:80])
