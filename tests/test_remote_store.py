"""The store backend suite, run against the embedded store, Oxigraph server and Virtuoso (loader/remote.py,
queries/remote_execute.py), plus each engine difference the remote backend handles explicitly."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, Triple, Variable, parse

from scholarkg.linking.local import read_local
from scholarkg.linking.model import Evidence, Link, LinkSource, links_graph
from scholarkg.linking.store import read_links, write_links
from scholarkg.loader.backend import StoreBackend, open_backend
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_bytes, load_files, remove_source
from scholarkg.loader.remote import RemoteStore, RemoteStoreError, RemoteUpdateError
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT, QueryRequest
from scholarkg.queries.remote_execute import _bound_text, run_remote_query, where_brace
from scholarkg.queries.workers import QueryTimeoutError
from scripts.engines import EngineServer, free_port
from tests.engines import VIRTUOSO_MAX_ROWS, canned_rows
from tests.server_fixtures import start_server, stop_server
from tests.test_canned_queries import SAMPLE_PARAMS

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "seeds").glob("*.txt"))
AS_OF = dt.date(2026, 11, 23)
IRIS = Iris(DEFAULT_BASE)
BACKENDS = ("embedded", "oxigraph", "virtuoso")
PAGE_000 = IRIS.source("000_e49c997fbe9f6f5b.txt")
SKG = "https://w3id.org/scholarkg/ontology#"


def remote_settings(server: EngineServer, **overrides: object) -> Settings:
    fields: dict[str, object] = {
        "store": server.store,
        "remote_update_url": server.update_url,
        "remote_store_url": server.store_url,
        "remote_auth": server.auth,
        "remote_user": server.user or None,
        "remote_password": server.password or None,
        "query_timeout": 30,
    }
    fields.update(overrides)
    return Settings(**fields)  # type: ignore[arg-type]


def _load_seeds(store: StoreBackend) -> None:
    results = list(load_files(store, SEEDS, as_of=AS_OF, iris=IRIS))
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    store = GraphStore.open(tmp_path_factory.mktemp("embedded") / "store")
    _load_seeds(store)
    return store


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, embedded: GraphStore) -> Iterator[tuple[str, StoreBackend, Settings]]:
    """(name, store with the seeds loaded, settings) for each backend."""
    name = request.param
    if name == "embedded":
        yield name, embedded, Settings(store=Path("/nonexistent-embedded"), query_timeout=30)
        return
    server: EngineServer = request.getfixturevalue(f"{name}_server")
    settings = remote_settings(server)
    store = RemoteStore.open(settings)
    _load_seeds(store)
    yield name, store, settings
    store.close()


@pytest.fixture(scope="module")
def embedded_engine(embedded: GraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    settings = Settings(store=tmp_path_factory.mktemp("embedded-engine") / "store", query_timeout=30)
    engine = Engine(settings, embedded, workers=1)
    yield engine
    engine.close()


def _canonical(quads: Iterable[Quad | Triple]) -> set[Quad]:
    """Quads as a store holds them (pyoxigraph writes literals canonically; engines may too — compare values)."""
    store = Store()
    store.extend(q if isinstance(q, Quad) else Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in quads)
    return set(store)


# -- the same suite on every backend ------------------------------------------------------------------------
def test_seeds_give_the_same_canned_query_results(
    backend: tuple[str, StoreBackend, Settings], embedded_engine: Engine
) -> None:
    name, store, settings = backend
    engine = Engine(settings, store, workers=1) if name != "embedded" else embedded_engine
    got = canned_rows(engine, SAMPLE_PARAMS)
    expected = canned_rows(embedded_engine, SAMPLE_PARAMS)
    assert got == expected
    assert sum(len(rows) for rows in got.values()) > 50  # the comparison is not between empty results
    assert store.stats() == embedded_engine.store.stats()


def test_reload_replaces_exactly_one_page(backend: tuple[str, StoreBackend, Settings]) -> None:
    name, store, _ = backend
    if name == "embedded":
        store = GraphStore.in_memory()  # the shared embedded store stays the reference; reload in a copy
        _load_seeds(store)
    graphs = [NamedNode(s.graph) for s in store.sources()]
    before = {g.value: set(store.graph_triples(g)) for g in graphs}
    text = SEEDS[0].read_text(encoding="utf-8")
    cut_lines = text.splitlines()[: len(text.splitlines()) // 2]  # the first three entries
    assert cut_lines[9] == "7 Papers"
    cut_lines[9] = "3 Papers"  # a count line that disagrees with the entries is refused (loader/record_checks.py)
    cut = "\n".join(cut_lines) + "\n"
    result = load_bytes(store, SEEDS[0].name, cut.encode(), as_of=AS_OF, iris=IRIS)
    try:
        assert result.ok, result.error
        after = {g.value: set(store.graph_triples(g)) for g in graphs}
        changed = [g for g in before if before[g] != after[g]]
        assert changed == [PAGE_000.value]
        assert 0 < len(after[PAGE_000.value]) < len(before[PAGE_000.value])
        assert len(store.sources()) == 5
    finally:
        restored = load_bytes(store, SEEDS[0].name, text.encode(), as_of=AS_OF, iris=IRIS)
        assert restored.ok
    assert set(store.graph_triples(PAGE_000)) == before[PAGE_000.value]


def test_export_round_trips_to_an_isomorphic_dataset(
    backend: tuple[str, StoreBackend, Settings], embedded: GraphStore
) -> None:
    _, store, _ = backend
    out = io.BytesIO()
    store.export(out, RdfFormat.N_QUADS)
    exported = list(parse(out.getvalue(), format=RdfFormat.N_QUADS))
    assert len(exported) == embedded.quad_count() == store.quad_count()
    assert _canonical(exported) == _canonical(embedded.quads())
    one = io.BytesIO()
    store.export(one, RdfFormat.N_TRIPLES, PAGE_000)
    assert _canonical(parse(one.getvalue(), format=RdfFormat.N_TRIPLES)) == _canonical(
        t for t in embedded.graph_triples(PAGE_000)
    )


def test_caps_and_errors_match_the_embedded_store(
    backend: tuple[str, StoreBackend, Settings], embedded_engine: Engine
) -> None:
    name, store, settings = backend
    engine = Engine(settings, store, workers=1) if name != "embedded" else embedded_engine
    capped = engine.query(engine.request("SELECT ?p WHERE { ?p a schema:ScholarlyArticle }", max_rows=7))
    assert capped.truncated and capped.rows == 7
    assert len(json.loads(capped.body)["results"]["bindings"]) == 7
    ask = engine.query(engine.request("ASK { ?p a schema:ScholarlyArticle }"))
    assert json.loads(ask.body) == {"head": {}, "boolean": True}
    no = engine.query(engine.request("ASK { ?p a schema:NoSuchClass }"))
    assert json.loads(no.body)["boolean"] is False
    graph = engine.query(
        engine.request(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {PAGE_000} {{ ?s ?p ?o }} }}", graph_format="ntriples", max_rows=5
        )
    )
    assert graph.kind == "graph" and graph.truncated and graph.rows == 5
    from scholarkg.queries.execute import QuerySyntaxError

    with pytest.raises(QuerySyntaxError):
        engine.query(engine.request("SELECT * WHERE { ?s ?p "))


# -- engine differences, each handled explicitly ------------------------------------------------------------
def _raw_count(server: EngineServer, query: str, **params: str) -> int:
    response = httpx.post(
        server.query_url,
        data={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


PAPERS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <http://schema.org/ScholarlyArticle> }"


def test_oxigraph_server_default_graph_holds_the_view(
    backend: tuple[str, StoreBackend, Settings], oxigraph_server: EngineServer
) -> None:
    name, store, _ = backend
    if name != "oxigraph":
        pytest.skip("Oxigraph server only")
    # Its default graph is separate from the named graphs: ScholarKG keeps the deduplicated view there, as in
    # the embedded store (a person named by two pages has one name triple in it, two in the union).
    names = "SELECT (COUNT(*) AS ?n) WHERE { ?p <http://schema.org/name> ?name }"
    union = {"union-default-graph": ""}
    assert store.count(PAPERS) == _raw_count(oxigraph_server, PAPERS) == 177
    assert _raw_count(oxigraph_server, names) < _raw_count(oxigraph_server, names, **union)


def test_virtuoso_union_default_graph_with_system_triples_is_scoped(
    backend: tuple[str, StoreBackend, Settings], virtuoso_server: EngineServer, embedded: GraphStore
) -> None:
    name, store, _ = backend
    if name != "virtuoso":
        pytest.skip("Virtuoso only")
    everything = _raw_count(virtuoso_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert everything >= embedded.quad_count() + 2000  # its system graphs are in the union
    assert store.quad_count() == embedded.quad_count()
    assert store.graph_count() == embedded.graph_count()


def test_virtuoso_refuses_insert_data_without_graph_with_a_clear_error(
    backend: tuple[str, StoreBackend, Settings],
) -> None:
    name, store, _ = backend
    if name != "virtuoso":
        pytest.skip("Virtuoso only")
    assert isinstance(store, RemoteStore)
    with pytest.raises(RemoteUpdateError, match=r"SP031.*GRAPH <iri>"):
        store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    probe = "http://example.org/sp031"
    store.update(f"INSERT DATA {{ GRAPH <{probe}> {{ <{probe}> <{probe}> <{probe}> }} }}")  # with GRAPH: fine
    store.update(f"DROP SILENT GRAPH <{probe}>")


def test_virtuoso_result_set_max_rows_is_reported_as_a_cut(
    backend: tuple[str, StoreBackend, Settings], embedded: GraphStore
) -> None:
    name, store, settings = backend
    if name != "virtuoso":
        pytest.skip("Virtuoso only")
    engine = Engine(settings, store, workers=1)
    result = engine.query(engine.request("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", max_rows=5000))
    assert result.truncated  # the engine stopped at ResultSetMaxRows: never passed off as complete
    assert result.rows < VIRTUOSO_MAX_ROWS
    assert json.loads(result.body)["results"]["bindings"]
    big = max(store.sources(), key=lambda s: s.triples)
    assert big.triples > VIRTUOSO_MAX_ROWS  # reading a graph larger than the cut pages through it
    assert len(store.graph_triples(NamedNode(big.graph))) == big.triples
    # internal whole-dataset reads (linking, validation) page through the cut instead of failing
    every = store.select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id')) }")
    assert len(every) == store.quad_count() > VIRTUOSO_MAX_ROWS
    local = read_local(store)
    reference = read_local(embedded)
    assert len(local.persons) == len(reference.persons) > 300
    assert {p: sorted(x.papers) for p, x in local.persons.items()} == {
        p: sorted(x.papers) for p, x in reference.persons.items()
    }


@pytest.mark.parametrize(
    ("status", "headers"),
    [(206, {}), (200, {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"})],
)
def test_partial_results_are_a_timeout(status: int, headers: dict[str, str]) -> None:
    """Virtuoso's anytime answer (206, or 200 with X-SQL-State S1TAT) is never passed off as complete."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/1"}}]}}'
        return httpx.Response(status, content=body, headers={"Server": "Virtuoso/07.20.3229 (Linux)", **headers})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    settings = Settings(store="sparql+http://127.0.0.1:9/sparql", query_timeout=2)
    store = RemoteStore(settings, client=client)
    store.engine = "virtuoso"
    with pytest.raises(QueryTimeoutError), store.client:
        run_remote_query(store, QueryRequest(text="SELECT * WHERE { ?s ?p ?o }"), 2)


