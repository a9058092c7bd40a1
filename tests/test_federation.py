"""Federation through allow-listed SERVICE endpoints, against a real `oxigraph serve` on 127.0.0.1 loaded with a
dblp-shaped sample (tests/data/federation/), plus local stand-ins for a failing and a silent endpoint."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode

from scholarkg.queries.federation import ServiceGateway, bind_service_variables, fill_service_values
from scripts.engines import EngineServer, start_oxigraph
from tests.engines import require_engine
from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

DATA = Path(__file__).resolve().parent / "data" / "federation" / "dblp-profiles.ttl"
SPACE = "https://w3id.org/scholarkg/id/"
KEUTZER = SPACE + "person/kurt-keutzer-a44af0d84d"
SEHOON_0001 = SPACE + "person/sehoon-kim-0001-dce1d3e141"
SECRET = "internal-stack-trace-do-not-leak"
RESULTS = "application/sparql-results+json"
try:  # endpoint-URL allow-list entries (scheme, host, port, path): the security issue's guard
    from scholarkg.queries import allowlist as _allowlist  # noqa: F401

    URL_ENTRIES = True
except ImportError:
    URL_ENTRIES = False


def allow(url: str) -> str:
    """An allow-list entry for `url`: the endpoint URL itself, or its host for the older host-only guard."""
    return url if URL_ENTRIES else "127.0.0.1"


class _Stub(BaseHTTPRequestHandler):
    """`/fail` answers 500 with a body that must never be shown; `/slow` answers after the gateway's timeout."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/slow"):
            time.sleep(4)
        body = f"boom: {SECRET}".encode()
        try:
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # /slow: the gateway gave up first

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def dblp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineServer]:
    require_engine("oxigraph")
    engine = start_oxigraph(tmp_path_factory.mktemp("dblp-endpoint"))
    try:
        loaded = httpx.post(
            engine.store_url + "?default",
            content=DATA.read_bytes(),
            headers={"Content-Type": "text/turtle"},
            timeout=30,
        )
        assert loaded.status_code in (200, 201, 204), loaded.text
        yield engine
    finally:
        engine.stop()


class Counter:
    """A listener on 127.0.0.1 that forwards SPARQL queries to an endpoint and keeps every query it received."""

    def __init__(self, endpoint: str) -> None:
        self.received: list[str] = []
        counter = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                counter.received.append(parse_qs(body).get("query", [body])[0])
                forwarded = httpx.post(
                    endpoint, data={"query": counter.received[-1]}, headers={"Accept": RESULTS}, timeout=30
                )
                self.send_response(forwarded.status_code)
                self.send_header("Content-Type", RESULTS)
                self.send_header("Content-Length", str(len(forwarded.content)))
                self.end_headers()
                self.wfile.write(forwarded.content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def counter(dblp: EngineServer) -> Iterator[Counter]:
    listener = Counter(dblp.query_url)
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, dblp: EngineServer, stub: str, counter: Counter
) -> Iterator[LiveServer]:
    allowlist = [allow(dblp.query_url), allow(stub + "/fail"), allow(stub + "/slow"), allow(counter.url)]
    env = {
        "SCHOLARKG_SERVICE_ALLOWLIST": json.dumps(sorted(set(allowlist))),
        "SCHOLARKG_SERVICE_TIMEOUT": "2",
        "SCHOLARKG_SERVICE_MAX_ROWS": "3",
    }
    live = start_server(tmp_path_factory.mktemp("federation") / "store", token=UPDATE_TOKEN, env=env)
    links = f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT DATA {{
  <{KEUTZER}> owl:sameAs <https://dblp.org/pid/k/KurtKeutzer> .
  <{SEHOON_0001}> owl:sameAs <https://dblp.org/pid/270/0561-1> , <http://www.wikidata.org/entity/Q1000001> .
}}"""  # into the default graph, the view queries read (accepted links reach it from the links graph the same way)
    with live.client() as client:
        response = client.post(
            "/sparql", content=links, headers={"Content-Type": "application/sparql-update", **live.auth()}
        )
        assert response.status_code == 204, response.text
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def select(client: httpx.Client, query: str) -> httpx.Response:
    return client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# -- SERVICE through the gateway ------------------------------------------------------------------------
def test_service_reaches_the_allowed_endpoint(client: httpx.Client, dblp: EngineServer) -> None:
    query = f"""PREFIX dblp: <https://dblp.org/rdf/schema#>
