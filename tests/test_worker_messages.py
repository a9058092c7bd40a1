"""queries/workers.py: answers cross the pipe intact — small ones in one message, large ones (> 1 MB) as two."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from scholarkg.loader.snapshots import Snapshots
from scholarkg.queries.execute import QueryRequest, run_query
from scholarkg.queries.workers import _INLINE_BODY_BYTES, QueryPool


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("messages")
    store = Store(str(root / "store"))
    store.extend(
        Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal(f"{i:04d}" + "x" * 500))
        for i in range(4000)
    )
    return Snapshots(store, root / "snapshots").current


@pytest.fixture(scope="module")
def pool() -> QueryPool:
    pool = QueryPool(size=1, timeout=60.0)
    yield pool  # type: ignore[misc]
    pool.close()


@pytest.mark.parametrize(
    "text",
    [
        "ASK { ?s ?p ?o }",
        "SELECT ?o WHERE { <http://example.org/s7> ?p ?o }",
        "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o",  # about 2.3 MB of SPARQL JSON
    ],
)
def test_answers_are_the_in_process_answers(pool: QueryPool, snapshot: Path, text: str) -> None:
    request = QueryRequest(text)
    expected = run_query(Store.read_only(str(snapshot)), request)
    blocking = pool.run(str(snapshot), request)
    waited = asyncio.run(pool.run_async(str(snapshot), request))
    for answer in (blocking, waited):
        assert answer.body == expected.body
        assert (answer.kind, answer.rows, answer.truncated, answer.media_type) == (
            expected.kind,
            expected.rows,
            expected.truncated,
            expected.media_type,
        )
    assert (len(expected.body) > _INLINE_BODY_BYTES) == ("ORDER BY" in text)
