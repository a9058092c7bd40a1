"""N-Quads shards (loader/shards.py, loader/to_shards.py), engine load scripts (loader/bulk_scripts.py) and the
CLI verbs `export --split N --for ENGINE OUT_DIR` and `load --to-shards DIR`; the shards loaded into real
Oxigraph and Virtuoso with the generated scripts (for Oxigraph server, with the view shards: served afterwards)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse

from scholarkg.loader.bulk_scripts import write_load_script
from scholarkg.loader.errors import LoaderError
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_indexes
from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import Settings
from scholarkg.loader.shards import MANIFEST, VIEW_DIR, Manifest, even_sizes, verify_shards, write_shards
from scholarkg.loader.store import GraphStore
from scholarkg.queries.engine import Engine
from scripts.engines import EngineServer, oxigraph_binary, start_oxigraph
from tests.engines import canned_rows, require_engine
from tests.test_remote_store import _canonical, remote_settings

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
AS_OF = "2026-11-23"
# A base of its own, so these graphs never meet the seeds other tests load into the shared engines.
BASE = "https://example.org/shards/"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
    env |= {"COLUMNS": "200", "SCHOLARKG_BASE_IRI": BASE, "PYTHONPATH": str(REPO)}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", *map(str, args)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _shard_quads(directory: Path) -> list[Quad]:
    quads: list[Quad] = []
    for shard in json.loads((directory / MANIFEST).read_text())["shards"]:
        data = gzip.decompress((directory / shard["file"]).read_bytes())
        quads.extend(parse(data, format=RdfFormat.N_QUADS))  # each shard parses on its own
    return quads


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The seeds loaded into an on-disk store, then `export --split 3 --for virtuoso`: (store, shard dir)."""
    root = tmp_path_factory.mktemp("shards")
    store = root / "store"
    assert _cli("load", SEEDS, "--as-of", AS_OF, "--store", store).returncode == 0
    done = _cli("export", "--store", store, "--format", "nquads", "--split", "3", "--for", "virtuoso", root / "out")
    assert done.returncode == 0, done.stderr
    yield store, root / "out"


