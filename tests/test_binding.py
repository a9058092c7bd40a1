"""Parameters written into query text as terms (queries.binding): placement, escaping, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store

from scholarkg.queries.binding import BindingError, bind_terms

A = NamedNode("https://e.org/a")


def _rows(store: Store, text: str) -> list[tuple[str, ...]]:
    result = store.query(text)
    assert isinstance(result, QuerySolutions)
    return [tuple("" if t is None else str(t) for t in row) for row in result]


@pytest.fixture
def store() -> Store:
    s = Store()
    s.update(
        "PREFIX e: <https://e.org/> INSERT DATA { e:p1 e:author e:a, e:b . e:p2 e:author e:a, e:c . e:p3 e:author e:c }"
    )
    return s


def test_projected_grouped_and_ordered_parameters_keep_their_column(store: Store) -> None:
    text = (
        "SELECT ?x (COUNT(?p) AS ?n) ?a WHERE { ?p <https://e.org/author> ?a, ?x FILTER(?x != ?a) }"
        " GROUP BY ?a ?x ORDER BY ?a ?x"
    )
    bound = bind_terms(text, {"a": A})
    assert bound == (
        "SELECT ?x (COUNT(?p) AS ?n) (<https://e.org/a> AS ?a) WHERE { ?p <https://e.org/author> <https://e.org/a>, ?x"
        " FILTER(?x != <https://e.org/a>) } GROUP BY (<https://e.org/a>) ?x ORDER BY (<https://e.org/a>) ?x"
    )
    assert _rows(store, bound) == [
        ("<https://e.org/b>", '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "<https://e.org/a>"),
        ("<https://e.org/c>", '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "<https://e.org/a>"),
    ]


def test_strings_iris_and_comments_are_not_touched() -> None:
    text = 'SELECT ?s WHERE { ?s <https://e.org/?a> "?a" , \'?a\' , """?a""" } # ?a\n'
    assert bind_terms(text, {"a": A}) == text
    assert bind_terms("SELECT ?ab ?a WHERE {}", {"a": A}) == "SELECT ?ab (<https://e.org/a> AS ?a) WHERE {}"
    assert bind_terms("SELECT $a WHERE { $a ?p ?o }", {"a": A}) == (
        "SELECT (<https://e.org/a> AS ?a) WHERE { <https://e.org/a> ?p ?o }"
    )


def test_describe_and_subqueries(store: Store) -> None:
    assert bind_terms("DESCRIBE ?a", {"a": A}) == "DESCRIBE <https://e.org/a>"
    text = "SELECT ?x WHERE { { SELECT ?x WHERE { ?p <https://e.org/author> ?a, ?x } GROUP BY ?x } FILTER(?x != ?a) }"
    assert _rows(store, bind_terms(text, {"a": A})) == [("<https://e.org/b>",), ("<https://e.org/c>",)]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT * WHERE { BIND(1 AS ?a) }", "as the target of AS"),
        ("SELECT (1 AS ?a) WHERE {}", "as the target of AS"),
        ("SELECT * WHERE { VALUES ?a { 1 } }", "in a VALUES header"),
        ("SELECT * WHERE { VALUES (?b ?a) { (1 2) } }", "in a VALUES header"),
    ],
)
def test_variable_only_positions_are_refused(text: str, where: str) -> None:
    with pytest.raises(BindingError, match=where) as caught:
        bind_terms(text, {"a": A})
    assert caught.value.name == "a"


def test_only_iris_and_literals() -> None:
    from pyoxigraph import BlankNode

    with pytest.raises(TypeError):
        bind_terms("SELECT ?a WHERE {}", {"a": BlankNode()})  # type: ignore[dict-item]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_string_is_one_literal(value: str) -> None:
    """Whatever a stranger sends (quotes, braces, `#`, newlines, `?a`), it is exactly one literal."""
    store = Store()
    text = bind_terms("SELECT ?a (STRLEN(?a) AS ?n) WHERE { }", {"a": Literal(value)})
    result = store.query(text)
    assert isinstance(result, QuerySolutions)
    rows = list(result)
    assert len(rows) == 1
    assert rows[0]["a"] == Literal(value)
    assert int(rows[0]["n"].value) == len(value)  # type: ignore[union-attr]


def test_a_parameter_projected_by_a_sub_query_is_dropped_there() -> None:
    """Inside a sub-query the value is a constant: its projection is dropped (re-binding it in the outer SELECT
    would be an error); the outer SELECT still returns the column."""
    text = "SELECT ?name ?author WHERE { { SELECT ?author ?name WHERE { ?author <http://schema.org/name> ?name } } }"
    bound = bind_terms(text, {"author": NamedNode("https://e/a")})
    assert bound == (
        "SELECT ?name (<https://e/a> AS ?author) WHERE { { SELECT  ?name WHERE "
        "{ <https://e/a> <http://schema.org/name> ?name } } }"
    )
    store = Store()
    store.add(Quad(NamedNode("https://e/a"), NamedNode("http://schema.org/name"), Literal("A")))
    rows = list(store.query(bound))  # type: ignore[union-attr]
    assert [(r["name"], r["author"]) for r in rows] == [(Literal("A"), NamedNode("https://e/a"))]  # type: ignore[index]
