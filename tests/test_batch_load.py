"""The batched loader (loader.batch_load): pages parsed in worker processes, written in bulk batches, with the same
store as loading each page in its own transaction, and a batch cut short by a crash repaired on the next open."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Quad

from scholarkg.loader import batch_load
from scholarkg.loader.batch_load import load_pages, prepare_page, prepared_pages
from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_reference_graphs, load_files, load_source, remove_source
from scholarkg.loader.pages import read_source
from scholarkg.loader.store import BATCH_MARKER, GraphStore

AS_OF = dt.date(2026, 11, 23)


def _everything(store: GraphStore) -> set[Quad]:
    """Every quad: page graphs, reference graphs, the default-graph view and the co-author index."""
    return set(store.store)


def _text_rows(store: GraphStore) -> list[tuple[str, str, str]]:
    return sorted(store.text._db.execute("SELECT iri, kind, text FROM entities").fetchall())


def _per_page(tmp_path: Path, files: list[Path], iris: Iris) -> GraphStore:
    """The reference: each page in its own transaction, index in the same update (`load_source`)."""
    store = GraphStore.open(tmp_path / "per-page")
    ensure_reference_graphs(store, iris)
    for path in files:
        assert load_source(store, read_source(path), label=str(path), as_of=AS_OF, iris=iris).ok
    return store


@pytest.mark.parametrize("batch_quads", [1, 3_000, 10**9])
def test_batches_give_the_same_store_as_one_transaction_per_page(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris, batch_quads: int
) -> None:
    files = list(seed_paths)
    expected = _per_page(tmp_path, files, iris)
    store = GraphStore.open(tmp_path / "batched")
    ensure_reference_graphs(store, iris)
    pages = prepared_pages(files, as_of=AS_OF, base=iris.base, page_format=None, jobs=1)
    done = list(load_pages(store, pages, iris, batch_quads=batch_quads))
    assert [p.label for p in done] == [str(f) for f in files]
    assert _everything(store) == _everything(expected)
    assert _text_rows(store) == _text_rows(expected)
    assert not store.store.contains_named_graph(BATCH_MARKER)


def test_reloads_and_removes_in_batches_match_per_page_transactions(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris
) -> None:
    """A batch that replaces existing pages, or reloads a removed one, keeps the view, the co-author index and
    the text index exactly as per-page transactions do."""
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in seed_paths[:2]:
        shutil.copy(path, changed / path.name)
    expected = _per_page(tmp_path, list(seed_paths), iris)
    store = GraphStore.open(tmp_path / "batched")
    assert all(r.ok for r in load_files(store, list(seed_paths), as_of=AS_OF, iris=iris, jobs=1))
    # the same two pages again, unchanged: nothing moves
    assert all(r.ok for r in load_files(store, sorted(changed.iterdir()), as_of=AS_OF, iris=iris, jobs=1))
    assert _everything(store) == _everything(expected)
    # remove page 000 in both, then reload it through a batch in `store` and per page in `expected`
    graph = iris.source(seed_paths[0].name)
    remove_source(store, graph, iris)
    remove_source(expected, graph, iris)
    assert _everything(store) == _everything(expected)
    assert all(r.ok for r in load_files(store, [seed_paths[0]], as_of=AS_OF, iris=iris, jobs=1))
    assert load_source(expected, read_source(seed_paths[0]), label="x", as_of=AS_OF, iris=iris).ok
    assert _everything(store) == _everything(expected)
    assert _text_rows(store) == _text_rows(expected)


def test_worker_processes_give_the_same_pages(tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris) -> None:
    # ten pages (each seed twice, from two folders: the same graph again starts a new batch and replaces it)
    again = tmp_path / "again"
    again.mkdir()
    for path in seed_paths:
        shutil.copy(path, again / path.name)
    files = [*seed_paths, *sorted(again.iterdir())]
    assert len(files) >= batch_load.POOL_MIN_PAGES
    in_process = list(prepared_pages(files, as_of=AS_OF, base=iris.base, page_format=None, jobs=1))
    workers = list(prepared_pages(files, as_of=AS_OF, base=iris.base, page_format=None, jobs=2))
    assert [(p.graph, p.nquads, p.view, p.papers, p.named) for p in workers] == [
        (p.graph, p.nquads, p.view, p.papers, p.named) for p in in_process
    ]
    store = GraphStore.open(tmp_path / "store")
    results = list(load_files(store, files, as_of=AS_OF, iris=iris, jobs=2))
    assert [r.label for r in results] == [str(f) for f in files] and all(r.ok for r in results)
    assert _everything(store) == _everything(_per_page(tmp_path, list(seed_paths), iris))


def test_a_failing_page_is_reported_and_the_others_load(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a page\n", encoding="utf-8")
    prepared = prepare_page(bad, AS_OF, iris.base, None)
    assert isinstance(prepared.error, PageError) and prepared.nquads == b""
    again = pickle.loads(pickle.dumps(prepared.error))  # it crosses the process boundary
    assert type(again) is type(prepared.error) and str(again) == str(prepared.error)
    store = GraphStore.open(tmp_path / "store")
    results = list(load_files(store, [seed_paths[0], bad, seed_paths[1]], as_of=AS_OF, iris=iris, jobs=1))
    assert [r.ok for r in results] == [True, False, True]
    assert str(results[1].error).startswith(f"{bad}")
    assert not store.store.contains_named_graph(iris.source("bad.txt"))
    assert _everything(store) == _everything(_per_page(tmp_path, list(seed_paths[:2]), iris))


def test_a_batch_cut_short_is_dropped_whole_on_the_next_open(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    store = GraphStore.open(path)
    assert all(r.ok for r in load_files(store, list(seed_paths[:2]), as_of=AS_OF, iris=iris, jobs=1))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    # the crash comes after the batch's quads are bulk-loaded, before the batch is marked whole: a reload of
    # page 001 and the new pages 002-004 are half-done (a crash in the index step after the batches:
    # tests/test_batch_index.py)
    monkeypatch.setattr(batch_load, "_unmark", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        list(load_files(store, list(seed_paths[1:]), as_of=AS_OF, iris=iris, jobs=1))
    assert store.store.contains_named_graph(BATCH_MARKER)
    assert store.store.contains_named_graph(iris.source(seed_paths[3].name))
    monkeypatch.undo()
    store.text.close()
    del store

    reopened = GraphStore.open(path)
    assert not reopened.store.contains_named_graph(BATCH_MARKER)
    for dropped in seed_paths[1:]:  # the whole batch, the reloaded page's old version too
        assert not reopened.store.contains_named_graph(iris.source(dropped.name))
    expected = _per_page(tmp_path, [seed_paths[0]], iris)
    assert _everything(reopened) == _everything(expected)
    assert _text_rows(reopened) == _text_rows(expected)
    # and loading the batch again gives the store of an uninterrupted load
    assert all(r.ok for r in load_files(reopened, list(seed_paths[1:]), as_of=AS_OF, iris=iris, jobs=1))
    full = _per_page(tmp_path / "full", list(seed_paths), iris)
    assert _everything(reopened) == _everything(full)
