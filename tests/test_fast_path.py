"""queries/fast_path.py: which queries run in the server process, and that they answer exactly as a worker does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from scholarkg.loader.settings import Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import QueryRequest, QuerySyntaxError
from scholarkg.queries.fast_path import bounded_shape

EX = "http://example.org/"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?name WHERE { <http://x/a> schema:name ?name } LIMIT 1",
        "SELECT * { ?s ?p ?o }",
        "select ?s where { ?s a schema:Person . }",
        "ASK { ?s a schema:Person }",
        'SELECT ?s { ?s ?p "x"@en }',
        'SELECT ?s { ?s ?p "x"^^xsd:string }',
        'SELECT ?s { ?s ?p "x"^^<http://www.w3.org/2001/XMLSchema#string> }',
        "PREFIX ex: <http://e/> BASE <http://b/> SELECT ?s WHERE { ?s ex:p 5 }",
        "SELECT ?s ?o { ?s <p> true }",
        "SELECT ?s # a comment { ?x ?y ?z } FILTER\n { ?s ?p ?o }",
        "SELECT ?unbound { ?s ?p ?o } LIMIT 10",
    ],
)
def test_bounded_shapes(text: str) -> None:
    assert bounded_shape(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s { ?s ?p ?s }",  # a repeated variable: Oxigraph scans and filters
        "SELECT DISTINCT ?p { ?s ?p ?o }",
        "SELECT REDUCED ?p { ?s ?p ?o }",
        "SELECT ?s { ?s ?p ?o FILTER(?o) }",
        "SELECT ?s { ?s ?p ?o } OFFSET 5",
        "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
        "SELECT ?s { ?s ?p ?o } LIMIT 1 LIMIT 2",
        "SELECT ?s { ?s ?p ?o . ?o ?q ?r }",
        "SELECT ?s { ?s ?p ?o ; ?q ?r }",
        "SELECT ?s { ?s ?p ?o , ?r }",
        "SELECT ?s FROM <http://x> { ?s ?p ?o }",
        "SELECT ?s FROM NAMED <http://x> { ?s ?p ?o }",
        "SELECT ?s { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?s { { ?s ?p ?o } }",
        "SELECT ?s { ?s ex:p/ex:q ?o }",
        "SELECT ?s { ?s ex:p* ?o }",
        "SELECT ?s { ?s ?p -5 }",
        "SELECT ?s { _:b ?p ?o }",
        "SELECT ?s { [] ?p ?o }",
        "SELECT ?s { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
        "SELECT ?s { SERVICE <http://x/sparql> { ?s ?p ?o } }",
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        "SELECT ?s { ?s ?p ?o } GROUP BY ?s",
        "SELECT ?s { ?s ?p ?o } VALUES ?s { <a> }",
        "SELECT ?s { BIND(1 AS ?s) }",
        "ASK { ?s ?p ?o } LIMIT 1",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DESCRIBE <http://x>",
        "SELECT ?s { <<?a ?b ?c>> ?p ?o }",
        "SELECT ?s { ?s ?p ?o",
        "SELECT { ?s ?p ?o }",
        "INSERT DATA { <a> <b> <c> }",
        "",
    ],
)
def test_other_shapes_go_to_a_worker(text: str) -> None:
    assert not bounded_shape(text)


# -- property: the recognizer agrees with an independent description of the shape ----------------------
_TERMS = {
    "var": ["?a", "?b", "$c"],
    "iri": ["<http://e/x>", "schema:name", "a"],
    "literal": ['"v"', '"v"@en', '"v"^^xsd:string', "5", "true"],
    "other": ["_:b", "[]", "-5", "ex:p/ex:q", "(1)", "<<?a ?b ?c>>"],
}
_MODIFIERS = ["", " LIMIT 3", " OFFSET 2", " ORDER BY ?a", " LIMIT 2 OFFSET 1", " GROUP BY ?a"]
term = st.sampled_from([(kind, text) for kind, texts in _TERMS.items() for text in texts])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(term, min_size=1, max_size=4),
    st.sampled_from(["SELECT *", "SELECT ?a", "SELECT DISTINCT ?a", "ASK"]),
    st.sampled_from(_MODIFIERS),
    st.booleans(),
)
def test_shape_matches_its_description(terms: list[tuple[str, str]], head: str, modifier: str, dot: bool) -> None:
    text = f"{head} WHERE {{ {' '.join(t for _, t in terms)}{' .' if dot else ''} }}{modifier}"
    variables = [t[1:] for kind, t in terms if kind == "var"]
    expected = (
        len(terms) == 3
        and head != "SELECT DISTINCT ?a"
        and modifier in ("", " LIMIT 3")
        and not (head == "ASK" and modifier)
        and len(set(variables)) == len(variables)
        and all(kind != "other" for kind, _ in terms)
        and terms[0][0] in ("var", "iri")
        and terms[0][1] != "a"
        and terms[1][0] in ("var", "iri")
        and terms[2][1] != "a"
    )
    assert bounded_shape(text) == expected, text


# -- the engine: in-process answers are the workers' answers ------------------------------------------
@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    root = tmp_path_factory.mktemp("fast")
    store = Store(str(root / "store"))
    store.extend(
        Quad(NamedNode(f"{EX}s{i}"), NamedNode(f"{EX}p"), Literal(f"v{i}"), graph)
        for i in range(40)
        for graph in (NamedNode(f"{EX}g{i % 3}"), DefaultGraph())  # queries read the default graph (the view)
    )
    store.add(Quad(NamedNode(f"{EX}s1"), NamedNode(f"{EX}name"), Literal("Ada", language="en"), NamedNode(f"{EX}g0")))
    store.add(Quad(NamedNode(f"{EX}s1"), NamedNode(f"{EX}name"), Literal("Ada", language="en"), DefaultGraph()))
    fast = Engine(Settings(store=root / "store", small_query_rows=8), GraphStore(store), workers=1)
    # (its own snapshot folder: an engine clears its folder when it starts)
    slow = Engine(Settings(store=root / "other", small_query_rows=0), GraphStore(store), workers=1)
    yield fast, slow
    fast.close()
    slow.close()


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT ?name WHERE {{ <{EX}s1> <{EX}name> ?name }}",
        f"SELECT * {{ <{EX}s3> ?p ?o }}",
        f'SELECT ?s {{ ?s <{EX}p> "v7" }}',
        f"ASK {{ <{EX}s2> <{EX}p> ?o }}",
        f"ASK {{ <{EX}nobody> <{EX}p> ?o }}",
        f"SELECT ?s {{ ?s <{EX}p> ?o }} LIMIT 5",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "rows"])
def test_in_process_answers_are_the_workers_answers(engines: tuple[Engine, Engine], text: str, fmt: str) -> None:
    fast, slow = engines
    assert fast.in_process is not None and slow.in_process is None
    served = fast.in_process.served
    ours = fast.query(fast.request(text, solution_format=fmt))
    theirs = slow.query(slow.request(text, solution_format=fmt))
    assert fast.in_process.served == served + 1
    assert (ours.kind, ours.media_type, ours.rows, ours.truncated) == (
        theirs.kind,
        theirs.media_type,
        theirs.rows,
        theirs.truncated,
    )
    assert ours.body == theirs.body


def test_past_the_row_budget_a_worker_answers_in_full(engines: tuple[Engine, Engine]) -> None:
    fast, _ = engines
    assert fast.in_process is not None
    handed = fast.in_process.handed_over
    result = fast.query(fast.request(f"SELECT ?s ?o {{ ?s <{EX}p> ?o }}", solution_format="rows"))
    assert fast.in_process.handed_over == handed + 1  # 40 rows > the budget of 8
    assert result.rows == 40 and not result.truncated
    assert len(json.loads(result.body)["rows"]) == 40
    capped = fast.query(fast.request(f"SELECT ?s ?o {{ ?s <{EX}p> ?o }}", solution_format="rows", max_rows=5))
    assert capped.rows == 5 and capped.truncated
    assert fast.in_process.handed_over == handed + 1  # the caller's own cap (5 < the budget) cut it: no hand-over


def test_in_process_errors_are_the_workers_errors(engines: tuple[Engine, Engine]) -> None:
    fast, slow = engines
    text = "SELECT ?s { ?s nope:p ?o }"  # the shape is bounded; the prefix is unknown
    with pytest.raises(QuerySyntaxError) as ours:
        fast.query(fast.request(text))
    with pytest.raises(QuerySyntaxError) as theirs:
        slow.query(slow.request(text))
    assert str(ours.value) == str(theirs.value)


def test_in_process_reads_the_newest_snapshot(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "store"))
    engine = Engine(Settings(store=tmp_path / "store"), GraphStore(store), workers=1)
    try:
        ask = f"ASK {{ <{EX}new> <{EX}p> ?o }}"
        assert json.loads(engine.query(engine.request(ask)).body)["boolean"] is False
        engine.update(f'INSERT DATA {{ <{EX}new> <{EX}p> "x" }}')  # the default graph: what queries read
        assert json.loads(engine.query(engine.request(ask)).body)["boolean"] is True
        assert engine.in_process is not None and engine.in_process.served == 2
    finally:
        engine.close()


def test_protocol_datasets_and_bindings_go_to_a_worker(engines: tuple[Engine, Engine]) -> None:
    fast, _ = engines
    assert fast.in_process is not None
    text = f"SELECT ?o {{ <{EX}s1> <{EX}p> ?o }}"
    assert fast.in_process.eligible(QueryRequest(text))
    assert not fast.in_process.eligible(QueryRequest(text, default_graphs=(f"{EX}g1",)))
    assert not fast.in_process.eligible(QueryRequest(text, named_graphs=(f"{EX}g1",)))
    assert not fast.in_process.eligible(QueryRequest(text, bindings={"o": Literal("v1")}))
    one_graph = fast.query(fast.request(text, solution_format="rows", default_graphs=(f"{EX}g1",)))
    assert json.loads(one_graph.body)["rows"] == [{"o": "v1"}]
