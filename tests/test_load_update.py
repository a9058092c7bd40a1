"""`LOAD` in a SPARQL Update on the embedded store, against a real server and a real document server on 127.0.0.1:
the federation gateway fetches each allowed document itself (time limit, byte cap, redirects only to allow-listed
URLs, media type → parser) and pyoxigraph applies the parsed triples in the update's own transaction
(queries/federation.py, queries/load_documents.py)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from scholarkg.loader.remote import RemoteStore
from scholarkg.queries.engine import Engine
from scholarkg.queries.federation import ServiceGateway
from scholarkg.queries.guard import ForbiddenServiceError, remote_calls
from scholarkg.queries.load_documents import LoadFailed, LoadLimits, fetch_document
from scripts.engines import EngineServer
from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server
from tests.test_remote_store import remote_settings
from tests.test_security_endpoint import Listener

SECRET = "internal-detail-never-shown-4b1d"
SCHEMA = "http://schema.org/"
PERSON = "https://w3id.org/scholarkg/id/person/philippa-quarrendon"
MAX_BYTES = 4_000
GRAPH_DOC = b"""@prefix ex: <http://example.org/> .
ex:paper ex:title "A paper" ; ex:cites <relative-iri> , [ ex:label "anonymous" ] .
ex:other ex:title "Another" .
"""
PEOPLE_DOC = f"""<{PERSON}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SCHEMA}Person> .
<{PERSON}> <{SCHEMA}name> "Philippa Quarrendon" .
""".encode()


class Documents:
    """An HTTP server on 127.0.0.1 serving RDF documents (and failures) under /docs/, recording every path asked."""

    def __init__(self, away: str) -> None:
        self.asked: list[str] = []
        routes: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/docs/graph.ttl": (200, {"Content-Type": "text/turtle; charset=utf-8"}, GRAPH_DOC),
            "/docs/people.nt": (200, {"Content-Type": "application/n-triples"}, PEOPLE_DOC),
            "/docs/noisy.nt": (200, {"Content-Type": "application/octet-stream"}, PEOPLE_DOC),
            "/docs/fail": (500, {"Content-Type": "text/plain"}, f"boom: {SECRET}".encode()),
            "/docs/big.nt": (
                200,
                {"Content-Type": "application/n-triples"},
                b"".join(b'<http://example.org/s> <http://example.org/p> "%d" .\n' % i for i in range(200)),
            ),
            "/docs/page.html": (200, {"Content-Type": "text/html"}, f"<html>{SECRET}</html>".encode()),
            "/docs/broken.ttl": (200, {"Content-Type": "text/turtle"}, f"<a> <b> {SECRET} .".encode()),
            "/docs/hop": (302, {"Location": "/docs/graph.ttl"}, b""),
            "/docs/away": (302, {"Location": away}, b""),
            "/docs/outside": (303, {"Location": "/private/graph.ttl"}, b""),
            "/private/graph.ttl": (200, {"Content-Type": "text/turtle"}, GRAPH_DOC),
        }
        documents = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                documents.asked.append(self.path)
                status, headers, body = routes.get(self.path, (404, {}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def outsider() -> Iterator[Listener]:
    """A listener on another port: not allow-listed, so it must never be contacted."""
    listener = Listener(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 0\r\n\r\n")
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def docs(outsider: Listener) -> Iterator[Documents]:
    server = Documents(away=f"http://127.0.0.1:{outsider.port}/graph.ttl")
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docs: Documents) -> Iterator[LiveServer]:
    env = {
        "SCHOLARKG_SERVICE_ALLOWLIST": json.dumps([docs.url + "/docs"]),
        "SCHOLARKG_SERVICE_TIMEOUT": "5",
        "SCHOLARKG_SERVICE_MAX_BYTES": str(MAX_BYTES),
    }
    live = start_server(tmp_path_factory.mktemp("load-update") / "store", token=UPDATE_TOKEN, env=env, seeds=False)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def update(client: httpx.Client, server: LiveServer, text: str) -> httpx.Response:
    return client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-update", **server.auth()})


def triples_in(client: httpx.Client, graph: str) -> set[tuple[str, str, str]]:
    """The graph's triples, blank nodes written as `_`."""
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return {
        tuple("_" if row[k]["type"] == "bnode" else row[k]["value"] for k in ("s", "p", "o"))  # type: ignore[misc]
        for row in rows
    }


