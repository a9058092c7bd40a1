"""The index step of a batched load (loader.batch_load.finish_indexes): the co-author index and the full-text index
are brought up to date once, after the last batch, and equal a from-scratch rebuild — on a first load, on a load
that reloads pages already in the store, with a failed page among the others, incrementally (row by row) and whole.
A crash before that step leaves the marker, and the next open rebuilds both."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Quad

from scholarkg.loader import batch_load
from scholarkg.loader.batch_load import load_pages, prepared_pages
from scholarkg.loader.coauthors import coauthor_graph, rebuild
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_reference_graphs, load_files, load_source
from scholarkg.loader.pages import read_source
from scholarkg.loader.store import BATCH_MARKER, GraphStore
from scholarkg.loader.text_index import TextIndex

AS_OF = dt.date(2026, 11, 23)


def _index(store: GraphStore, iris: Iris) -> set[Quad]:
    return set(store.store.quads_for_pattern(None, None, None, coauthor_graph(iris)))


def _text_rows(text: TextIndex) -> list[tuple[str, str, str]]:
    return sorted(text._db.execute("SELECT iri, kind, text FROM entities").fetchall())


def _assert_like_a_rebuild(store: GraphStore, iris: Iris) -> None:
    """The indexes as the load left them equal what a from-scratch rebuild of both gives."""
    index = _index(store, iris)
    rows = _text_rows(store.text)
    assert index and rows
    fresh = TextIndex()
    fresh.rebuild(store.store)
    assert _text_rows(fresh) == rows
    rebuild(store.store, iris)
    assert _index(store, iris) == index
    assert not store.store.contains_named_graph(BATCH_MARKER)


def _per_page(path: Path, files: list[Path], iris: Iris) -> GraphStore:
    """The reference: each page in its own transaction, its index rows in the same update (`load_source`)."""
    store = GraphStore.open(path)
    ensure_reference_graphs(store, iris)
    for file in files:
        assert load_source(store, read_source(file), label=str(file), as_of=AS_OF, iris=iris).ok
    return store


@pytest.fixture(params=["incremental", "whole"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The index step row by row (few affected persons and entities) or whole (past the thresholds)."""
    if request.param == "whole":
        monkeypatch.setattr(batch_load, "INCREMENTAL_PERSONS", 0)
        monkeypatch.setattr(batch_load, "INCREMENTAL_NAMED", 0)
    else:
        monkeypatch.setattr(batch_load, "INCREMENTAL_PERSONS", 10**9)
        monkeypatch.setattr(batch_load, "INCREMENTAL_NAMED", 10**9)
    return str(request.param)


def test_a_first_load_in_many_batches_builds_the_indexes_once(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    whole = batch_load.rebuild_coauthors

    def counted(*args: object, **kwargs: object) -> None:
        calls.append("rebuild")
        whole(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_load, "rebuild_coauthors", counted)
    store = GraphStore.open(tmp_path / "store")
    ensure_reference_graphs(store, iris)
    pages = prepared_pages(list(seed_paths), as_of=AS_OF, base=iris.base, page_format=None, jobs=1)
    counters = batch_load.LoadCounters()
    assert all(p.error is None for p in load_pages(store, pages, iris, batch_quads=1, counters=counters))
    assert counters.batches == len(seed_paths) and calls == ["rebuild"]  # an empty index: built whole, once
    _assert_like_a_rebuild(store, iris)


def test_a_reload_in_many_batches_leaves_the_indexes_as_a_rebuild(
    tmp_path: Path, seed_paths: tuple[Path, ...], seeds_dir: Path, iris: Iris, mode: str
) -> None:
    """Pages already in the store (one of them changed, dropping a paper) reloaded among new ones, a page per batch,
    and a failed page in the middle of the load."""
    store = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_files(store, list(seed_paths[:3]), as_of=AS_OF, iris=iris, jobs=1))
    profile = seed_paths[0].name
    lines = (seeds_dir / profile).read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[11:18]  # drop the Monarch entry (Tri Dao, Beidi Chen, … et al.)
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"
    changed = tmp_path / "v2" / profile
    changed.parent.mkdir()
    changed.write_text("".join(lines), encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a page\n", encoding="utf-8")
    files = [changed, seed_paths[1], bad, seed_paths[3], seed_paths[4]]
    before = _index(store, iris)
    pages = prepared_pages(files, as_of=AS_OF, base=iris.base, page_format=None, jobs=1)
    done = list(load_pages(store, pages, iris, batch_quads=1))
    assert [p.error is None for p in done] == [True, True, False, True, True]
    assert _index(store, iris) != before
    _assert_like_a_rebuild(store, iris)
    # and the same as per-page transactions of the same pages
    expected = _per_page(tmp_path / "per-page", [changed, *seed_paths[1:]], iris)
    assert _index(store, iris) == _index(expected, iris)
    assert set(store.store) == set(expected.store)
    assert _text_rows(store.text) == _text_rows(expected.text)


def test_reloading_every_page_unchanged_moves_nothing(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris, mode: str
) -> None:
    again = tmp_path / "again"
    again.mkdir()
    for path in seed_paths:
        shutil.copy(path, again / path.name)
    store = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_files(store, list(seed_paths), as_of=AS_OF, iris=iris, jobs=1))
    everything, rows = set(store.store), _text_rows(store.text)
    pages = prepared_pages(sorted(again.iterdir()), as_of=AS_OF, base=iris.base, page_format=None, jobs=1)
    assert all(p.error is None for p in load_pages(store, pages, iris, batch_quads=1))
    assert set(store.store) == everything
    assert _text_rows(store.text) == rows


@pytest.mark.parametrize("step", ["coauthors", "text"])
def test_a_crash_in_the_index_step_keeps_the_pages_and_the_next_open_rebuilds_the_indexes(
    tmp_path: Path, seed_paths: tuple[Path, ...], iris: Iris, monkeypatch: pytest.MonkeyPatch, mode: str, step: str
) -> None:
    path = tmp_path / "store"
    store = GraphStore.open(path)
    assert all(r.ok for r in load_files(store, list(seed_paths[:2]), as_of=AS_OF, iris=iris, jobs=1))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    if step == "coauthors":  # before any co-author row is written (row by row, or whole)
        monkeypatch.setattr(batch_load, "index_rows", crash)
        monkeypatch.setattr(batch_load, "rebuild_coauthors", crash)
    else:  # after the co-author rows, before the full-text rows
        monkeypatch.setattr(GraphStore, "refresh_text", crash)
        monkeypatch.setattr(GraphStore, "rebuild_text", crash)
    pages = prepared_pages(list(seed_paths[1:]), as_of=AS_OF, base=iris.base, page_format=None, jobs=1)
    with pytest.raises(RuntimeError, match="power cut"):
        list(load_pages(store, pages, iris, batch_quads=1))
    assert store.store.contains_named_graph(BATCH_MARKER)  # every batch is written, the indexes are not
    monkeypatch.undo()
    store.text.close()
    del store

    reopened = GraphStore.open(path)
    assert not reopened.store.contains_named_graph(BATCH_MARKER)
    for kept in seed_paths:  # the batches were whole: every page stays
        assert reopened.store.contains_named_graph(iris.source(kept.name))
    expected = _per_page(tmp_path / "per-page", list(seed_paths), iris)
    assert set(reopened.store) == set(expected.store)
    assert _text_rows(reopened.text) == _text_rows(expected.text)
