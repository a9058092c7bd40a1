"""Issue 7 reproductions over HTTP against a real server: SERVICE/LOAD bypasses, remote bodies in errors,
the Service Description's federation feature."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.server_fixtures import UPDATE_TOKEN, LiveServer, live_server, start_server, stop_server  # noqa: F401


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that records every request and answers with a fixed HTTP response."""

    response: bytes
    port: int = 0
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(65536))
                    conn.sendall(self.response)
                except OSError:
                    self.received.append(b"?")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


SECRET = b"SECRET-INTERNAL-BODY-7f3a"


@pytest.fixture(scope="module")
def forbidden() -> Iterator[Listener]:
    listener = Listener(b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nContent-Length: 0\r\n\r\n")
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def allowed() -> Iterator[Listener]:
    body = SECRET + b"\nmore internal detail"
    listener = Listener(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def federated(tmp_path_factory: pytest.TempPathFactory, allowed: Listener, forbidden: Listener) -> Iterator[LiveServer]:
    """A writable server whose allow-list holds one endpoint URL on 127.0.0.1 (the `allowed` listener's port)."""
    allowlist = json.dumps([f"http://127.0.0.1:{allowed.port}/sparql"])
    server = start_server(
        tmp_path_factory.mktemp("federated") / "store",
        token=UPDATE_TOKEN,
        seeds=False,
        env={"SCHOLARKG_SERVICE_ALLOWLIST": allowlist},
    )
    yield server
    stop_server(server)


def _reproductions(port: int) -> list[tuple[str, str]]:
    return [
        (
            "query",
            "PREFIX schema: <http://schema.org/> SELECT * WHERE { VALUES ?q { schema:a\\# } "
            f"SERVICE <http://127.0.0.1:{port}/x.nt> {{ ?x ?y ?z }} }}",
        ),
        (
            "query",
            "PREFIX schema: <http://schema.org/> SELECT * WHERE { VALUES ?q { schema:a\\' } "
            f'SERVICE <http://127.0.0.1:{port}/x.nt> {{ ?x ?y ?z }} FILTER(?q != "\'") }}',
        ),
        (
            "update",
            "PREFIX ex: <http://example.org/> INSERT DATA { <urn:a> <urn:b> ex:a\\# } ; "
            f"LOAD <http://127.0.0.1:{port}/x.nt> INTO GRAPH <urn:ssrf>",
        ),
        ("query", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?x ?y ?z }} }}"),
        ("update", f"LOAD SILENT <http://127.0.0.1:{port}/sparql>"),
    ]


def test_issue_reproductions_never_reach_the_listener(federated: LiveServer, forbidden: Listener) -> None:
    """The same host (127.0.0.1) is allow-listed on another port: that must not open this one."""
    with federated.client() as client:
        for kind, text in _reproductions(forbidden.port):
            response = client.post("/sparql", data={kind: text}, headers=federated.auth())
            assert response.status_code == 403, (text, response.text)
            assert response.json()["error"]["code"] == "service-not-allowed"
        relative = client.get("/sparql", params={"query": "SELECT * { SERVICE <sparql> { ?s ?p ?o } }"})
        assert relative.status_code == 403  # resolves to the server's own /sparql: not allow-listed
        assert "/sparql" in relative.json()["error"]["message"]
    assert forbidden.received == []


def test_an_allowed_endpoint_is_contacted_but_its_body_never_echoed(federated: LiveServer, allowed: Listener) -> None:
    with federated.client() as client:
        response = client.get(
            "/sparql",
            params={"query": f"SELECT * {{ SERVICE <http://127.0.0.1:{allowed.port}/sparql> {{ ?s ?p ?o }} }}"},
        )
        assert response.status_code >= 400
        assert SECRET.decode() not in response.text and "internal detail" not in response.text
        assert "response body not shown" in response.json()["error"]["message"]
        load = client.post(
            "/sparql",
            data={"update": f"LOAD <http://127.0.0.1:{allowed.port}/sparql/data.nt>"},
            headers=federated.auth(),
        )
        assert load.status_code >= 400 and SECRET.decode() not in load.text
    assert allowed.received and allowed.received[0].startswith((b"GET /sparql", b"POST /sparql"))


def test_service_description_advertises_federation_only_with_an_allowlist(
    federated: LiveServer,
    live_server: LiveServer,  # noqa: F811
) -> None:
    feature = "BasicFederatedQuery"
    with federated.client() as client:
        assert feature in client.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert feature not in httpx.get(f"{live_server.url}/sparql", headers={"Accept": "text/turtle"}).text