def everything(client: httpx.Client) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def expected(document: bytes, base: str, rdf_format: RdfFormat) -> set[tuple[str, str, str]]:
    return {
        tuple("_" if type(t).__name__ == "BlankNode" else t.value for t in (q.subject, q.predicate, q.object))  # type: ignore[misc]
        for q in parse(document, rdf_format, base_iri=base)
    }


def assert_failed(response: httpx.Response, url: str, reason: str) -> None:
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["code"] == "service-failed"
    assert error["endpoint"] == url
    assert error["message"].startswith(f"LOAD of the document {url} failed: ")
    assert reason in error["message"], error["message"]
    assert SECRET not in response.text


# -- allowed LOADs ----------------------------------------------------------------------------------------------
def test_load_into_a_graph_writes_exactly_the_documents_triples_fetched_once(
    client: httpx.Client, server: LiveServer, docs: Documents
) -> None:
    url = docs.url + "/docs/graph.ttl"
    graph = "https://example.org/graph/loaded"
    docs.asked.clear()
    response = update(client, server, f"LOAD <{url}> INTO GRAPH <{graph}>")
    assert response.status_code == 204, response.text
    found = triples_in(client, graph)
    # relative IRIs resolved against the document's own URL (not the gateway's), blank nodes kept
    assert found == expected(GRAPH_DOC, url, RdfFormat.TURTLE)
    assert ("http://example.org/paper", "http://example.org/cites", docs.url + "/docs/relative-iri") in found
    assert len(found) == 5
    # rehearsed on a copy, then run for real: the document is fetched once, both runs apply the same triples
    assert docs.asked == ["/docs/graph.ttl"]


def test_an_allowed_redirect_is_followed_and_a_generic_type_falls_back_to_the_extension(
    client: httpx.Client, server: LiveServer, docs: Documents
) -> None:
    hop = "https://example.org/graph/hop"
    assert update(client, server, f"LOAD <{docs.url}/docs/hop> INTO GRAPH <{hop}>").status_code == 204
    assert triples_in(client, hop) == expected(GRAPH_DOC, docs.url + "/docs/graph.ttl", RdfFormat.TURTLE)
    noisy = "https://example.org/graph/noisy"
    response = update(client, server, f"LOAD <{docs.url}/docs/noisy.nt> INTO GRAPH <{noisy}>")
    assert response.status_code == 204, response.text
    assert len(triples_in(client, noisy)) == 2


def test_load_runs_in_order_with_the_other_operations(
    client: httpx.Client, server: LiveServer, docs: Documents
) -> None:
    graph = "https://example.org/graph/ordered"
    text = f"""INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/before> <http://example.org/p> "x" }} }} ;
LOAD <{docs.url}/docs/graph.ttl> INTO GRAPH <{graph}> ;
DELETE WHERE {{ GRAPH <{graph}> {{ ?s <http://example.org/title> ?t }} }}"""
    assert update(client, server, text).status_code == 204
    found = triples_in(client, graph)
    assert ("http://example.org/before", "http://example.org/p", "x") in found
    assert not any(p == "http://example.org/title" for _, p, _ in found)  # the DELETE saw the loaded triples
    assert len(found) == 1 + 5 - 2


def test_load_into_the_default_graph_reaches_the_full_text_index(
    client: httpx.Client, server: LiveServer, docs: Documents
) -> None:
    assert client.get("/authors", params={"q": "Quarrendon"}).json()["items"] == []
    assert update(client, server, f"LOAD <{docs.url}/docs/people.nt>").status_code == 204
    items = client.get("/authors", params={"q": "Quarrendon"}).json()["items"]
    assert [(item["id"], item["name"]) for item in items] == [(PERSON, "Philippa Quarrendon")]


