"""The default graph is the deduplicated union of the page, ontology and taxonomy graphs (loader.store),
maintained in the same transaction as every load, reload and remove."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from scholarkg.loader.identity import ONTOLOGY_GRAPH, Iris
from scholarkg.loader.load import LoadResult
from scholarkg.loader.store import GraphStore

LoadPages = Callable[..., list[LoadResult]]
PROFILE = "000_e49c997fbe9f6f5b.txt"
SEED_STEMS = ["000_e49c997fbe9f6f5b", "001_7237205d067e25d8"]

Triple3 = tuple[object, object, object]
SKG = "https://w3id.org/scholarkg/ontology#"


def _default(store: GraphStore) -> set[Triple3]:
    return {(q.subject, q.predicate, q.object) for q in store.store.quads_for_pattern(None, None, None, DefaultGraph())}


def _sources(store: GraphStore, iris: Iris) -> list[NamedNode]:
    graphs = [g for g in store.store.named_graphs() if isinstance(g, NamedNode)]
    return [g for g in graphs if g.value.startswith(f"{iris.base}id/source/")] + [ONTOLOGY_GRAPH, iris.taxonomy_scheme]


def _union(store: GraphStore, graphs: list[NamedNode]) -> set[Triple3]:
    return {
        (q.subject, q.predicate, q.object) for g in graphs for q in store.store.quads_for_pattern(None, None, None, g)
    }


def _graph(store: GraphStore, graph: NamedNode) -> set[Triple3]:
    return _union(store, [graph])


def _assert_view_exact(store: GraphStore, iris: Iris) -> set[Triple3]:
    view = _default(store)
    assert view == _union(store, _sources(store, iris))
    return view


@pytest.fixture
def store(tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages) -> GraphStore:
    s = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_pages(s, seed_paths))
    return s


def test_default_graph_is_the_distinct_union(store: GraphStore, iris: Iris) -> None:
    view = _assert_view_exact(store, iris)
    named = sum(1 for q in store.store if not isinstance(q.graph_name, DefaultGraph))
    assert len(store.store) == named + len(view)
    # Tri Dao's name is stated by pages 000 and 001, but is one fact in the view.
    tri = Iris(iris.base).person("Tri Dao")
    name = NamedNode("http://schema.org/name")
    assert len(list(store.store.quads_for_pattern(tri, name, None, None))) == 3
    assert len(list(store.store.quads_for_pattern(tri, name, None, DefaultGraph()))) == 1
    # The taxonomy and the ontology are in the view too (category queries need skos:broader).
    assert (iris.category("cs.LG"), NamedNode("http://www.w3.org/2004/02/skos/core#notation")) in {
        (s, p) for s, p, _ in view
    }


def test_remove_keeps_facts_another_page_states(store: GraphStore, iris: Iris) -> None:
    first, second = iris.source(SEED_STEMS[0] + ".txt"), iris.source(SEED_STEMS[1] + ".txt")
    shared = _graph(store, first) & _graph(store, second)
    only_first = _graph(store, first) - _union(store, [g for g in _sources(store, iris) if g != first])
    assert shared and only_first
    store.remove_graph(first)
    view = _assert_view_exact(store, iris)
    assert shared <= view
    assert not only_first & view
    assert (first, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(SKG + "SourcePage")) in (
        only_first
    )


def test_reload_with_changes_updates_the_view(
    tmp_path: Path, store: GraphStore, seeds_dir: Path, load_pages: LoadPages, iris: Iris
) -> None:
    before = _assert_view_exact(store, iris)
    graph = iris.source(PROFILE)
    lines = (seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[11:18]  # the Monarch entry (Tri Dao is also on page 001)
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"  # the count line must agree with the entries (loader/record_checks.py)
    modified = tmp_path / "v2" / PROFILE
    modified.parent.mkdir()
    modified.write_text("".join(lines), encoding="utf-8")
    old_page = _graph(store, graph)
    assert load_pages(store, [modified])[0].ok
    after = _assert_view_exact(store, iris)
    gone = before - after
    assert gone and gone <= old_page  # only facts of the reloaded page can disappear
    assert not gone & _union(store, _sources(store, iris))
    assert after - before <= _graph(store, graph)
    assert load_pages(store, [seeds_dir / PROFILE])[0].ok  # the original back: the original view
    assert _assert_view_exact(store, iris) == before


def test_loading_twice_leaves_the_view_unchanged(
    store: GraphStore, seed_paths: tuple[Path, ...], load_pages: LoadPages, iris: Iris
) -> None:
    before = _assert_view_exact(store, iris)
    size = len(store.store)
    assert all(r.ok for r in load_pages(store, seed_paths))
    assert _assert_view_exact(store, iris) == before and len(store.store) == size


def test_a_store_without_the_view_gets_it_on_open(store: GraphStore, tmp_path: Path, iris: Iris) -> None:
    view = _assert_view_exact(store, iris)
    path = tmp_path / "old"
    old = Store(str(path))
    old.extend(q for q in store.store if not isinstance(q.graph_name, DefaultGraph))
    old.flush()
    del old
    reopened = GraphStore.open(path)
    assert not reopened.view_missing()
    assert _default(reopened) == view


def test_graph_store_writes_do_not_enter_the_view(store: GraphStore, iris: Iris) -> None:
    user = NamedNode("https://example.org/user-graph")
    fact = (NamedNode("https://example.org/s"), NamedNode("https://example.org/p"), NamedNode("https://example.org/o"))
    store.store.add(Quad(*fact, user))
    assert fact not in _default(store)
    # ... and a user graph stating a page's fact does not keep it in the view when the page goes
    first = iris.source(SEED_STEMS[0] + ".txt")
    only_first = _graph(store, first) - _union(store, [g for g in _sources(store, iris) if g != first])
    s, p, o = next(iter(only_first))
    store.store.add(Quad(s, p, o, user))  # type: ignore[arg-type]
    store.remove_graph(first)
    assert (s, p, o) not in _default(store)


def test_graphs_that_are_not_view_sources_stay_out_of_the_view(store: GraphStore, iris: Iris) -> None:
    """E.g. the links graph: replaced atomically through the same API, but not merged into the default graph."""
    links = NamedNode(f"{iris.base}id/graph/links")
    fact = (NamedNode("https://example.org/s"), NamedNode("https://example.org/p"), NamedNode("https://example.org/o"))
    before = _default(store)
    store.replace_graph(links, [Quad(*fact, links)])
    assert _graph(store, links) == {fact}
    assert _default(store) == before
    store.remove_graph(links)
    assert _default(store) == before
