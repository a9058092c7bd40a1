"""Session fixtures for real SPARQL engines on 127.0.0.1 (scripts/engines.py): Oxigraph server and Virtuoso.

Each engine starts once per test session with its data in a temp directory and is stopped at the end. An
engine whose binary is not installed skips its tests with the reason, unless SCHOLARKG_REQUIRE_ENGINES=1
(set by CI, which installs both), where a missing engine fails instead of hiding the suite.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from scripts.engines import EngineServer, binary, isql_binary, start_oxigraph, start_virtuoso

# Small on purpose: the tests see Virtuoso cut results at ResultSetMaxRows (X-SPARQL-MaxRows) on seed data.
VIRTUOSO_MAX_ROWS = 1000
INSTALL_HINT = {
    "oxigraph": "pip install oxigraph (the test extra)",
    "virtuoso": "apt-get install virtuoso-opensource-7-bin libpcre3 (see .ci/run)",
}


def require_engine(engine: str) -> None:
    present = binary(engine) is not None and (engine != "virtuoso" or isql_binary() is not None)
    if present:
        return
    reason = f"{engine} is not installed: {INSTALL_HINT[engine]}"
    if os.environ.get("SCHOLARKG_REQUIRE_ENGINES") == "1":
        pytest.fail(f"SCHOLARKG_REQUIRE_ENGINES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineServer]:
    """Oxigraph server (`oxigraph serve`) over an empty store in a temp dir."""
    require_engine("oxigraph")
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineServer]:
    """Virtuoso 7.2 over a fresh database in a temp dir; updates by a digest user; bulk loads from the temp base."""
    require_engine("virtuoso")
    server = start_virtuoso(
        tmp_path_factory.mktemp("virtuoso"),
        dirs_allowed=[tmp_path_factory.getbasetemp()],
        result_max_rows=VIRTUOSO_MAX_ROWS,
    )
    yield server
    server.stop()


def canned_rows(engine: Any, queries: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """Each canned query's rows through `engine` (a `queries.engine.Engine`), as sorted JSON lines: for comparing
    backends row for row (never a cut result)."""
    from scholarkg.queries.catalog import load_catalog

    catalog = load_catalog()
    out = {}
    for name, params in queries.items():
        body = json.loads(engine.run_stored(catalog[name], dict(params)).body)
        assert body["truncated"] is False
        out[name] = sorted(json.dumps(row, sort_keys=True) for row in body["rows"])
    return out