# -- failures ---------------------------------------------------------------------------------------------------
def test_load_silent_of_a_failing_url_succeeds_and_writes_nothing_from_it(
    client: httpx.Client, server: LiveServer, docs: Documents
) -> None:
    graph = "https://example.org/graph/silent"
    kept = "https://example.org/graph/silent-kept"
    text = f"""LOAD SILENT <{docs.url}/docs/fail> INTO GRAPH <{graph}> ;
INSERT DATA {{ GRAPH <{kept}> {{ <http://example.org/a> <http://example.org/b> "c" }} }}"""
    response = update(client, server, text)
    assert response.status_code == 204, response.text
    assert triples_in(client, graph) == set()
    assert triples_in(client, kept) == {("http://example.org/a", "http://example.org/b", "c")}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/docs/fail", "HTTP 500"),
        ("/docs/big.nt", f"larger than {MAX_BYTES} bytes"),
        ("/docs/page.html", "content type 'text/html' is not an RDF format"),
        ("/docs/broken.ttl", "does not parse as Turtle"),
        ("/docs/missing.ttl", "HTTP 404"),
    ],
)
def test_a_failing_load_is_a_502_naming_the_url_and_writes_nothing(
    client: httpx.Client, server: LiveServer, docs: Documents, path: str, reason: str
) -> None:
    url = docs.url + path
    graph = "https://example.org/graph/failed"
    before = everything(client)
    text = f"""INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/a> <http://example.org/b> "c" }} }} ;
LOAD <{url}> INTO GRAPH <{graph}>"""
    assert_failed(update(client, server, text), url, reason)
    assert everything(client) == before  # one transaction: the INSERT DATA before the LOAD is not kept either


def test_a_redirect_outside_the_allowlist_is_refused_without_contacting_it(
    client: httpx.Client, server: LiveServer, docs: Documents, outsider: Listener
) -> None:
    before = everything(client)
    docs.asked.clear()
    for path in ("/docs/away", "/docs/outside"):  # another port; the same port outside the allowed path
        url = docs.url + path
        assert_failed(update(client, server, f"LOAD <{url}> INTO GRAPH <urn:x:redirected>"), url, "outside the allow")
    assert everything(client) == before
    assert outsider.received == []
    assert docs.asked == ["/docs/away", "/docs/outside"]  # never /private/…


def test_a_load_not_allowed_is_refused_before_any_request(
    client: httpx.Client, server: LiveServer, docs: Documents, outsider: Listener
) -> None:
    docs.asked.clear()
    for url in (f"http://127.0.0.1:{outsider.port}/graph.ttl", f"{docs.url}/private/graph.ttl"):
        for text in (f"LOAD <{url}>", f"LOAD SILENT <{url}> INTO GRAPH <urn:x:g>"):
            response = update(client, server, text)
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "service-not-allowed"
    assert outsider.received == []
    assert docs.asked == []


# -- the fetcher on its own (httpx's mock transport: no network) ----------------------------------------------------
def fetch(routes: dict[str, httpx.Response], url: str = "http://docs.test/d/doc", **limits: int) -> bytes:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return routes.get(str(request.url), httpx.Response(404))

    bounds = LoadLimits(
        timeout=5,
        max_bytes=limits.get("max_bytes", 10_000),
        max_triples=limits.get("max_triples", 10),
        max_term_bytes=limits.get("max_term_bytes", 10_000),
    )
    with httpx.Client(transport=httpx.MockTransport(answer)) as mock:
        try:
            return fetch_document(mock, url, ["http://docs.test/d"], bounds)
        finally:
            assert all(a.startswith("http://docs.test/d/") for a in asked), asked  # never outside the allow-list


def ntriples(count: int) -> bytes:
    return b"".join(b'<http://e/s> <http://e/p> "%d" .\n' % i for i in range(count))