# -- startup checks, settings, CLI and /healthz ---------------------------------------------------------------
def test_startup_check_names_the_problem(virtuoso_server: EngineServer, oxigraph_server: EngineServer) -> None:
    dead = Settings(store=f"sparql+http://127.0.0.1:{free_port()}/sparql")
    with pytest.raises(RemoteStoreError, match="unreachable"):
        RemoteStore.open(dead)
    wrong = remote_settings(virtuoso_server, remote_password="not-the-password")
    with pytest.raises(RemoteStoreError, match="refused a write"):
        RemoteStore.open(wrong)
    with pytest.raises(RemoteStoreError, match="SCHOLARKG_REMOTE_TOKEN"):
        RemoteStore.open(remote_settings(oxigraph_server, remote_auth="bearer"))
    bad_path = Settings(store=oxigraph_server.store.replace("/query", "/nope"))
    with pytest.raises(RemoteStoreError, match="cannot answer a query"):
        RemoteStore.open(bad_path)
    read_only = RemoteStore.open(remote_settings(oxigraph_server, remote_store_url=None, remote_update_url=None))
    try:
        with pytest.raises(RemoteStoreError, match="read-only"):
            read_only.remove_graph(PAGE_000)
    finally:
        read_only.close()


def test_settings_contract_env_names(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "SCHOLARKG_STORE": "sparql+https://engine.example.org:8890/sparql",
        "SCHOLARKG_REMOTE_UPDATE_URL": "https://engine.example.org:8890/sparql-auth",
        "SCHOLARKG_REMOTE_STORE_URL": "https://engine.example.org:8890/sparql-graph-crud-auth",
        "SCHOLARKG_REMOTE_AUTH": "digest",
        "SCHOLARKG_REMOTE_USER": "u",
        "SCHOLARKG_REMOTE_PASSWORD": "p",
        "SCHOLARKG_REMOTE_TOKEN": "t",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.remote and settings.store == env["SCHOLARKG_STORE"]
    assert (settings.remote_update_url, settings.remote_store_url) == (
        env["SCHOLARKG_REMOTE_UPDATE_URL"],
        env["SCHOLARKG_REMOTE_STORE_URL"],
    )
    assert (settings.remote_auth, settings.remote_user, settings.remote_password, settings.remote_token) == (
        "digest",
        "u",
        "p",
        "t",
    )
    monkeypatch.setenv("SCHOLARKG_REMOTE_AUTH", "kerberos")
    with pytest.raises(ValueError, match="remote_auth"):
        Settings()
    monkeypatch.setenv("SCHOLARKG_REMOTE_AUTH", "none")
    with pytest.raises(ValueError, match="sparql\\+http://host:port/path"):
        Settings(store="http://engine.example.org/sparql")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
    environment |= {"COLUMNS": "200", "PYTHONPATH": str(REPO)} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_against_an_engine_with_options_and_env(
    backend: tuple[str, StoreBackend, Settings], virtuoso_server: EngineServer
) -> None:
    name, _, _ = backend
    if name != "virtuoso":
        pytest.skip("run once, against Virtuoso (digest credentials as CLI options)")
    stats = _cli(
        "--remote-store-url", virtuoso_server.store_url,
        "--remote-auth", "digest",
        "--remote-user", virtuoso_server.user,
        "--remote-password", virtuoso_server.password,
        "stats", "--store", virtuoso_server.store,
    )  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    assert "│ papers          │ 177" in stats.stdout and "│ sources         │ 5" in stats.stdout
    run = _cli("run", "coauthors", "author=Tianlong Chen", "--store", virtuoso_server.store)
    assert run.returncode == 0 and "Zhenyu Zhang,9" in run.stdout
    wrong = _cli("stats", "--store", virtuoso_server.store, env={
        "SCHOLARKG_REMOTE_STORE_URL": virtuoso_server.store_url,
        "SCHOLARKG_REMOTE_AUTH": "digest",
        "SCHOLARKG_REMOTE_USER": virtuoso_server.user,
        "SCHOLARKG_REMOTE_PASSWORD": "wrong",
    })  # fmt: skip
    assert wrong.returncode == 2 and "refused a write" in wrong.stderr
    plain_http = _cli("stats", "--store", virtuoso_server.query_url)
    assert plain_http.returncode == 2 and "sparql+http://host:port/path" in plain_http.stderr


def test_serve_on_an_engine_and_healthz_reports_it(
    backend: tuple[str, StoreBackend, Settings], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    name, store, _ = backend
    if name == "embedded":
        pytest.skip("the embedded store's /healthz is covered by the API tests")
    server: EngineServer = request.getfixturevalue(f"{name}_server")
    live = start_server(tmp_path / "unused", env=server.env(), seeds=False)
    try:
        with live.client() as client:
            body = client.get("/healthz").json()
            coauthors = client.get("/queries/coauthors", params={"author": "Tianlong Chen"})
            graph = client.get("/store", params={"graph": PAGE_000.value}, headers={"Accept": "application/n-triples"})
            dump = client.get("/export", params={"format": "nquads"})
            authors = client.get("/authors", params={"limit": 1}).json()
            chens = client.get("/authors", params={"limit": 1, "q": "chen"}).json()
            sparql = client.get(
                "/sparql",
                params={"query": "ASK { ?p a schema:ScholarlyArticle }"},
                headers={"Accept": "application/sparql-results+json"},
            )
    finally:
        stop_server(live)
    assert body["status"] == "ok" and body["sources"] == 5
    assert body["store"]["backend"] == "remote" and body["store"]["engine"] == name
    assert body["store"]["reachable"] is True and "query_workers" not in body
    assert coauthors.status_code == 200, coauthors.text
    assert coauthors.json()["rows"][0]["name"] == "Zhenyu Zhang"
    assert sparql.json()["boolean"] is True
    # search: the full-text index (names with a word starting "chen"), as on the embedded store
    assert authors["total"] == 342 and chens["total"] == 14
    page_triples = list(parse(graph.content, format=RdfFormat.N_TRIPLES))
    assert graph.status_code == 200 and len(page_triples) == len(store.graph_triples(PAGE_000)) > 100
    assert dump.status_code == 200 and len(list(parse(dump.content, format=RdfFormat.N_QUADS))) == store.quad_count()


@pytest.mark.parametrize("engine", ["virtuoso", "oxigraph"])
@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_parameters_are_bound_inside_the_where_group_whatever_the_strings(engine: str, text: str) -> None:
    """Virtuoso (VALUES): a `{` or WHERE inside a string, IRI or comment is never taken for the WHERE group.
    Oxigraph server (terms written in, as on the embedded store). Either way the bound query parses and gives
    what pyoxigraph's substitutions give."""
    literal = Literal(text)
    query = (
        f"# WHERE {{ in a comment\nSELECT ?x ?key WHERE {{ BIND({literal} AS ?x) "
        f"FILTER(?key = {literal} || STRLEN(?x) >= 0) }}"
    )
    bound = _bound_text(QueryRequest(text=query, bindings={"key": Literal(text)}), engine)
    assert ("VALUES (?key)" in bound) == (engine == "virtuoso")
    store = Store()
    rows = list(store.query(bound))  # type: ignore[arg-type]
    expected = list(store.query(query, substitutions={Variable("key"): Literal(text)}))  # type: ignore[arg-type]
    assert [(r["x"], r["key"]) for r in rows] == [(r["x"], r["key"]) for r in expected] == [(literal, literal)]
    assert where_brace(query) == query.index("WHERE {", query.index("\n")) + len("WHERE {")


def test_linking_writes_and_reads_the_links_graph(backend: tuple[str, StoreBackend, Settings]) -> None:
    _, store, _ = backend
    link = Link(
        subject=f"{DEFAULT_BASE}id/person/remote-test",
        object="https://orcid.org/0000-0002-1825-0097",
        kind="person",
        method="import",
        score=1.0,
        status="accepted",
        evidence=(Evidence("identifier", "ORCID 0000-0002-1825-0097"),),
        sources=(LinkSource(f"{DEFAULT_BASE}id/linksource/ab", "m.csv", "ab" * 32),),
    )
    write_links(store, DEFAULT_BASE, {"k1": link})
    try:
        read = read_links(store, DEFAULT_BASE)
        assert [(v.subject, v.object, v.status) for v in read.values()] == [(link.subject, link.object, "accepted")]
        assert store.contains_graph(links_graph(DEFAULT_BASE))
    finally:
        write_links(store, DEFAULT_BASE, {})  # no links: the graph goes away
    assert not store.contains_graph(links_graph(DEFAULT_BASE))
    assert read_links(store, DEFAULT_BASE) == {}


def test_the_text_index_follows_engine_updates(
    backend: tuple[str, StoreBackend, Settings], embedded_engine: Engine
) -> None:
    name, store, settings = backend
    engine = Engine(settings, store, workers=1) if name != "embedded" else embedded_engine
    person = NamedNode(f"{DEFAULT_BASE}id/person/wilhelmina-frostbeard")

    def within(triples: str) -> str:
        """Virtuoso's default graph is the union of every graph (and it refuses INSERT DATA without GRAPH)."""
        return f"GRAPH <{DEFAULT_BASE}id/graph/text-follows> {{ {triples} }}" if name == "virtuoso" else triples

    prefix = "PREFIX schema: <http://schema.org/>\n"
    stated = f'{person} a schema:Person ; schema:name "Wilhelmina Frostbeard"'
    try:
        assert store.text.search("person", "Frostbeard", 5) == []
        index = store.text
        engine.update(f"{prefix}INSERT DATA {{ {within(stated)} }}")
        assert store.text.search("person", "frostb", 5) == [person.value]
        if name != "virtuoso":  # the rows of the named subject were rewritten in place, not the whole index rebuilt
            assert store.text is index
        old, new = '?p schema:name ?n FILTER(?n = "Wilhelmina Frostbeard")', '?p schema:name "Wilhelmina Oakes"'
        engine.update(  # a variable subject: any row may change
            f"{prefix}DELETE {{ {within('?p schema:name ?n')} }} INSERT {{ {within(new)} }} WHERE {{ {within(old)} }}"
        )
        assert store.text.search("person", "Frostbeard", 5) == []
        assert store.text.search("person", "wilhelmina oak", 5) == [person.value]
        engine.update(f"{prefix}DELETE DATA {{ {within(stated.replace('Frostbeard', 'Oakes'))} }}")
        assert store.text.search("person", "Wilhelmina", 5) == []
    finally:
        if engine is not embedded_engine:
            engine.close()


def _edges_and_pairs(store: StoreBackend) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    index = f"<{DEFAULT_BASE}id/graph/coauthors>"
    edges = store.select(f"SELECT ?x ?y WHERE {{ GRAPH {index} {{ ?x skg:coauthor ?y }} }}")
    pairs = store.select(f"SELECT ?x ?y WHERE {{ GRAPH {index} {{ ?r skg:pairAuthor ?x ; skg:pairCoauthor ?y }} }}")
    return (
        {(str(r["x"]), str(r["y"])) for r in edges},
        {(str(r["x"]), str(r["y"])) for r in pairs},
    )


def test_an_index_without_its_coauthor_edges_is_rebuilt_before_a_remove(
    backend: tuple[str, StoreBackend, Settings],
) -> None:
    """An index from before the `skg:coauthor` edges: removing one page must not give edges to that page's
    persons only (the queries over the edges would then be silently incomplete)."""
    name, store, _ = backend
    if name == "embedded":
        store = GraphStore.in_memory()
        _load_seeds(store)
    edges, pairs = _edges_and_pairs(store)
    assert edges == pairs and len(edges) > 1000
    drop = f"DELETE WHERE {{ GRAPH <{DEFAULT_BASE}id/graph/coauthors> {{ ?x <{SKG}coauthor> ?y }} }}"
    store.store.update(drop) if isinstance(store, GraphStore) else store.update(drop)
    assert _edges_and_pairs(store)[0] == set()
    remove_source(store, PAGE_000, IRIS)
    try:
        edges, pairs = _edges_and_pairs(store)
        assert edges == pairs and len(edges) > 1000
    finally:
        assert load_bytes(store, SEEDS[0].name, SEEDS[0].read_bytes(), as_of=AS_OF, iris=IRIS).ok
    edges, pairs = _edges_and_pairs(store)
    assert edges == pairs


def test_a_person_page_shows_no_index_rows(
    backend: tuple[str, StoreBackend, Settings], embedded_engine: Engine
) -> None:
    """On Virtuoso the default graph is the union of all graphs, the co-author index included: the entity
    queries leave the index out, so a person's facts are the same on every backend."""
    from scholarkg.api.entities import FACTS, INCOMING

    name, store, settings = backend
    kurt = IRIS.person("Kurt Keutzer")
    engine = embedded_engine if name == "embedded" else Engine(settings, store, workers=1)
    try:
        for text in (FACTS, INCOMING):
            request = engine.request(text, solution_format=ROWS_FORMAT, bindings={"s": kurt})
            rows = json.loads(engine.query(request).body)["rows"]
            assert rows, text
            assert not [r for r in rows if str(r["p"]).startswith("https://w3id.org/scholarkg/ontology#pair")]
            assert not [r for r in rows if r["p"] == "https://w3id.org/scholarkg/ontology#coauthor"]
    finally:
        if engine is not embedded_engine:
            engine.close()


def test_opening_an_engine_for_writing_brings_an_index_without_edges_up_to_date(
    backend: tuple[str, StoreBackend, Settings],
) -> None:
    """What `GraphStore.open` does for the embedded store, `open_backend` does for an engine (`scholarkg serve`)."""
    name, store, settings = backend
    if name == "embedded":
        pytest.skip("the embedded store: tests/test_coauthors.py")
    assert isinstance(store, RemoteStore)
    store.update(f"DELETE WHERE {{ GRAPH <{DEFAULT_BASE}id/graph/coauthors> {{ ?x <{SKG}coauthor> ?y }} }}")
    assert _edges_and_pairs(store)[0] == set()
    reopened = open_backend(settings)
    try:
        edges, pairs = _edges_and_pairs(reopened)
        assert edges == pairs and len(edges) > 1000
    finally:
        reopened.close()
