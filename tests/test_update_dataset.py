"""queries/update_dataset.py: protocol using-graph-uri becomes USING clauses; conflicts are errors."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from scholarkg.queries.update_dataset import UpdateDatasetConflictError, apply_update_dataset

G1 = "http://example.org/g1"


def test_no_dataset_leaves_text_alone() -> None:
    text = "INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }"
    assert apply_update_dataset(text, [], []) == text


def test_using_inserted_before_where_of_modify_operations_only() -> None:
    text = "CLEAR ALL ; INSERT DATA { <a:s> <a:p> 1 } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    out = apply_update_dataset(text, [G1], ["http://example.org/g2"])
    assert out.endswith(f"DELETE {{ ?s ?p ?o }} USING <{G1}> USING NAMED <http://example.org/g2> WHERE {{ ?s ?p ?o }}")
    assert out.count("USING") == 2


def test_delete_where_shorthand_is_expanded_to_take_using() -> None:
    text = "DELETE WHERE { ?s <http://p> ?o } ; DELETE WHERE { GRAPH ?g { ?s ?p 1 } }"
    assert apply_update_dataset(text, [G1], []) == (
        f"DELETE {{ ?s <http://p> ?o }} USING <{G1}> WHERE {{ ?s <http://p> ?o }} ; "
        f"DELETE {{ GRAPH ?g {{ ?s ?p 1 }} }} USING <{G1}> WHERE {{ GRAPH ?g {{ ?s ?p 1 }} }}"
    )


def test_expanded_delete_where_matches_in_the_protocol_dataset() -> None:
    s, p = NamedNode("http://s"), NamedNode("http://p")
    store = Store()
    store.add(Quad(s, p, Literal("x")))  # default graph only: no match in g1, nothing is deleted
    store.update(apply_update_dataset("DELETE WHERE { ?s <http://p> ?o }", [G1], []))
    assert len(store) == 1
    store.add(Quad(s, p, Literal("x"), NamedNode(G1)))  # now the pattern matches in g1 …
    store.update(apply_update_dataset("DELETE WHERE { ?s <http://p> ?o }", [G1], []))
    # … and the template (no GRAPH) deletes from the store's default graph; g1 keeps its triple
    assert [q.graph_name for q in store] == [NamedNode(G1)]


@pytest.mark.parametrize(
    "text",
    [
        "WITH <http://x> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://x> WHERE { ?s ?p ?o }",
    ],
)
def test_conflict_with_own_dataset(text: str) -> None:
    with pytest.raises(UpdateDatasetConflictError):
        apply_update_dataset(text, [G1], [])


def test_rewritten_update_runs_against_the_protocol_dataset() -> None:
    store = Store()
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("in g1"), NamedNode(G1)))
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("in g2"), NamedNode("http://example.org/g2")))
    text = "INSERT { GRAPH <http://out> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    store.update(apply_update_dataset(text, [G1], []))
    copied = {q.object.value for q in store.quads_for_pattern(None, None, None, NamedNode("http://out"))}
    assert copied == {"in g1"}


def test_strings_and_comments_do_not_count_as_keywords() -> None:
    text = 'INSERT { ?s ?p "WITH" } WHERE { ?s ?p ?o } # USING'
    out = apply_update_dataset(text, [G1], [])
    assert f'INSERT {{ ?s ?p "WITH" }} USING <{G1}> WHERE' in out
