"""The engine scripts (scripts/engines.py): real Oxigraph server and Virtuoso on 127.0.0.1, started and stopped."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from scripts.engines import EngineServer, load_state, main, virtuoso_ini
from tests.engines import require_engine

NT = "application/n-triples"


def _ask(server: EngineServer, pattern: str) -> bool:
    """Whether `pattern` matches (a SELECT: Virtuoso 7.2 answers ASK as a `__ASK_RETVAL` result set)."""
    response = httpx.post(
        server.query_url,
        data={"query": f"SELECT * WHERE {{ {pattern} }} LIMIT 1"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    response.raise_for_status()
    return bool(response.json()["results"]["bindings"])


def test_oxigraph_server_updates_and_graph_store(oxigraph_server: EngineServer) -> None:
    update = 'INSERT DATA { GRAPH <http://example.org/e1> { <http://example.org/a> <http://example.org/p> "1" } }'
    assert httpx.post(oxigraph_server.update_url, data={"update": update}, timeout=30).status_code == 204
    assert _ask(oxigraph_server, 'GRAPH <http://example.org/e1> { <http://example.org/a> ?p "1" }')
    put = httpx.put(
        oxigraph_server.store_url,
        params={"graph": "http://example.org/e2"},
        content=b'<http://example.org/b> <http://example.org/p> "2" .\n',
        headers={"Content-Type": NT},
        timeout=30,
    )
    assert put.status_code in (201, 204)
    got = httpx.get(oxigraph_server.store_url, params={"graph": "http://example.org/e2"}, headers={"Accept": NT})
    assert got.text.strip() == '<http://example.org/b> <http://example.org/p> "2" .'
    assert oxigraph_server.env()["SCHOLARKG_STORE"] == "sparql+" + oxigraph_server.query_url


def test_virtuoso_update_needs_the_digest_user(virtuoso_server: EngineServer) -> None:
    update = 'INSERT DATA { GRAPH <http://example.org/v1> { <http://example.org/a> <http://example.org/p> "1" } }'
    anonymous = httpx.post(virtuoso_server.query_url, data={"query": update}, timeout=30)
    assert anonymous.status_code >= 400
    assert "SR186" in anonymous.text  # no permission: SPARQL_UPDATE is not granted to the anonymous account
    assert not _ask(virtuoso_server, 'GRAPH <http://example.org/v1> { ?s ?p "1" }')
    no_password = httpx.post(virtuoso_server.update_url, data={"query": update}, timeout=30)
    assert no_password.status_code == 401
    assert "digest" in no_password.headers.get("www-authenticate", "").lower()
    authorised = httpx.post(virtuoso_server.update_url, data={"query": update}, auth=virtuoso_server.http_auth())
    assert authorised.status_code == 200, authorised.text
    assert _ask(virtuoso_server, 'GRAPH <http://example.org/v1> { <http://example.org/a> ?p "1" }')


def test_virtuoso_graph_store_crud_with_digest(virtuoso_server: EngineServer) -> None:
    body = b'<http://example.org/c> <http://example.org/p> "3" .\n'
    params = {"graph": "http://example.org/v2"}
    refused = httpx.put(virtuoso_server.store_url, params=params, content=body, headers={"Content-Type": NT})
    assert refused.status_code == 401
    auth = virtuoso_server.http_auth()
    put = httpx.put(virtuoso_server.store_url, params=params, content=body, headers={"Content-Type": NT}, auth=auth)
    assert put.status_code in (200, 201, 204), put.text
    assert _ask(virtuoso_server, 'GRAPH <http://example.org/v2> { <http://example.org/c> ?p "3" }')
    assert "ResultSetMaxRows = 1000" in Path(virtuoso_server.directory, "virtuoso.ini").read_text()
    # dba's default password was replaced at start-up; isql works with the new one.
    assert virtuoso_server.dba_password != "dba"
    assert "scholarkg" in virtuoso_server.isql("SELECT U_NAME FROM DB.DBA.SYS_USERS WHERE U_NAME = 'scholarkg';")


def test_virtuoso_ini_names_ports_and_allowed_dirs(tmp_path: Path) -> None:
    text = virtuoso_ini(tmp_path, http_port=8891, sql_port=1112, dirs_allowed=[Path("/data/shards")], result_max_rows=7)
    assert "ServerPort = 127.0.0.1:1112" in text
    assert "ServerPort = 127.0.0.1:8891" in text
    assert f"DirsAllowed = ., {tmp_path}, /data/shards" in text
    assert "ResultSetMaxRows = 7" in text


def test_script_starts_and_stops_an_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_engine("oxigraph")
    directory = tmp_path / "engine"
    assert main(["start", "oxigraph", str(directory)]) == 0
    exported = capsys.readouterr().out
    state = load_state(directory)
    try:
        assert f"export SCHOLARKG_STORE=sparql+{state.query_url}" in exported
        assert state.alive()
        assert httpx.get(state.query_url, params={"query": "ASK {}"}, timeout=10).status_code == 200
    finally:
        assert main(["stop", str(directory)]) == 0
    assert not state.alive()
    assert not (directory / "engine.json").exists()
    assert main(["stop", str(directory)]) == 1  # nothing left to stop: a clear error, exit 1
    assert "no engine was started" in capsys.readouterr().err


def test_script_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["start", "graphdb"]) == 2
    assert main(["start", "graphdb", "/nonexistent"]) == 1
    assert "unknown engine 'graphdb'" in capsys.readouterr().err