def test_fetcher_answers_n_triples_of_what_it_parsed() -> None:
    turtle = httpx.Response(
        200, headers={"Content-Type": "text/turtle"}, content=b"@prefix e: <http://e/> . e:s e:p <o> ."
    )
    assert fetch({"http://docs.test/d/doc": turtle}) == b"<http://e/s> <http://e/p> <http://docs.test/d/o> .\n"
    xml = b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    assert (
        fetch(
            {
                "http://docs.test/d/doc": httpx.Response(
                    200, headers={"Content-Type": "application/rdf+xml"}, content=xml
                )
            }
        )
        == b""
    )


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            httpx.Response(200, headers={"Content-Type": "application/n-triples"}, content=ntriples(11)),
            "more than 10 triples",
        ),
        (
            httpx.Response(
                200,
                headers={"Content-Type": "application/rdf+xml"},
                content=b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r/>',
            ),
            "DOCTYPE or ENTITY",
        ),
        (httpx.Response(200, headers={"Content-Type": "text/turtle; charset=latin-1"}, content=b""), "not UTF-8"),
        (
            httpx.Response(200, headers={"Content-Type": "application/x-unknown"}, content=b""),
            "'application/x-unknown'",
        ),
        (
            httpx.Response(200, content=b"<a> <b> <c> ."),
            "no RDF content type",
        ),  # no type, no extension
        (httpx.Response(302, headers={"Location": "http://docs.test/d/doc"}), "more than 5 redirects"),
        (httpx.Response(302, headers={"Location": "http://docs.test/private"}), "outside the allow-list"),
        (httpx.Response(302, headers={"Location": "https://docs.test/d/doc"}), "outside the allow-list"),  # scheme
        (httpx.Response(301), "HTTP 301 without a Location"),
    ],
)
def test_fetcher_refusals(response: httpx.Response, reason: str) -> None:
    with pytest.raises(LoadFailed, match=re.escape(reason)):
        fetch({"http://docs.test/d/doc": response})


def test_fetcher_caps_bytes_read_and_terms_parsed() -> None:
    body = httpx.Response(200, headers={"Content-Type": "application/n-triples"}, content=ntriples(5))
    assert len(fetch({"http://docs.test/d/doc": body})) == len(ntriples(5))
    with pytest.raises(LoadFailed, match="larger than 100 bytes"):
        fetch({"http://docs.test/d/doc": body}, max_bytes=100)
    with pytest.raises(LoadFailed, match="100 bytes of terms"):
        fetch({"http://docs.test/d/doc": body}, max_term_bytes=100)


# -- a remote engine: it does the LOAD itself; the allow-list still decides first --------------------------------
def test_a_remote_engine_loads_allowed_documents_itself(
    oxigraph_server: EngineServer, docs: Documents, outsider: Listener
) -> None:
    settings = remote_settings(oxigraph_server, service_allowlist=[docs.url + "/docs"])
    store = RemoteStore.open(settings)
    engine = Engine(settings, store, workers=1)
    graph = NamedNode("https://example.org/graph/remote-load")
    try:
        docs.asked.clear()
        engine.update(f"LOAD <{docs.url}/docs/people.nt> INTO GRAPH {graph}")
        assert store.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}") == 2
        assert docs.asked == ["/docs/people.nt"]  # fetched by the engine, once (no rehearsal, no gateway)
        with pytest.raises(ForbiddenServiceError):
            engine.update(f"LOAD <http://127.0.0.1:{outsider.port}/graph.ttl> INTO GRAPH {graph}")
        assert outsider.received == []
    finally:
        engine.update(f"DROP SILENT GRAPH {graph}")
        engine.close()
        store.close()


def test_the_gateway_routes_load_and_service_targets_each_as_its_own_kind() -> None:
    gateway = ServiceGateway(["http://docs.test/"], timeout=1, max_rows=10, max_bytes=1_000)
    try:
        text = """PREFIX d: <http://docs.test/>
LOAD SILENT d:a.ttl INTO GRAPH <urn:g> ; LOAD <http://docs.test/b.nt> ;
INSERT { ?s ?p ?o } WHERE { SERVICE <http://docs.test/sparql> { ?s ?p ?o } }"""
        routed = gateway.route(text, strict=True, replay=True)
        assert "docs.test" not in routed.text.replace("PREFIX d: <http://docs.test/>", "")
        kinds = [kind for kind, target in remote_calls(routed.text) if target.startswith(gateway.url)]
        assert sorted(kinds) == ["LOAD", "LOAD", "SERVICE"]
        calls = [gateway._calls[token] for token in routed.tokens]
        assert [(c.endpoint, c.load, c.silent) for c in calls] == [
            ("http://docs.test/a.ttl", True, True),
            ("http://docs.test/b.nt", True, False),
            ("http://docs.test/sparql", False, False),
        ]
        gateway.release(routed)
    finally:
        gateway.close()
