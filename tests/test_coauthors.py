"""The co-author index (loader/coauthors.py) equals a from-scratch count after every load, reload and remove."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

from scholarkg.loader import batch_load, coauthors
from scholarkg.loader.coauthors import coauthor_graph
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import LoadResult, remove_source
from scholarkg.loader.store import GraphStore

LoadPages = Callable[..., list[LoadResult]]
PROFILE = "000_e49c997fbe9f6f5b.txt"
SKG = "https://w3id.org/scholarkg/ontology#"
AUTHOR = NamedNode("http://schema.org/author")
ABOUT = NamedNode("http://schema.org/about")
BROADER = NamedNode("http://www.w3.org/2004/02/skos/core#broader")


def _objects(store: GraphStore, s: object, p: NamedNode) -> list[object]:
    return [q.object for q in store.store.quads_for_pattern(s, p, None, DefaultGraph())]  # type: ignore[arg-type]


def _expected(store: GraphStore) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """Pairs and per-concept counts recomputed in Python from the default graph."""
    authors: dict[object, set[str]] = {}
    for q in store.store.quads_for_pattern(None, AUTHOR, None, DefaultGraph()):
        authors.setdefault(q.subject, set()).add(q.object.value)  # type: ignore[union-attr]
    pairs: Counter[tuple[str, str]] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for paper, names in authors.items():
        pairs.update((x, y) for x in names for y in names if x != y)
        concepts: set[str] = set()
        todo = list(_objects(store, paper, ABOUT))
        while todo:
            concept = todo.pop()
            if concept.value not in concepts:  # type: ignore[attr-defined]
                concepts.add(concept.value)  # type: ignore[attr-defined]
                todo.extend(_objects(store, concept, BROADER))
        counts.update((x, c) for x in names for c in concepts)
    return pairs, counts


def _index(store: GraphStore, iris: Iris) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    graph = coauthor_graph(iris)

    def rows(kind: str, a: str, b: str, n: str) -> Counter[tuple[str, str]]:
        out: Counter[tuple[str, str]] = Counter()
        for q in store.store.quads_for_pattern(None, None, NamedNode(SKG + kind), graph):
            [x] = [t.object.value for t in store.store.quads_for_pattern(q.subject, NamedNode(SKG + a), None, graph)]
            [y] = [t.object.value for t in store.store.quads_for_pattern(q.subject, NamedNode(SKG + b), None, graph)]
            [k] = [t.object.value for t in store.store.quads_for_pattern(q.subject, NamedNode(SKG + n), None, graph)]
            assert (x, y) not in out
            out[(x, y)] = int(k)
        return out

    return (
        rows("CoauthorPair", "pairAuthor", "pairCoauthor", "jointPapers"),
        rows("AuthorCategoryCount", "countedAuthor", "countedCategory", "categoryPapers"),
    )


def _assert_exact(store: GraphStore, iris: Iris) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    index = _index(store, iris)
    assert index == _expected(store)
    edges = store.store.quads_for_pattern(None, NamedNode(SKG + "coauthor"), None, coauthor_graph(iris))
    assert {(q.subject.value, q.object.value) for q in edges} == set(index[0])  # type: ignore[union-attr]
    return index


@pytest.fixture
def store(tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages) -> GraphStore:
    s = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_pages(s, seed_paths))
    return s


def test_index_after_loading_the_seeds(store: GraphStore, iris: Iris) -> None:
    pairs, counts = _assert_exact(store, iris)
    tianlong = iris.person("Tianlong Chen").value
    zhenyu = iris.person("Zhenyu Zhang").value
    assert pairs[(tianlong, zhenyu)] == pairs[(zhenyu, tianlong)] == 9  # symmetric (coauthors.rq's top row)
    assert sum(1 for x, _ in pairs if x == tianlong) == 72
    assert len(pairs) > 500 and all(n >= 1 for n in pairs.values())
    lg = iris.category("cs.LG")
    [archive] = _objects(store, lg, BROADER)  # cs.LG → the cs archive: counts include narrower concepts
    assert counts[(tianlong, archive.value)] > counts[(tianlong, lg.value)] > 0  # type: ignore[attr-defined]


def test_index_after_remove_and_reload(
    tmp_path: Path, store: GraphStore, seeds_dir: Path, load_pages: LoadPages, iris: Iris
) -> None:
    before = _assert_exact(store, iris)
    remove_source(store, iris.source(PROFILE), iris)
    after_remove = _assert_exact(store, iris)
    assert after_remove != before
    lines = (seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[11:18]  # drop the Monarch entry (Tri Dao, Beidi Chen, … et al.)
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"  # the count line must agree with the entries (loader/record_checks.py)
    modified = tmp_path / "v2" / PROFILE
    modified.parent.mkdir()
    modified.write_text("".join(lines), encoding="utf-8")
    assert load_pages(store, [modified])[0].ok
    _assert_exact(store, iris)
    assert load_pages(store, [seeds_dir / PROFILE])[0].ok
    assert _assert_exact(store, iris) == before


def test_index_is_rebuilt_for_a_store_without_it(
    store: GraphStore, iris: Iris, seed_paths: tuple[Path, ...], load_pages: LoadPages
) -> None:
    before = _assert_exact(store, iris)
    store.store.update(f"DROP GRAPH {coauthor_graph(iris)}")
    assert _index(store, iris) != before
    assert all(r.ok for r in load_pages(store, seed_paths[:1]))  # any load notices the missing index
    assert _assert_exact(store, iris) == before


def test_a_rebuild_streams_in_bounded_memory_and_stays_exact(
    store: GraphStore, iris: Iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rebuild` reads one person's papers at a time; with a paper cache of one entry (emptied at every person) the
    rows are still the from-scratch count."""
    before = _assert_exact(store, iris)
    monkeypatch.setattr(coauthors, "PAPER_CACHE", 1)
    coauthors.rebuild(store.store, iris)
    assert _assert_exact(store, iris) == before