def test_export_split_writes_even_valid_shards_in_store_order(exported: tuple[Path, Path]) -> None:
    store_dir, out = exported
    manifest = json.loads((out / MANIFEST).read_text())
    graph_store = GraphStore.open(store_dir, read_only=True)
    expected = list(graph_store.quads())
    assert manifest["quads"] == len(expected) == graph_store.quad_count() > 9000
    assert [s["file"] for s in manifest["shards"]] == ["part-00001.nq.gz", "part-00002.nq.gz", "part-00003.nq.gz"]
    sizes = [s["quads"] for s in manifest["shards"]]
    assert sum(sizes) == len(expected) and max(sizes) - min(sizes) <= 1
    for shard in manifest["shards"]:
        data = (out / shard["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard["sha256"] and len(data) == shard["bytes"]
    assert _shard_quads(out) == expected  # in order, nothing lost or repeated
    assert verify_shards(out).quads == len(expected)


def test_export_split_refuses_bad_combinations(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store_dir, out = exported
    again = _cli("export", "--store", store_dir, "--format", "nquads", "--split", "2", out)
    assert again.returncode == 1 and "already holds shards" in again.stderr
    turtle = _cli("export", "--store", store_dir, "--format", "turtle", "--split", "2", tmp_path / "t")
    assert turtle.returncode == 2 and "--format nquads" in turtle.stderr
    engine = _cli("export", "--store", store_dir, "--format", "nquads", "--split", "2", "--for", "x", tmp_path / "e")
    assert engine.returncode == 2 and "virtuoso, oxigraph, qlever, neptune" in engine.stderr
    no_dir = _cli("export", "--store", store_dir, "--format", "nquads", "--split", "2")
    assert no_dir.returncode == 2 and "OUT_DIR" in no_dir.stderr
    assert not (tmp_path / "t").exists() and not (tmp_path / "e").exists()


def test_load_to_shards_equals_the_store_export(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store_dir, _ = exported
    bad = tmp_path / "pages"
    bad.mkdir()
    (bad / "broken.txt").write_text("not a page\n")
    target = tmp_path / "direct"
    done = _cli(
        "load", SEEDS, bad, "--as-of", AS_OF, "--to-shards", target, "--shard-quads", "4000", "--jobs", "2",
        "--for", "qlever",
    )  # fmt: skip
    assert done.returncode == 1 and "broken.txt" in done.stderr and "1 of 6 page(s) failed" in done.stderr
    manifest = json.loads((target / MANIFEST).read_text())
    assert [s["quads"] for s in manifest["shards"]][:-1] == [4000] * (len(manifest["shards"]) - 1)
    # the co-author index is derived by ScholarKG's loader, not written by --to-shards
    index = NamedNode(f"{BASE}id/graph/coauthors")
    expected = {q for q in GraphStore.open(store_dir, read_only=True).quads() if q.graph_name != index}
    direct = Store()  # the store writes literals canonically ("1.50" → "1.5"); the pages' shards keep them as printed
    direct.extend(_shard_quads(target))
    assert set(direct) == expected and len(_shard_quads(target)) == len(expected)
    qleverfile = (target / "Qleverfile").read_text()
    assert "FORMAT = nq" in qleverfile and '"for-each": "part-*.nq.gz"' in qleverfile


def test_every_engine_gets_its_load_script(exported: tuple[Path, Path], tmp_path: Path) -> None:
    store_dir, _ = exported
    out = tmp_path / "all"
    assert (
        _cli("export", "--store", store_dir, "--format", "nquads", "--split", "1", "--for", "neptune", out).returncode
        == 0
    )
    request = json.loads((out / "neptune-loader.json").read_text())
    assert request["format"] == "nquads" and request["failOnError"] == "TRUE"
    script = (out / "load-neptune.sh").read_text()
    assert "--include 'part-*.nq.gz'" in script and "/loader" in script and os.access(out / "load-neptune.sh", os.X_OK)


def _default_graph(store: Store) -> set[Quad]:
    return set(store.quads_for_pattern(None, None, None, DefaultGraph()))


def _run_oxigraph_script(directory: Path, location: Path) -> None:
    env = _env() | {"OXIGRAPH": str(oxigraph_binary())}
    done = subprocess.run(
        ["sh", str(directory / "load-oxigraph.sh"), str(location)], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


# A few canned queries over the view (names, co-author index rows, categories), compared row for row.
CANNED = {
    "author-papers": {"author": "Alexander Liu"},
    "coauthors": {"author": "Tianlong Chen"},
    "papers-per-year": {"author": "Tianlong Chen"},
    "top-authors": {"category": "cs.LG"},
}


def test_oxigraph_server_starts_with_its_view_from_the_view_shards(
    exported: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--for oxigraph` also writes the view (the default graph) as shards in view/; the script loads both, so the
    server opened as a remote store has its view: no `rebuild_view`, and the same answers as the embedded store."""
    require_engine("oxigraph")
    store_dir, _ = exported
    out = tmp_path / "ox"
    done = _cli("export", "--store", store_dir, "--format", "nquads", "--split", "4", "--for", "oxigraph", out)
    assert done.returncode == 0, done.stderr
    embedded = GraphStore.open(store_dir, read_only=True)
    view = _default_graph(embedded.store)
    assert len(view) == embedded.view_size() > 9000
    # The main shards are the named graphs, as for every engine; the view shards hold the default graph only.
    assert _shard_quads(out) == list(embedded.quads()) and verify_shards(out).quads == embedded.quad_count()
    assert verify_shards(out / VIEW_DIR).quads == len(view) and len(verify_shards(out / VIEW_DIR).shards) == 4
    assert set(_shard_quads(out / VIEW_DIR)) == view
    script = (out / "load-oxigraph.sh").read_text()
    assert '--file "$here/part-00004.nq.gz"' in script and '--file "$here/view/part-00004.nq.gz"' in script
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    _run_oxigraph_script(out, server_dir / "data")  # where start_oxigraph serves from
    loaded = Store.read_only(str(server_dir / "data"))
    assert _default_graph(loaded) == view
    assert len(loaded) == embedded.quad_count() + len(view)
    del loaded
    server = start_oxigraph(server_dir)
    try:
        settings = remote_settings(server, base_iri=BASE)
        remote = RemoteStore.open(settings)
        assert remote.keeps_view and remote.view_missing() is False

        def no_rebuild(self: RemoteStore) -> None:
            raise AssertionError("rebuild_view called although the view was bulk loaded")

        monkeypatch.setattr(RemoteStore, "rebuild_view", no_rebuild)
        ensure_indexes(remote, Iris(BASE))
        assert _canonical(remote.view_triples()) == view
        local = Engine(Settings(store=store_dir, base_iri=BASE, query_timeout=30), embedded, workers=1, read_only=True)
        try:
            expected = canned_rows(local, CANNED)
        finally:
            local.close()
        assert sum(len(rows) for rows in expected.values()) > 20  # not a comparison of empty results
        assert canned_rows(Engine(settings, remote, workers=1), CANNED) == expected
        remote.close()
    finally:
        server.stop()


def test_load_to_shards_for_oxigraph_writes_the_embedded_view(exported: tuple[Path, Path], tmp_path: Path) -> None:
    """Without a store, the view shards are each view source's triples (pages, ontology, taxonomy) as default-graph
    lines; loaded with the generated script they collapse to exactly the embedded store's default graph."""
    require_engine("oxigraph")
    store_dir, _ = exported
    target = tmp_path / "direct"
    done = _cli("load", SEEDS, "--as-of", AS_OF, "--to-shards", target, "--shard-quads", "5000", "--for", "oxigraph")
    assert done.returncode == 0, done.stderr
    embedded = GraphStore.open(store_dir, read_only=True)
    view = _default_graph(embedded.store)
    manifest = verify_shards(target / VIEW_DIR)
    assert manifest.quads > len(view)  # a fact stated by several pages is written once per page
    assert {q.graph_name for q in _shard_quads(target / VIEW_DIR)} == {DefaultGraph()}
    location = tmp_path / "oxigraph-store"
    _run_oxigraph_script(target, location)
    loaded = Store.read_only(str(location))
    assert _default_graph(loaded) == view
    index = NamedNode(f"{BASE}id/graph/coauthors")  # derived by ScholarKG's loader, not written by --to-shards
    assert set(loaded) - _default_graph(loaded) == {q for q in embedded.quads() if q.graph_name != index}


def test_only_oxigraph_gets_the_view_shards(exported: tuple[Path, Path], tmp_path: Path) -> None:
    """Virtuoso's (QLever's, Neptune's) default graph is the union of all graphs: the view must never be loaded."""
    _, out = exported  # exported --for virtuoso
    assert not (out / VIEW_DIR).exists()
    script = (out / "load-virtuoso.sql").read_text()
    assert f"{VIEW_DIR}/" not in script and "ld_dir_all" not in script  # and ld_dir does not descend into view/
    with pytest.raises(ValueError, match="Oxigraph server only"):
        write_load_script("virtuoso", tmp_path, Manifest(), view=Manifest())
    qlever = _cli("load", SEEDS, "--as-of", AS_OF, "--to-shards", tmp_path / "q", "--for", "qlever")
    assert qlever.returncode == 0, qlever.stderr
    assert not (tmp_path / "q" / VIEW_DIR).exists()
    plain = _cli("load", SEEDS, "--as-of", AS_OF, "--to-shards", tmp_path / "plain")
    assert plain.returncode == 0 and not (tmp_path / "plain" / VIEW_DIR).exists()


def _virtuoso_count(server: EngineServer, graphs: set[str]) -> int:
    values = " ".join(f"<{g}>" for g in sorted(graphs))
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    response = httpx.post(
        server.query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_virtuoso_loads_the_shards_with_the_generated_script(
    exported: tuple[Path, Path], virtuoso_server: EngineServer
) -> None:
    _, out = exported
    quads = _shard_quads(out)
    graphs = {q.graph_name.value for q in quads}  # type: ignore[union-attr]
    script = (out / "load-virtuoso.sql").read_text()
    assert f"ld_dir('{out.resolve()}', 'part-*.nq.gz'" in script
    try:
        report = virtuoso_server.isql(script)
        assert "part-0000" not in report  # the load_list query lists no failed shard
        count = _virtuoso_count(virtuoso_server, graphs)
        assert count == len(quads) == json.loads((out / MANIFEST).read_text())["quads"]
    finally:  # the server is shared with the other engine tests: leave it as it was
        virtuoso_server.isql(
            "".join(f"SPARQL CLEAR GRAPH <{g}>;\n" for g in sorted(graphs)) + "DELETE FROM DB.DBA.load_list;\n"
        )


@settings(max_examples=60, deadline=None)
@given(total=st.integers(0, 10_000), count=st.integers(1, 64))
def test_even_sizes_sum_and_differ_by_at_most_one(total: int, count: int) -> None:
    sizes = even_sizes(total, count)
    assert len(sizes) == count and sum(sizes) == total and max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)


@settings(max_examples=25, deadline=None)
@given(lines=st.lists(st.integers(0, 10**6), max_size=60), count=st.integers(1, 7))
def test_write_shards_keeps_every_line_in_order(
    tmp_path_factory: pytest.TempPathFactory, lines: list[int], count: int
) -> None:
    directory = tmp_path_factory.mktemp("prop")
    data = [f'<http://e.org/{n}> <http://e.org/p> "{n}" <http://e.org/g> .\n'.encode() for n in lines]
    manifest = write_shards(directory, data, even_sizes(len(data), count))
    assert len(manifest.shards) == count and manifest.quads == len(data)
    joined = b"".join(gzip.decompress((directory / s.file).read_bytes()) for s in manifest.shards)
    assert joined == b"".join(data)


def test_verify_shards_names_a_tampered_shard(tmp_path: Path) -> None:
    line = b'<http://e.org/a> <http://e.org/p> "x" <http://e.org/g> .\n'
    write_shards(tmp_path, [line] * 5, [3, 2])
    (tmp_path / "part-00002.nq.gz").write_bytes(gzip.compress(line))
    with pytest.raises(LoaderError, match=r"part-00002\.nq\.gz: size or sha256 differs"):
        verify_shards(tmp_path)
