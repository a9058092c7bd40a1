"""Which full-text rows a SPARQL Update may change (queries/update_effects.py), and `GraphStore.text_write`
keeping the index equal to a fresh rebuild whatever sequence of updates runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode

from scholarkg.loader.store import GraphStore
from scholarkg.loader.text_index import EVERYTHING, NOTHING, TextEffect, TextIndex
from scholarkg.queries.update_effects import MAX_ANALYSED_CHARS, update_effect

P = "PREFIX s: <http://schema.org/>\n"
BASE = "http://e.org/"


def rows_of(*iris: str) -> TextEffect:
    return TextEffect(frozenset(NamedNode(BASE + i) for i in iris))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # data: the default-graph subjects of names and types; named graphs and other predicates change no row
        (P + 'INSERT DATA { <a> s:name "x" ; s:knows <c> . GRAPH <g> { <b> s:name "y" } }', rows_of("a")),
        (P + "DELETE DATA { <a> a s:Person . <b> s:knows <c> . _:x s:name 'n' }", rows_of("a")),
        (P + 'INSERT DATA { GRAPH <g> { <b> s:name "y" ; a s:Person } }', NOTHING),
        # templates: constant subjects are known; a variable subject of a name/type (or ?p) triple is not
        (P + "DELETE { <a> ?p ?o } WHERE { <a> ?p ?o }", rows_of("a")),
        (P + 'DELETE { ?x s:name ?n } INSERT { ?x s:name "z" } WHERE { ?x s:name ?n }', EVERYTHING),
        (P + "DELETE WHERE { ?x ?p ?o }", EVERYTHING),
        (P + "DELETE { ?x s:knows ?y } WHERE { ?x s:knows ?y }", NOTHING),
        (P + 'INSERT { GRAPH ?g { ?x s:name "z" } } WHERE { GRAPH ?g { ?x a s:Person } }', NOTHING),
        (P + 'WITH <g> DELETE { ?x s:name ?n } INSERT { ?x s:name "z" } WHERE { ?x s:name ?n }', NOTHING),
        (P + "INSERT { _:b s:name ?n } WHERE { ?x s:name ?n }", NOTHING),
        # whole graphs: the default graph rewritten (or the update unreadable) → any row
        ("CLEAR DEFAULT", EVERYTHING),
        ("DROP ALL", EVERYTHING),
        ("CLEAR NAMED ; DROP GRAPH <g> ; CREATE GRAPH <h> ; COPY <g> TO <h> ; COPY DEFAULT TO <h>", NOTHING),
        ("ADD <g> TO DEFAULT", EVERYTHING),
        ("MOVE DEFAULT TO <g>", EVERYTHING),
        ("MOVE <g> TO <g>", NOTHING),
        ("LOAD <http://x.org/d>", EVERYTHING),
        ("LOAD SILENT <http://x.org/d> INTO GRAPH <g>", NOTHING),
        (P + 'INSERT DATA { <a> s:name "x" } ; CLEAR GRAPH <g>', rows_of("a")),
        ("INSERT DATA { <a> <b> <<( <a> <b> <c> )>> }", EVERYTHING),  # SPARQL 1.2: rdflib does not parse it
        ("INSERT DATA { <a> <b> 'x' }" + " " * MAX_ANALYSED_CHARS, EVERYTHING),  # too long to parse
    ],
)
def test_update_effects(text: str, expected: TextEffect) -> None:
    assert update_effect(text, base_iri=BASE) == expected


def test_iris_resolve_against_prefixes_and_the_base() -> None:
    effect = update_effect("BASE <http://b.org/x/> PREFIX p: <http://p.org/> INSERT DATA { p:a a <y> . <z> <q> 1 }")
    assert effect == TextEffect(frozenset({NamedNode("http://p.org/a")}))


# -- the property: any sequence of updates leaves the index equal to a fresh rebuild ---------------------
ENTITIES = ("p1", "p2", "p3")
GRAPHS = ("", "GRAPH <http://e.org/g1>", "GRAPH <http://e.org/g2>")
NAMES = ("Ada Byron", "Émile Zola", "Ada Zola")
TYPES = ("s:Person", "s:ScholarlyArticle")


# Rows are one triple away: p1 a person without a name, p2 a named paper elsewhere, p3 a named person.
START = """INSERT DATA {
  <p1> a s:Person . <p2> a s:ScholarlyArticle . <p3> a s:Person ; s:name "Ada Byron" .
  GRAPH <http://e.org/g1> { <p1> s:name "Émile Zola" . <p2> s:name "Ada Zola" . <p3> a s:ScholarlyArticle }
  GRAPH <http://e.org/g2> { <p1> a s:Person ; s:name "Ada Byron" . <p2> s:name "Émile Zola" }
}"""


def _data(verb: str, graph: str, triple: str) -> str:
    return f"{verb} DATA {{ {graph} {{ {triple} }} }}" if graph else f"{verb} DATA {{ {triple} }}"


entity = st.sampled_from(ENTITIES).map(lambda e: f"<{BASE}{e}>")
graph = st.sampled_from(GRAPHS)
updates = st.one_of(
    st.builds(
        lambda verb, g, e, n: _data(verb, g, f'{e} s:name "{n}"'),
        st.sampled_from(("INSERT", "DELETE")),
        graph,
        entity,
        st.sampled_from(NAMES),
    ),
    st.builds(
        lambda verb, g, e, t: _data(verb, g, f"{e} a {t}"),
        st.sampled_from(("INSERT", "DELETE")),
        graph,
        entity,
        st.sampled_from(TYPES),
    ),
    st.builds(
        lambda old, new: f'DELETE {{ ?x s:name "{old}" }} INSERT {{ ?x s:name "{new}" }} WHERE {{ ?x s:name "{old}" }}',
        st.sampled_from(NAMES),
        st.sampled_from(NAMES),
    ),
    st.sampled_from(
        (
            "ADD SILENT <http://e.org/g1> TO DEFAULT",
            "MOVE SILENT <http://e.org/g2> TO DEFAULT",
            "COPY SILENT DEFAULT TO <http://e.org/g2>",
            "CLEAR DEFAULT",
            "DROP SILENT GRAPH <http://e.org/g1>",
            "DELETE WHERE { GRAPH ?g { ?x s:name ?n } }",
            'WITH <http://e.org/g1> INSERT { ?x s:name "Ada Byron" } WHERE { ?x a s:Person }',
            "INSERT { ?x a s:Person } WHERE { GRAPH <http://e.org/g1> { ?x s:name ?n } }",
        )
    ),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(updates, min_size=1, max_size=8))
def test_the_index_equals_a_rebuild_after_any_updates(texts: list[str]) -> None:
    store = GraphStore.in_memory()
    store.store.update(P + START, base_iri=BASE)
    assert len(store.text) == 1  # the index exists: writes must keep it
    for text in texts:
        text = P + text
        with store.text_write(update_effect(text, base_iri=BASE)):
            store.store.update(text, base_iri=BASE)
        fresh = TextIndex()
        fresh.rebuild(store.store)
        assert store.text.rows() == fresh.rows(), text


def test_a_failed_update_changes_no_row() -> None:
    store = GraphStore.in_memory()
    store.store.update(P + START, base_iri=BASE)
    rows = store.text.rows()
    failing = P + f'INSERT DATA {{ <{BASE}p1> s:name "Zed" }} ; CLEAR DEFAULT ; DROP GRAPH <{BASE}missing>'
    with pytest.raises(RuntimeError, match="does not exist"), store.text_write(update_effect(failing)):
        store.store.update(failing)
    assert store.text.rows() == rows
    fresh = TextIndex()
    fresh.rebuild(store.store)
    assert fresh.rows() == rows  # (one transaction: the store did not change either)
