"""The command line while `scholarkg serve` holds the store: reading commands open it read-only, writing commands
keep their clear "in use" error, and `load --server` takes its token from the environment.

One real server subprocess (seeds loaded, update token set) and real CLI subprocesses on the same store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

REPO = Path(__file__).resolve().parent.parent
KURT = "https://w3id.org/scholarkg/id/person/kurt-keutzer-a44af0d84d"
COUNT_PAPERS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("beside") / "store", token=UPDATE_TOKEN)
    yield live
    stop_server(live)


def cli(*args: str, store: Path | None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
    environment["COLUMNS"] = "200"
    environment.update(env or {})
    extra = ["--store", str(store)] if store is not None else []
    return subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", *args, *extra],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_stats_reads_the_store_the_server_holds(server: LiveServer) -> None:
    done = cli("stats", store=server.store)
    assert done.returncode == 0, done.stderr
    assert "in use" not in done.stderr
    counts = dict(line.split("│")[1:3] for line in done.stdout.splitlines() if line.count("│") == 3)
    assert {k.strip(): v.strip() for k, v in counts.items()}["sources"] == "5"
    assert server.process.poll() is None  # the server is still running and still serving
    with server.client() as client:
        assert client.get("/healthz").json()["sources"] == 5


def test_sources_lists_the_five_seed_pages(server: LiveServer) -> None:
    done = cli("sources", store=server.store)
    assert done.returncode == 0, done.stderr
    assert sum(name in done.stdout for name in ("000_e49c997fbe9f6f5b.txt", "004_4c6bd25234ecab12.txt")) == 2


def test_query_answers_beside_the_server(server: LiveServer) -> None:
    done = cli("query", COUNT_PAPERS, store=server.store)
    assert done.returncode == 0, done.stderr
    with server.client() as client:
        expected = client.get("/sparql", params={"query": COUNT_PAPERS}).json()
    assert json.loads(done.stdout)["results"]["bindings"] == expected["results"]["bindings"]
    # The server's snapshot folder is left alone (a read-only CLI run makes no snapshots of its own).
    assert any(Path(f"{server.store}.snapshots").iterdir())


def test_run_a_canned_query_beside_the_server(server: LiveServer) -> None:
    done = cli("run", "coauthors", "author=Kurt Keutzer", store=server.store)
    assert done.returncode == 0, done.stderr
    header, first = done.stdout.splitlines()[:2]
    assert header == "person,name,papers"
    assert first.split(",")[1:] == ["Amir Gholami", "19"]


def test_export_beside_the_server(server: LiveServer, tmp_path: Path) -> None:
    target = tmp_path / "graph.nt"
    done = cli("export", "--format", "ntriples", "-o", str(target), store=server.store)
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(target, format="nt")
    assert (URIRef(KURT), URIRef("http://schema.org/name"), Literal("Kurt Keutzer")) in graph


def test_validate_beside_the_server(server: LiveServer) -> None:
    done = cli("validate", store=server.store)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "conforms" in done.stdout


@pytest.mark.parametrize(
    "args", [("remove", "000_e49c997fbe9f6f5b"), ("load", "seeds/000_e49c997fbe9f6f5b.txt", "--as-of", "2026-11-23")]
)
def test_writes_keep_the_in_use_message(server: LiveServer, args: tuple[str, ...]) -> None:
    done = cli(*args, store=server.store)
    assert done.returncode == 2
    assert f"is in use by process {server.process.pid}" in " ".join(done.stderr.split())
    with server.client() as client:
        assert client.get("/healthz").json()["sources"] == 5  # nothing was removed or half-written


def test_load_through_the_server_reads_the_token_from_the_environment(server: LiveServer) -> None:
    page = "seeds/002_59305120740d2a0e.txt"
    done = cli(
        "load", "--server", server.url, page, "--as-of", "2026-11-23", store=None,
        env={"SCHOLARKG_UPDATE_TOKEN": UPDATE_TOKEN},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "002_59305120740d2a0e" in done.stdout


def test_load_through_the_server_without_a_token_says_how_to_set_it(server: LiveServer) -> None:
    done = cli("load", "--server", server.url, "seeds/002_59305120740d2a0e.txt", store=None)
    assert done.returncode == 1
    assert "no update token: set SCHOLARKG_UPDATE_TOKEN" in " ".join(done.stderr.split())


def test_an_unset_token_variable_does_not_swallow_the_page_path(server: LiveServer) -> None:
    """`--token $SCHOLARKG_UPDATE_TOKEN` with the variable unset leaves `--token seeds/…`."""
    done = cli("load", "--server", server.url, "--token", "seeds/002_59305120740d2a0e.txt", "seeds/", store=None)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "--token got 'seeds/002_59305120740d2a0e.txt', which is a path" in message
    assert "read from SCHOLARKG_UPDATE_TOKEN" in message


def test_query_format_that_does_not_fit_the_query_kind_is_an_error(server: LiveServer) -> None:
    construct = cli("query", "--format", "json", "CONSTRUCT WHERE { ?s a schema:Person } LIMIT 1", store=server.store)
    assert construct.returncode == 1 and construct.stdout == ""
    assert (
        "--format does not fit a graph (CONSTRUCT/DESCRIBE) result; choose one of turtle, ntriples, nquads, trig, "
        "jsonld, rdfxml" in " ".join(construct.stderr.split())
    )
    ask = cli("query", "--format", "turtle", "ASK { ?s ?p ?o }", store=server.store)
    assert ask.returncode == 1
    assert "--format does not fit an ASK result; choose one of json, xml, csv, tsv" in " ".join(ask.stderr.split())
    rdfxml = cli("query", "--format", "rdfxml", f"DESCRIBE <{KURT}>", store=server.store)
    assert rdfxml.returncode == 0, rdfxml.stderr
    graph = Graph().parse(data=rdfxml.stdout, format="xml")
    assert (URIRef(KURT), URIRef("http://schema.org/name"), Literal("Kurt Keutzer")) in graph
