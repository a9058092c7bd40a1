"""Issue 7 reproductions over HTTP against a real server: SERVICE/LOAD bypasses, remote bodies in errors,
the Service Description's federation feature."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.server_fixtures import ROOT, UPDATE_TOKEN, LiveServer, live_server, start_server, stop_server  # noqa: F401


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
        env={
            "SCHOLARKG_SERVICE_ALLOWLIST": allowlist,
            "SCHOLARKG_MAX_UPLOAD_QUADS": "1000",
            "SCHOLARKG_MAX_UPLOAD_PARSED_BYTES": "10000000",
            "SCHOLARKG_MAX_QUERY_CHARS": "20000",
        },
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
        # A SERVICE call goes through the federation gateway: 502 naming the endpoint and our reason, no body.
        assert response.status_code == 502
        assert SECRET.decode() not in response.text and "internal detail" not in response.text
        assert response.json()["error"]["code"] == "service-failed"
        assert f"http://127.0.0.1:{allowed.port}/sparql" in response.json()["error"]["message"]
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


# -- part 2: entity expansion and parsed-size bounds in uploads --------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">
  <rdf:Description rdf:about="http://example.org/s"><e:p>&lol8;</e:p></rdf:Description>
</rdf:RDF>"""


def test_rdf_xml_with_entity_declarations_is_refused_before_parsing(federated: LiveServer) -> None:
    with federated.client() as client:
        for method in ("PUT", "POST"):
            response = client.request(
                method,
                "/store",
                params={"graph": "urn:bl"},
                content=BILLION_LAUGHS,
                headers={**federated.auth(), "Content-Type": "application/rdf+xml"},
            )
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "xml-declarations-refused"
            assert response.json()["error"]["line"] == 2
        boundary = "b0undary"
        multipart = (
            f"--{boundary}\r\nContent-Type: application/rdf+xml\r\n\r\n".encode()
            + BILLION_LAUGHS
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = client.post(
            "/store",
            params={"graph": "urn:bl"},
            content=multipart,
            headers={**federated.auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status_code == 400 and response.json()["error"]["code"] == "xml-declarations-refused"
        utf16 = client.put(
            "/store",
            params={"graph": "urn:bl"},
            content=BILLION_LAUGHS.decode().encode("utf-16"),
            headers={**federated.auth(), "Content-Type": "application/rdf+xml"},
        )
        assert utf16.status_code == 415
        assert client.get("/store", params={"graph": "urn:bl"}).status_code == 404  # nothing was written
        plain = BILLION_LAUGHS.split(b"]>", 1)[1].replace(b"&lol8;", b"ok")
        created = client.put(
            "/store",
            params={"graph": "urn:ok"},
            content=plain,
            headers={**federated.auth(), "Content-Type": "application/rdf+xml"},
        )
        assert created.status_code == 201, created.text


def test_uploads_are_bounded_by_what_they_expand_to(federated: LiveServer) -> None:
    """A small Turtle body whose prefix is 100 KB long expands to 30 MB of terms; 1001 triples exceed the cap."""
    headers = {**federated.auth(), "Content-Type": "text/turtle"}
    prefix = "http://example.org/" + "a" * 100_000 + "/"
    body = f"@prefix p: <{prefix}> .\n" + "".join(f"p:s{i} p:p p:o .\n" for i in range(100))
    too_many = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(1001))
    with federated.client() as client:
        for text in (body, too_many):
            response = client.put("/store", params={"graph": "urn:big"}, content=text.encode(), headers=headers)
            assert response.status_code == 413, response.text[:200]
            assert response.json()["error"]["code"] == "upload-too-large"
        assert client.get("/store", params={"graph": "urn:big"}).status_code == 404
        fits = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(1000))
        assert (
            client.put("/store", params={"graph": "urn:big"}, content=fits.encode(), headers=headers).status_code == 201
        )


# -- part 4: query size and nesting are capped before anything parses the text -------------------------
def test_query_size_and_nesting_caps(federated: LiveServer) -> None:
    with federated.client() as client:
        long = client.post("/sparql", data={"query": "ASK { " + "{}" * 10_000 + " }"})
        assert long.status_code == 413 and long.json()["error"]["code"] == "query-too-large"
        deep = client.post("/sparql", data={"query": "ASK " + "{ " * 100 + "}" * 100})
        assert deep.status_code == 400 and deep.json()["error"]["code"] == "query-too-deep"
        update = client.post(
            "/sparql",
            data={"update": "INSERT { <urn:a> <urn:b> 1 } WHERE " + "{ " * 100 + "}" * 100},
            headers=federated.auth(),
        )
        assert update.status_code == 400 and update.json()["error"]["code"] == "query-too-deep"
        assert client.post("/sparql", data={"query": "ASK " + "{ " * 60 + "}" * 60}).status_code == 200


# -- part 5: upload names --------------------------------------------------------------------------------
def _seed_page() -> bytes:
    return sorted((ROOT / "seeds").glob("000_*.txt"))[0].read_bytes()


def test_unusable_upload_names_are_refused(federated: LiveServer) -> None:
    page = _seed_page()
    with federated.client() as client:
        before = client.get("/sources").json()
        for raw in (
            "%FF%FE.txt",
            "%C0%AF.txt",
            "",
            "%20",
            "a%00b.txt",
            "a%0Ab.txt",
            "a%0Db.txt",
            "e%CC%81.txt",
            ".hidden.txt",
        ):
            response = client.post(f"/sources?name={raw}", content=page, headers=federated.auth())
            assert response.status_code == 422, (raw, response.text)
            assert response.json()["error"]["parameter"] == "name"
        assert client.get("/sources").json() == before


def test_source_keys_do_not_collide(federated: LiveServer) -> None:
    page = _seed_page()
    with federated.client() as client:
        graphs = []
        for name in ("X.txt", "X.md", "X.md.txt", "\u00c4.txt", "\u00e4.txt"):
            response = client.post("/sources", params={"name": name}, content=page, headers=federated.auth())
            assert response.status_code == 201, response.text
            graphs.append(response.json()["graph"])
        assert len(set(graphs)) == 5
        assert graphs[0].endswith("/id/source/X")  # a plain .txt name keeps its stem as key
        listed = {s["file_name"]: s["graph"] for s in client.get("/sources").json()}
        assert {n: listed[n] for n in ("X.txt", "X.md")} == {"X.txt": graphs[0], "X.md": graphs[1]}


# -- part 6: only http(s) and mailto IRIs become links ------------------------------------------------------
def test_javascript_and_data_iris_are_text_not_links(federated: LiveServer) -> None:
    subject = "https://w3id.org/scholarkg/id/paper/xss-test"
    update = (
        f"INSERT DATA {{ <{subject}> <http://schema.org/sameAs> <javascript:alert(1)>, "
        f"<data:text/html,hi>, <mailto:a@example.org>, <https://example.org/ok> ; "
        f"<javascript:alert(2)> <http://example.org/x> }}"  # the default graph: what entity pages read
    )
    with federated.client() as client:
        assert client.post("/sparql", data={"update": update}, headers=federated.auth()).status_code == 204
        page = client.get("/id/paper/xss-test", headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text[:300]
        html = page.text
    assert "javascript:alert(1)" in html and "data:text/html,hi" in html  # shown as text
    anchors = re.findall(r"<a\s[^>]*href=\"([^\"]*)\"", html)
    assert anchors and not [a for a in anchors if a.lower().startswith(("javascript:", "data:"))]
    assert "javascript:" not in "".join(re.findall(r"<a\s[^>]*>", html)).lower()
    assert 'href="mailto:a@example.org"' in html and 'href="https://example.org/ok"' in html


# -- part 4: updates have a time limit (rehearsed on a copy in a worker that is killed) -----------------
@pytest.fixture(scope="module")
def slow_updates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("slow-updates") / "store", token=UPDATE_TOKEN, env={"SCHOLARKG_UPDATE_TIMEOUT": "3"}
    )
    yield server
    stop_server(server)


def test_a_runaway_update_is_stopped_and_changes_nothing(slow_updates: LiveServer) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def triples(client: httpx.Client) -> str:
        response = client.get("/sparql", params={"query": count})
        assert response.status_code == 200, response.text
        return str(response.json()["results"]["bindings"][0]["n"]["value"])

    with slow_updates.client() as client:
        before = triples(client)
        runaway = "INSERT { GRAPH <urn:boom> { ?a ?b ?c } } WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?x ?y ?z } }"
        response = client.post("/sparql", data={"update": runaway}, headers=slow_updates.auth())
        assert response.status_code == 503, response.text[:300]
        assert response.json()["error"]["code"] == "query-timeout"
        assert triples(client) == before  # the live store was never touched
        small = client.post(
            "/sparql",
            data={"update": "INSERT DATA { GRAPH <urn:ok> { <urn:a> <urn:b> 1 } }"},
            headers=slow_updates.auth(),
        )
        assert small.status_code == 204
        assert int(triples(client)) == int(before) + 1