SELECT ?name ?orcid WHERE {{
  SERVICE <{dblp.query_url}> {{ <https://dblp.org/pid/k/KurtKeutzer> dblp:creatorName ?name ; dblp:orcid ?orcid }}
}}"""
    assert rows(select(client, query)) == [{"name": "Kurt Keutzer", "orcid": "https://orcid.org/0000-0003-3868-8501"}]


def test_local_and_remote_join_through_a_prefixed_service_name(client: httpx.Client, dblp: EngineServer) -> None:
    query = f"""PREFIX dblp: <https://dblp.org/rdf/schema#>
PREFIX ep: <{dblp.query_url.rsplit("/", 1)[0]}/>
SELECT ?local ?aff WHERE {{
  ?local owl:sameAs ?dblp . FILTER(STRSTARTS(STR(?dblp), "https://dblp.org/pid/"))
  SERVICE ep:query {{ ?dblp dblp:primaryAffiliation ?aff FILTER(CONTAINS(?aff, "California")) }}
}} ORDER BY ?local"""  # 3 of the endpoint's 5 persons: within the row cap
    assert rows(select(client, query)) == [
        {"local": KEUTZER, "aff": "University of California, Berkeley, USA"},
        {"local": SEHOON_0001, "aff": "University of California, Berkeley, USA"},
    ]


def test_rows_fetched_from_a_service_are_capped(client: httpx.Client, dblp: EngineServer) -> None:
    response = select(client, f"SELECT * WHERE {{ SERVICE <{dblp.query_url}> {{ ?s ?p ?o }} }}")
    assert len(rows(response)) == 3  # SCHOLARKG_SERVICE_MAX_ROWS
    assert response.headers["x-result-truncated"] == "true"
    small = select(client, f"SELECT * WHERE {{ SERVICE <{dblp.query_url}> {{ ?s a ?t }} }} LIMIT 2")
    assert len(rows(small)) == 2


@pytest.mark.parametrize(("path", "reason"), [("/fail", "HTTP 500"), ("/slow", "no answer within 2 s")])
def test_remote_failure_is_a_502_naming_the_endpoint_not_its_body(
    client: httpx.Client, stub: str, path: str, reason: str
) -> None:
    endpoint = stub + path
    response = select(client, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "service-failed"
    assert error["endpoint"] == endpoint
    assert error["message"] == f"the SPARQL endpoint {endpoint} failed: {reason}"
    assert SECRET not in response.text


def test_service_silent_keeps_its_meaning(client: httpx.Client, stub: str) -> None:
    response = select(
        client, f"SELECT ?x WHERE {{ BIND(1 AS ?x) OPTIONAL {{ SERVICE SILENT <{stub}/fail> {{ ?s ?p ?o }} }} }}"
    )
    assert rows(response) == [{"x": "1"}]


@pytest.mark.skipif(not URL_ENTRIES, reason="needs endpoint-URL allow-list entries (queries/allowlist.py)")
def test_a_port_not_allowed_on_the_same_host_is_refused_before_any_request(client: httpx.Client) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        response = select(client, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/query> {{ ?s ?p ?o }} }}")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "service-not-allowed"
        canned = client.get(
            "/queries/external-profile", params={"author": KEUTZER, "endpoint": f"http://127.0.0.1:{port}/query"}
        )
        assert canned.status_code == 403
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever connected


# -- the canned query external-profile ----------------------------------------------------------------------
def test_external_profile_follows_accepted_links(client: httpx.Client, dblp: EngineServer) -> None:
    response = client.get("/queries/external-profile", params={"author": "Kurt Keutzer", "endpoint": dblp.query_url})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [
        {
            "external": "https://dblp.org/pid/k/KurtKeutzer",
            "orcid": "https://orcid.org/0000-0003-3868-8501",
            "primaryAffiliation": "University of California, Berkeley, USA",
            "affiliations": "Synopsys, Mountain View, CA, USA | University of California, Berkeley, USA",
            "papers": 4,
        }
    ]
    # the endpoint holds 5 persons, more than the row cap (3): only the linked IRI was asked about, nothing cut
    assert response.headers["x-result-truncated"] == "false"
    homonym = client.get("/queries/external-profile", params={"author": SEHOON_0001, "endpoint": dblp.query_url})
    assert homonym.headers["x-result-truncated"] == "false"
    assert homonym.json()["rows"] == [
        {
            "external": "https://dblp.org/pid/270/0561-1",
            "orcid": None,
            "primaryAffiliation": "University of California, Berkeley, USA",
            "affiliations": None,
            "papers": 3,
        }
    ]


def test_external_profile_without_links_or_with_a_failing_endpoint(
    client: httpx.Client, dblp: EngineServer, stub: str
) -> None:
    unlinked = client.get("/queries/external-profile", params={"author": "Tianlong Chen", "endpoint": dblp.query_url})
    assert unlinked.status_code == 200
    assert unlinked.json()["rows"] == []
    failing = client.get("/queries/external-profile", params={"author": "Kurt Keutzer", "endpoint": stub + "/fail"})
    assert failing.status_code == 502
    assert failing.json()["error"]["endpoint"] == stub + "/fail"
    bad = client.get("/queries/external-profile", params={"author": "Kurt Keutzer", "endpoint": "not a url"})
    assert bad.status_code == 422
    assert bad.json()["error"]["parameter"] == "endpoint"


def test_external_profile_sends_only_the_linked_iris(tmp_path: Path, dblp: EngineServer) -> None:
    """The SERVICE group the endpoint receives names the author's linked dblp IRIs (a VALUES block), not a
    pattern over every person: checked on the text a recording listener receives."""
    received: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            received.append(parse_qs(body).get("query", [body])[0])
            forwarded = httpx.post(
                dblp.query_url, data={"query": received[-1]}, headers={"Accept": RESULTS}, timeout=30
            )
            self.send_response(forwarded.status_code)
            self.send_header("Content-Type", RESULTS)
            self.send_header("Content-Length", str(len(forwarded.content)))
            self.end_headers()
            self.wfile.write(forwarded.content)

        def log_message(self, *args: object) -> None:
            pass

    recorder = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    recorder.daemon_threads = True
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{recorder.server_address[1]}/sparql"
    env = {"SCHOLARKG_SERVICE_ALLOWLIST": json.dumps([allow(url)]), "SCHOLARKG_SERVICE_MAX_ROWS": "3"}
    live = start_server(tmp_path / "store", token=UPDATE_TOKEN, env=env)
    try:
        with live.client() as client:
            dblp_iri = "<https://dblp.org/pid/k/KurtKeutzer>"
            linked = f"INSERT DATA {{ <{KEUTZER}> <http://www.w3.org/2002/07/owl#sameAs> {dblp_iri} }}"
            assert (
                client.post(
                    "/sparql", content=linked, headers={"Content-Type": "application/sparql-update", **live.auth()}
                ).status_code
                == 204
            )
            response = client.get("/queries/external-profile", params={"author": KEUTZER, "endpoint": url})
            assert response.status_code == 200, response.text
            assert [row["papers"] for row in response.json()["rows"]] == [4]
            assert response.headers["x-result-truncated"] == "false"
    finally:
        stop_server(live)
        recorder.shutdown()
        recorder.server_close()
    assert len(received) == 1
    assert "<https://dblp.org/pid/k/KurtKeutzer>" in received[0]
    assert "VALUES" in received[0].upper()


def test_fill_service_values() -> None:
    text = 'SELECT * { SERVICE <http://e/> { VALUES ?x { } ?x ?p "VALUES ?x { }" } } # VALUES ?x { }'
    filled = fill_service_values(text, "x", [NamedNode("https://dblp.org/pid/a"), NamedNode("https://d/b")])
    assert filled == (
        "SELECT * { SERVICE <http://e/> { VALUES ?x { <https://dblp.org/pid/a> <https://d/b> } "
        '?x ?p "VALUES ?x { }" } } # VALUES ?x { }'
    )
    assert fill_service_values(text, "y", [NamedNode("http://a/")]) == text
    assert fill_service_values("SELECT * { VALUES ?x { <http://k/> } }", "x", [NamedNode("http://a/")]) == (
        "SELECT * { VALUES ?x { <http://k/> } }"
    )


# -- SERVICE inside updates (token holders): the same gateway limits --------------------------------------------
def update(client: httpx.Client, server: LiveServer, text: str) -> httpx.Response:
    return client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-update", **server.auth()})


def count_in(client: httpx.Client, graph: str) -> int:
    found = rows(select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    return int(found[0]["n"])


def test_update_with_service_goes_through_the_gateway(
    client: httpx.Client, server: LiveServer, dblp: EngineServer
) -> None:
    graph = "https://example.org/graph/update-service-ok"
    text = f"""PREFIX dblp: <https://dblp.org/rdf/schema#>
INSERT {{ GRAPH <{graph}> {{ ?p dblp:orcid ?o }} }}
WHERE {{ SERVICE <{dblp.query_url}> {{ ?p dblp:orcid ?o }} }}"""
    response = update(client, server, text)
    assert response.status_code == 204, response.text
    assert count_in(client, graph) == 2  # Kurt Keutzer and Sehoon Kim 0002 have an ORCID


def test_an_update_asks_each_service_once_though_it_runs_twice(
    client: httpx.Client, server: LiveServer, counter: Counter
) -> None:
    """The update is rehearsed on a copy, then run on the live store: the second run gets the first run's answers
    from the gateway (the endpoint sees each query once) and writes what the rehearsal saw."""
    graph = "https://example.org/graph/update-service-once"
    text = f"""PREFIX dblp: <https://dblp.org/rdf/schema#>
INSERT {{ GRAPH <{graph}> {{ ?p dblp:orcid ?o }} }}
WHERE {{ SERVICE <{counter.url}> {{ ?p dblp:orcid ?o }} }}"""
    counter.received.clear()
    response = update(client, server, text)
    assert response.status_code == 204, response.text
    assert count_in(client, graph) == 2
    assert len(counter.received) == 1, counter.received
    # a query is only ever asked once per update: two SERVICE groups are two calls, each made once
    counter.received.clear()
    twice = f"""PREFIX dblp: <https://dblp.org/rdf/schema#>
INSERT {{ GRAPH <{graph}> {{ ?p dblp:orcid ?x }} }}
WHERE {{ SERVICE <{counter.url}> {{ ?p dblp:orcid ?o }} SERVICE <{counter.url}> {{ ?p dblp:orcid ?x }} }}"""
    assert update(client, server, twice).status_code == 204
    assert len(counter.received) == 2, counter.received
    # a query (not an update) is run once: nothing to replay, and every query asks again
    counter.received.clear()
    query = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{counter.url}> {{ ?p <https://dblp.org/rdf/schema#orcid> ?o }} }}"
    )
    assert rows(select(client, query)) == rows(select(client, query)) == [{"n": "2"}]
    assert len(counter.received) == 2


def test_update_with_more_service_rows_than_the_cap_writes_nothing(
    client: httpx.Client, server: LiveServer, dblp: EngineServer
) -> None:
    graph = "https://example.org/graph/update-service-cut"
    text = f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{dblp.query_url}> {{ ?s ?p ?o }} }}"
    response = update(client, server, text)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["endpoint"] == dblp.query_url
    assert "more than 3 rows" in error["message"]
    assert count_in(client, graph) == 0  # an update never writes a cut result


@pytest.mark.parametrize(("path", "reason"), [("/fail", "HTTP 500"), ("/slow", "no answer within 2 s")])
def test_update_remote_failure_is_a_502_naming_the_endpoint_not_its_body(
    client: httpx.Client, server: LiveServer, stub: str, path: str, reason: str
) -> None:
    endpoint = stub + path
    graph = "https://example.org/graph/update-service-fail"
    text = f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    response = update(client, server, text)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "service-failed"
    assert error["endpoint"] == endpoint
    assert error["message"] == f"the SPARQL endpoint {endpoint} failed: {reason}"
    assert SECRET not in response.text
    assert count_in(client, graph) == 0


@pytest.mark.skipif(not URL_ENTRIES, reason="needs endpoint-URL allow-list entries (queries/allowlist.py)")
def test_update_service_to_a_port_not_allowed_is_refused_before_any_request(
    client: httpx.Client, server: LiveServer
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        text = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/query> {{ ?s ?p ?o }} }}"
        response = update(client, server, text)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "service-not-allowed"
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever connected


# -- binding SERVICE variables ----------------------------------------------------------------------------------
def test_bind_service_variables() -> None:
    text = 'SELECT * WHERE { SERVICE SILENT ?e { ?s ?p "SERVICE ?e" } SERVICE ?other { } } # SERVICE ?e'
    bound = bind_service_variables(text, {"e": NamedNode("http://127.0.0.1:1/q"), "other": NamedNode("x:y")})
    expected = text.replace("SILENT ?e", "SILENT <http://127.0.0.1:1/q>").replace("?other", "<x:y>")
    assert bound == expected
    assert bind_service_variables("SELECT * { SERVICE ?e { } }", {"f": NamedNode("http://a/")}) == (
        "SELECT * { SERVICE ?e { } }"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("SERVICE ?e{}<>\"'#\n silentx")), max_size=60))
def test_binding_only_replaces_service_variables(text: str) -> None:
    iri = NamedNode("http://127.0.0.1:9/sparql")
    bound = bind_service_variables(text, {"e": iri})
    assert bound.replace(str(iri), "?e") == text or (str(iri) not in bound and bound == text)


def test_replayed_calls_answer_a_repeated_query_from_memory_within_a_byte_budget(counter: Counter) -> None:
    gateway = ServiceGateway([allow(counter.url)], timeout=10, max_rows=100, max_bytes=2_000)
    try:
        routed = gateway.route(f"SELECT * {{ SERVICE <{counter.url}> {{ ?s ?p ?o }} }}", strict=True, replay=True)
        call = routed.text.split("<", 2)[1].split(">")[0]
        orcids = "SELECT * { ?p <https://dblp.org/rdf/schema#orcid> ?o }"
        counter.received.clear()
        first = httpx.post(call, data={"query": orcids}, timeout=30)
        again = httpx.post(call, data={"query": orcids}, timeout=30)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content and len(first.json()["results"]["bindings"]) == 2
        assert counter.received == [orcids]  # asked once
        # past the byte budget of one call site the call fails (rather than ask the endpoint again later)
        bigger = "SELECT * { ?s ?p ?o } LIMIT 50"
        assert httpx.post(call, data={"query": bigger}, timeout=30).status_code == 502
        assert httpx.post(call, data={"query": bigger}, timeout=30).status_code == 502
        assert counter.received == [orcids, bigger]
        failed, _ = gateway.outcome(routed)
        assert failed is not None and "larger than 2000 bytes" in (failed.failure or "")
        gateway.release(routed)
        assert httpx.post(call, data={"query": orcids}, timeout=30).status_code == 404  # forgotten with the session
        # a query's calls (no replay) ask every time
        plain = gateway.route(f"SELECT * {{ SERVICE <{counter.url}> {{ ?s ?p ?o }} }}")
        call = plain.text.split("<", 2)[1].split(">")[0]
        for _ in range(2):
            assert httpx.post(call, data={"query": orcids}, timeout=30).status_code == 200
        assert counter.received == [orcids, bigger, orcids, orcids]
    finally:
        gateway.close()