class _Interleaved:
    """A store whose `schema:author` scan is not grouped by person (the in-memory store's order)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def quads_for_pattern(self, s: object, p: object, o: object, g: object = None) -> list[Quad]:
        quads = list(self.store.quads_for_pattern(s, p, o, g))  # type: ignore[arg-type]
        return sorted(quads, key=lambda q: q.subject.value) if (s, p, o) == (None, AUTHOR, None) else quads  # type: ignore[union-attr]


def test_a_rebuild_is_exact_whatever_order_the_author_scan_has(
    store: GraphStore, iris: Iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted by paper, a person's `schema:author` triples come apart: each person is still counted once, whole."""
    on_disk = list(coauthors.all_rows(store.store, iris))
    monkeypatch.setattr(coauthors, "PAPER_CACHE", 0)
    interleaved = list(coauthors.all_rows(_Interleaved(store.store), iris))  # type: ignore[arg-type]
    assert len(interleaved) == len(set(interleaved)) == len(on_disk) > 1000
    assert set(interleaved) == set(on_disk)
    memory = Store()
    memory.extend(store.store.quads_for_pattern(None, None, None, DefaultGraph()))
    assert set(coauthors.all_rows(memory, iris)) == set(on_disk)


def _drop_edges(store: GraphStore, iris: Iris) -> None:
    """Make the index one from before the `skg:coauthor` edges (pair rows only)."""
    store.store.update(f"DELETE WHERE {{ GRAPH {coauthor_graph(iris)} {{ ?x <{SKG}coauthor> ?y }} }}")


def _closed_store_without_edges(
    path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages, iris: Iris
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """A store at `path` with the seeds and an index from before the edges, closed; returns the exact index."""
    store = GraphStore.open(path)
    assert all(r.ok for r in load_pages(store, seed_paths))
    before = _assert_exact(store, iris)
    _drop_edges(store, iris)
    store.flush()
    del store
    return before


def test_an_index_from_before_the_coauthor_edges_is_rebuilt(
    store: GraphStore, iris: Iris, seed_paths: tuple[Path, ...], load_pages: LoadPages
) -> None:
    before = _assert_exact(store, iris)
    assert coauthors.outdated_index(store.store) is None  # the index has its edges: settled by one lookup
    _drop_edges(store, iris)
    assert coauthors.index_missing(store.store, iris)
    outdated = coauthors.outdated_index(store.store)
    assert outdated is not None and outdated.base == iris.base
    assert all(r.ok for r in load_pages(store, seed_paths[:1]))  # any load notices the index without edges
    assert not coauthors.index_missing(store.store, iris)
    assert _assert_exact(store, iris) == before


def test_opening_a_store_with_an_index_from_before_the_edges_rebuilds_it(
    tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages, iris: Iris
) -> None:
    before = _closed_store_without_edges(tmp_path / "old", seed_paths, load_pages, iris)
    reopened = GraphStore.open(tmp_path / "old")  # e.g. `scholarkg serve` on it, with SCHOLARKG_LOAD_SEEDS=false
    assert _assert_exact(reopened, iris) == before
    assert coauthors.outdated_index(reopened.store) is None


def test_a_crash_while_upgrading_the_index_is_repaired_on_the_next_open(
    tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages, iris: Iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upgrade runs under the batch marker: cut short after a partial index, the next open rebuilds it whole."""
    before = _closed_store_without_edges(tmp_path / "old", seed_paths, load_pages, iris)

    def partial(raw: Store, iris: Iris) -> None:  # some rows and edges written, then the process dies
        rows = itertools.islice(coauthors.all_rows(raw, iris), 50)
        raw.bulk_load(input="\n".join(rows).encode(), format=RdfFormat.TURTLE, to_graph=coauthor_graph(iris))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_load, "rebuild_coauthors", partial)
    with pytest.raises(KeyboardInterrupt):
        GraphStore.open(tmp_path / "old")
    monkeypatch.undo()
    reopened = GraphStore.open(tmp_path / "old")
    assert _assert_exact(reopened, iris) == before
