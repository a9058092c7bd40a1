"""/export, /sources, /.well-known/void and /healthz against a live server."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse

from scholarkg.api.export import _CHUNK, stream_export
from scholarkg.api.sources import SourceModel
from scholarkg.loader.store import GraphStore, SourceInfo
from tests.server_fixtures import ROOT, UPDATE_TOKEN, LiveServer, start_server, stop_server

SEEDS = ROOT / "seeds"
BASE = "https://w3id.org/scholarkg/"
PROFILE = "000_e49c997fbe9f6f5b"


def _quads(body: bytes, fmt: RdfFormat) -> set[Quad]:
    return set(parse(body, fmt))  # type: ignore[arg-type]


def test_export_nquads_is_the_whole_dataset(live_server: LiveServer) -> None:
    with live_server.client() as client:
        response = client.get("/export", params={"format": "nquads"})
        count = client.get(
            "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "text/csv"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-quads")
    assert response.headers["content-disposition"] == 'attachment; filename="scholarkg.nq"'
    quads = _quads(response.content, RdfFormat.N_QUADS)
    assert len(quads) == int(count.text.split()[1])
    graphs = {q.graph_name.value for q in quads}
    assert f"{BASE}id/source/{PROFILE}" in graphs and f"{BASE}id/graph/coauthors" in graphs
    assert len(graphs) == 8  # 5 pages + ontology + taxonomy + co-author index (the default graph is derived)


def test_export_one_graph_as_turtle_round_trips(live_server: LiveServer) -> None:
    graph = f"{BASE}id/source/{PROFILE}"
    with live_server.client() as client:
        turtle = client.get("/export", params={"format": "turtle", "graph": graph})
        nquads = client.get("/export", params={"format": "nquads", "graph": graph})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    assert b"@prefix schema: <http://schema.org/>" in turtle.content
    assert turtle.headers["content-disposition"] == f'attachment; filename="{PROFILE}.ttl"'
    triples = {(t.subject, t.predicate, t.object) for t in parse(turtle.content, RdfFormat.TURTLE)}
    from_quads = {(q.subject, q.predicate, q.object) for q in _quads(nquads.content, RdfFormat.N_QUADS)}
    assert triples == from_quads and len(triples) == 299


def test_export_jsonld_parses(live_server: LiveServer) -> None:
    with live_server.client() as client:
        response = client.get("/export", params={"format": "jsonld", "graph": f"{BASE}id/source/{PROFILE}"})
    assert response.headers["content-type"].startswith("application/ld+json")
    store = Store()
    store.load(response.content, RdfFormat.JSON_LD)
    assert len(store) == 299


def test_export_rdfxml_like_the_cli(live_server: LiveServer) -> None:
    graph = f"{BASE}id/source/{PROFILE}"
    with live_server.client() as client:
        response = client.get("/export", params={"format": "rdfxml", "graph": graph})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/rdf+xml")
    assert response.headers["content-disposition"] == f'attachment; filename="{PROFILE}.rdf"'
    assert len(list(parse(response.content, RdfFormat.RDF_XML))) == 299


def test_graph_store_serves_json_ld(live_server: LiveServer) -> None:
    graph = f"{BASE}id/source/{PROFILE}"
    with live_server.client() as client:
        response = client.get("/store", params={"graph": graph}, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["vary"] == "Accept"
    store = Store()
    store.load(response.content, RdfFormat.JSON_LD)
    assert len(store) == 299


def test_void_triples_counts_distinct_triples(live_server: LiveServer) -> None:
    def count(query: str) -> int:
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        return int(response.text.split()[1])

    with live_server.client() as client:
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        quads = count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        distinct = count("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    dataset = f"{BASE}id/dataset/scholarkg"
    (stated,) = [
        int(t.object.value)
        for t in parse(void.content, RdfFormat.TURTLE)
        if t.subject.value == dataset and t.predicate.value == "http://rdfs.org/ns/void#triples"
    ]
    # 3 triples of the seed pages are stated by two graphs each (9,726 quads, 9,723 triples before the links
    # ontology terms); totals grow with the ontology, the 3 repeats do not.
    assert stated == distinct == quads - 3


def test_export_bad_requests(live_server: LiveServer) -> None:
    with live_server.client() as client:
        bad_format = client.get("/export", params={"format": "csv"})
        missing = client.get("/export", params={"graph": "http://example.org/nope"})
    assert bad_format.status_code == 422 and bad_format.json()["error"]["parameter"] == "format"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not-found"


def test_void_and_health(live_server: LiveServer) -> None:
    with live_server.client() as client:
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        health = client.get("/healthz")
    assert void.status_code == 200
    triples = list(parse(void.content, RdfFormat.TURTLE))
    subsets = [t for t in triples if t.predicate.value == "http://rdfs.org/ns/void#subset"]
    assert len(subsets) == 5
    assert health.json()["status"] == "ok" and health.json()["sources"] == 5


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("uploads") / "store", token=UPDATE_TOKEN, seeds=False)
    yield server
    stop_server(server)


def test_source_model_has_the_fields_of_source_info() -> None:
    """`/sources` builds SourceModel from SourceInfo by attribute: the two must name the same fields."""
    assert list(SourceModel.model_fields) == [field.name for field in dataclasses.fields(SourceInfo)]


def test_sources_upload_needs_token_and_loads(upload_server: LiveServer) -> None:
    page = (SEEDS / f"{PROFILE}.txt").read_bytes()
    params = {"name": f"{PROFILE}.txt", "as_of": "2026-11-23"}
    with upload_server.client() as client:
        refused = client.post("/sources", params=params, content=page)
        created = client.post("/sources", params=params, content=page, headers=upload_server.auth())
        listed = client.get("/sources").json()
        papers = client.get(
            "/sparql",
            params={"query": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"},
            headers={"Accept": "text/csv"},
        )
    assert refused.status_code == 401
    assert created.status_code == 201, created.text
    assert created.json() == {
        "graph": f"{BASE}id/source/{PROFILE}",
        "file_name": f"{PROFILE}.txt",
        "page_format": "author-profile",
        "entries": 7,
        "quads": 299,
    }
    assert [s["file_name"] for s in listed] == [f"{PROFILE}.txt"]
    assert papers.text.split() == ["n", "7"], "queries see the upload at once (fresh snapshot)"


def test_bad_page_upload_names_the_line_and_changes_nothing(upload_server: LiveServer) -> None:
    truncated = (SEEDS / f"{PROFILE}.txt").read_text().split("\n")[:13]
    with upload_server.client(headers=upload_server.auth()) as client:
        before = client.get("/export", params={"format": "nquads"}).content
        response = client.post("/sources", params={"name": f"{PROFILE}.txt"}, content="\n".join(truncated).encode())
        after = client.get("/export", params={"format": "nquads"}).content
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "bad-page" and error["source"] == f"{PROFILE}.txt" and isinstance(error["line"], int)
    assert f"{PROFILE}.txt:" in error["message"]
    assert _quads(before, RdfFormat.N_QUADS) == _quads(after, RdfFormat.N_QUADS) != set()


def test_cli_load_through_running_server_and_second_writer_is_refused(upload_server: LiveServer) -> None:
    cli = [sys.executable, "-m", "scholarkg.cli"]
    through = subprocess.run(
        [*cli, "load", str(SEEDS / "001_7237205d067e25d8.txt"), "--server", upload_server.url, "--as-of", "2026-11-23"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"SCHOLARKG_UPDATE_TOKEN": UPDATE_TOKEN, "PATH": ""},
        timeout=60,
    )
    assert through.returncode == 0, through.stderr
    assert "001_7237205d067e25d8.txt" in through.stdout
    direct = subprocess.run(
        [*cli, "load", str(SEEDS), "--store", str(upload_server.store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert direct.returncode != 0
    assert f"store {upload_server.store} is in use by process {upload_server.process.pid}" in direct.stderr
    with httpx.Client(base_url=upload_server.url) as client:
        names = [s["file_name"] for s in client.get("/sources").json()]
    assert "001_7237205d067e25d8.txt" in names


def test_delete_source(upload_server: LiveServer) -> None:
    with upload_server.client(headers=upload_server.auth()) as client:
        client.post(
            "/sources",
            params={"name": "002_59305120740d2a0e.txt"},
            content=(SEEDS / "002_59305120740d2a0e.txt").read_bytes(),
        )
        before = {s["file_name"] for s in client.get("/sources").json()}
        deleted = client.delete("/sources/002_59305120740d2a0e")
        missing = client.delete("/sources/nope")
        after = {s["file_name"] for s in client.get("/sources").json()}
    assert deleted.status_code == 204 and missing.status_code == 404
    assert before - after == {"002_59305120740d2a0e.txt"}


def test_second_server_on_the_same_store_is_refused_cleanly(upload_server: LiveServer) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", "serve", "--store", str(upload_server.store), "--port", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert second.returncode == 2
    assert f"is in use by process {upload_server.process.pid}" in second.stderr
    assert "Traceback" not in second.stderr


def _big_view(triples: int) -> GraphStore:
    store = GraphStore.in_memory()
    name = NamedNode("http://schema.org/name")
    store.store.bulk_extend(
        Quad(NamedNode(f"{BASE}id/paper/p{i:06d}"), name, Literal(f"Paper number {i} on sparse attention"))
        for i in range(triples)
    )
    return store


def _export_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "scholarkg-export"]


def test_stream_export_is_exactly_the_dump_in_bounded_chunks() -> None:
    store = _big_view(20_000)
    expected = store.store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())

    async def collect() -> list[bytes]:
        return [chunk async for chunk in stream_export(store, "ntriples", None)]

    chunks = asyncio.run(collect())
    assert b"".join(chunks) == expected and len(expected) > 4 * _CHUNK
    assert len(chunks) > 4 and all(len(c) < _CHUNK + 64 * 1024 for c in chunks)


def test_stream_export_stops_the_writer_when_the_client_goes_away() -> None:
    store = _big_view(60_000)  # ~6 MB of N-Triples: far more than the queue holds

    async def first_chunk_then_leave() -> int:
        stream = stream_export(store, "ntriples", None)
        first = await anext(stream)  # type: ignore[arg-type]
        await asyncio.sleep(0.2)  # the writer fills the queue and waits
        await stream.aclose()  # type: ignore[attr-defined]
        return len(first)

    assert asyncio.run(first_chunk_then_leave()) >= _CHUNK
    deadline = time.monotonic() + 30
    while _export_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _export_threads() == []
