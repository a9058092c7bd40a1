"""The full-text index (loader/text_index.py) follows every load, reload and remove; words, prefixes, accents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from scholarkg.loader.identity import Iris
from scholarkg.loader.load import LoadResult, remove_source
from scholarkg.loader.store import GraphStore, text_index_path
from scholarkg.loader.text_index import NAME, TextIndex, fts_query

LoadPages = Callable[..., list[LoadResult]]
PROFILE = "000_e49c997fbe9f6f5b.txt"
MONARCH = "Monarch: Expressive Structured Matrices for Efficient and Accurate Training"


@pytest.fixture
def store(tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages) -> GraphStore:
    s = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_pages(s, seed_paths))
    return s


def test_words_prefixes_and_case(store: GraphStore, iris: Iris) -> None:
    keutzer = iris.person("Kurt Keutzer").value
    assert store.text.search("person", "keutzer", 10) == [keutzer]
    assert store.text.search("person", "KURT keut", 10) == [keutzer]  # every word, each as a prefix
    assert store.text.search("person", "kurt zzz", 10) == []
    monarch = iris.paper(MONARCH).value
    assert store.text.search("paper", "monar struct", 10) == [monarch]
    assert store.text.search("person", "monarch", 10) == []  # kinds are kept apart
    assert store.text.search("paper", '" OR * NEAR(', 10) == []  # FTS syntax is not interpreted


def test_accents_are_folded_and_ranked(tmp_path: Path, iris: Iris) -> None:
    store = GraphStore.open(tmp_path / "s")
    g = iris.source("x.txt")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    name = NamedNode("http://schema.org/name")
    article = NamedNode("http://schema.org/ScholarlyArticle")
    papers = {
        "https://e.org/p1": "Café au lait: Attention for Graphs",
        "https://e.org/p2": "Attention Attention Attention",
        "https://e.org/p3": "Sparse Mixtures",
    }
    quads = [Quad(g, rdf_type, NamedNode("https://w3id.org/scholarkg/ontology#SourcePage"), g)]
    for iri, title in papers.items():
        quads += [Quad(NamedNode(iri), rdf_type, article, g), Quad(NamedNode(iri), name, _lit(title), g)]
    store.replace_graph(g, quads)
    assert store.text.search("paper", "cafe", 10) == ["https://e.org/p1"]
    assert store.text.search("paper", "CAFÉ", 10) == ["https://e.org/p1"]
    assert store.text.search("paper", "attention", 10) == ["https://e.org/p2", "https://e.org/p1"]  # BM25
    reopened = TextIndex(text_index_path(tmp_path / "s"), read_only=True)  # on disk, beside the store
    assert reopened.search("paper", "sparse", 10) == ["https://e.org/p3"]


def _lit(text: str) -> object:
    from pyoxigraph import Literal

    return Literal(text)


def test_reload_and_remove_update_the_index(
    tmp_path: Path, store: GraphStore, seeds_dir: Path, load_pages: LoadPages, iris: Iris
) -> None:
    monarch = iris.paper(MONARCH).value
    tri = iris.person("Tri Dao").value
    beidi = iris.person("Beidi Chen").value
    assert store.text.search("paper", "monarch", 5) == [monarch]
    lines = (seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[11:18]  # the Monarch entry: Tri Dao is also on page 001, Beidi Chen only here
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"  # the count line must agree with the entries (loader/record_checks.py)
    modified = tmp_path / "v2" / PROFILE
    modified.parent.mkdir()
    modified.write_text("".join(lines), encoding="utf-8")
    assert load_pages(store, [modified])[0].ok
    assert store.text.search("paper", "monarch", 5) == []
    assert store.text.search("person", "tri dao", 5) == [tri]
    still_named = any(store.store.quads_for_pattern(NamedNode(beidi), NAME, None, DefaultGraph()))
    assert (beidi in store.text.search("person", "beidi chen", 5)) == still_named  # the index follows the view
    assert load_pages(store, [seeds_dir / PROFILE])[0].ok
    assert store.text.search("paper", "monarch", 5) == [monarch]
    remove_source(store, iris.source(PROFILE), iris)
    assert store.text.search("paper", "monarch", 5) == []
    assert store.text.search("person", "tri dao", 5) == [tri]  # still named on page 001


def test_a_lost_index_is_rebuilt(store: GraphStore, tmp_path: Path) -> None:
    rows = len(store.text)
    assert rows > 400
    reopened = GraphStore(store.store, tmp_path / "fresh.sqlite")
    assert len(reopened.text) == rows


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_safe_query(text: str) -> None:
    index = TextIndex()
    query = fts_query(text)
    assert query is None or all(part.startswith('"') and part.endswith('"*') for part in query.split(" AND "))
    assert index.search("paper", text, 5) == []  # never an FTS syntax error


def test_an_index_file_without_the_key_table_is_emptied_for_a_rebuild(tmp_path: Path) -> None:
    """Rows are found by rowid through the `keys` table; a file written before it existed starts empty (and
    `GraphStore.text` rebuilds an empty index from the store)."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE VIRTUAL TABLE entities USING fts5(iri UNINDEXED, kind UNINDEXED, text)")
        db.execute("INSERT INTO entities VALUES ('https://example.org/p', 'person', 'Ada Lovelace')")
    db.close()
    index = TextIndex(path)
    assert len(index) == 0
    index.replace_all([("https://example.org/p", "person", "Ada Lovelace"), ("https://example.org/q", "paper", "X")])
    index.replace_all([("https://example.org/p", "person", "Ada King")])
    assert index.search("person", "king", 5) == ["https://example.org/p"]
    assert index.search("person", "lovelace", 5) == [] and len(index) == 1
    index.close()


def test_a_rebuild_decides_an_entity_typed_as_both_kinds_once(tmp_path: Path) -> None:
    """The streamed rebuild meets such an entity under each kind; it writes one row, the row `refresh` writes."""
    store = GraphStore.open(tmp_path / "store")
    both, person = NamedNode("https://example.org/both"), NamedNode("https://example.org/person")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    schema = "http://schema.org/"
    facts = [
        (both, rdf_type, NamedNode(schema + "ScholarlyArticle")),
        (both, rdf_type, NamedNode(schema + "Person")),
        (both, NAME, Literal("Ada Lovelace")),
        (person, rdf_type, NamedNode(schema + "Person")),
        (person, NAME, Literal("Charles Babbage")),
        (person, NAME, Literal("C. Babbage")),
    ]
    store.store.extend(Quad(s, p, o, DefaultGraph()) for s, p, o in facts)
    refreshed, rebuilt = TextIndex(), TextIndex()
    refreshed.refresh(store.store, [both, person])
    rebuilt.rebuild(store.store)
    assert rebuilt.rows() == refreshed.rows()
    assert len(rebuilt.rows()) == 2 and (person.value, "person", "C. Babbage\nCharles Babbage") in rebuilt.rows()
    assert rebuilt.search("person", "ada", 5) + rebuilt.search("paper", "ada", 5) == [both.value]
