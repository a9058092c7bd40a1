"""Load and canned-query figures on the embedded store, Oxigraph server and Virtuoso, side by side.

    python -m bench.engines --papers 2000 [--engines oxigraph,virtuoso] [--repeat 3]

Corpus: bench/generate.py (deterministic). Per backend:
- load: every page through ScholarKG's loader (embedded: per-page transaction; remote: one Graph Store PUT
  per page), pages/s and quads/s;
- bulk: the same dataset as 4 N-Quads shards (`export --split 4`) loaded with the generated script
  (`oxigraph load` offline into a fresh store; Virtuoso `ld_dir` + `rdf_loader_run` through isql);
- canned queries (coauthors, author-papers, papers-per-year of the most prolific author; top-authors of cs.LG):
  median of `--repeat` runs through the one query chokepoint, with the embedded store's time for the ratio.
Engines come from scripts/engines.py (started in a temp dir, stopped at the end); a missing one is skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from scholarkg.loader.backend import StoreBackend
from scholarkg.loader.bulk_scripts import write_load_script
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_indexes, expand_paths, load_files
from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.shards import Manifest, export_shards
from scholarkg.loader.store import GraphStore
from scholarkg.queries.catalog import load_catalog
from scholarkg.queries.engine import Engine
from scripts.engines import EngineError, EngineServer, binary, oxigraph_binary, start_oxigraph, start_virtuoso


def _median(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _load(store: StoreBackend, files: list[Path], as_of: dt.date) -> tuple[float, int]:
    started = time.perf_counter()
    results = list(load_files(store, files, as_of=as_of, iris=Iris(DEFAULT_BASE)))
    seconds = time.perf_counter() - started
    failed = [str(r.error) for r in results if not r.ok]
    if failed:
        raise SystemExit(f"pages failed to load: {failed[:3]}")
    return seconds, sum(r.quads for r in results)


def _queries(engine: Engine, author: str, repeat: int) -> dict[str, float]:
    """Median seconds of each canned query, and its row count (`NAME rows`: must equal the embedded store's)."""
    catalog = load_catalog()
    cases = {
        "coauthors": {"author": author},
        "author-papers": {"author": author},
        "papers-per-year": {"author": author},
        "top-authors": {"category": "cs.LG"},
    }
    out: dict[str, float] = {}
    for name, params in cases.items():
        first = engine.run_stored(catalog[name], params)  # warm-up, and the rows it returns
        out[name] = _median(lambda n=name, p=params: engine.run_stored(catalog[n], p), repeat)
        out[f"{name} rows"] = first.rows
    return out


def _remote_settings(server: EngineServer) -> Settings:
    return Settings(
        store=server.store,
        remote_update_url=server.update_url,
        remote_store_url=server.store_url,
        remote_auth=server.auth,  # type: ignore[arg-type]
        remote_user=server.user or None,
        remote_password=server.password or None,
        query_timeout=120,
    )


def _start(name: str, directory: Path, root: Path) -> EngineServer:
    if name == "oxigraph":
        return start_oxigraph(directory)
    return start_virtuoso(directory, dirs_allowed=[root, root.parent], result_max_rows=100_000)  # shards: either


def _bulk(name: str, directory: Path, root: Path, shards: Path) -> tuple[EngineServer, float]:
    """A fresh engine holding the shards, loaded with the generated script; returns it and the load seconds."""
    script = write_load_script(name, shards, Manifest.read(shards))
    if name == "oxigraph":  # offline, into the folder the server then serves
        directory.mkdir(parents=True)
        started = time.perf_counter()
        subprocess.run(
            ["sh", str(script[0]), str(directory / "data")],
            env={"OXIGRAPH": str(oxigraph_binary()), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=3600,
        )
        return _start(name, directory, root), time.perf_counter() - started
    server = _start(name, directory, root)
    started = time.perf_counter()
    server.isql(script[0].read_text(), timeout=3600)
    return server, time.perf_counter() - started


def _engine_figures(
    name: str, root: Path, files: list[Path], as_of: dt.date, shards: Path, author: str, args: argparse.Namespace
) -> dict[str, object]:
    """Per-page load (all pages, or `--page-load-pages` of them into an engine of their own), bulk load of
    the shards, and the canned queries on the engine that holds the whole corpus."""
    # An even sample: pages sort by kind and owner's rank, so the first ones are the largest (the most prolific
    # authors' 1,000-entry pages).
    sample = (
        files[:: max(1, len(files) // args.page_load_pages)][: args.page_load_pages] if args.page_load_pages else files
    )
    entry: dict[str, object] = {"page_load_pages": len(sample)}
    server = _start(name, root / f"{name}-pages", root)
    try:
        store = RemoteStore.open(_remote_settings(server))
        seconds, quads = _load(store, sample, as_of)
        entry.update(load_s=seconds, quads=store.quad_count(), page_quads=quads)
        if sample is files:
            entry["queries"] = _queries(Engine(_remote_settings(server), store), author, args.repeat)
        store.close()
    finally:
        server.stop()
    print(f"{name}: per-page load of {len(sample)} pages {seconds:.1f} s", flush=True)
    server, entry["bulk_s"] = _bulk(name, root / f"{name}-bulk", root, shards)
    try:
        entry["bulk_quads"] = Manifest.read(shards).quads
        if sample is not files:
            started = time.perf_counter()
            store = RemoteStore.open(_remote_settings(server))
            ensure_indexes(store, Iris(DEFAULT_BASE))  # Oxigraph server: the view in its default graph
            entry["after_bulk_s"] = time.perf_counter() - started
            entry["queries"] = _queries(Engine(_remote_settings(server), store), author, args.repeat)
            store.close()
    finally:
        server.stop()
    print(f"{name}: bulk {entry['bulk_s']:.1f} s", flush=True)
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="a `python -m bench --workdir` folder: reuse its corpus (pages-N-S) and loaded store (store-0)",
    )
    parser.add_argument(
        "--page-load-pages",
        type=int,
        default=0,
        help="time the per-page loader on the first K pages only (0: all); queries then run on the bulk-loaded engine",
    )
    args = parser.parse_args()
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="scholarkg-bench-engines-", dir=args.workdir) as tmp:
        root = Path(tmp)
        corpus = args.workdir / f"pages-{args.papers}-{args.seed}" if args.workdir else root / "corpus"
        if args.workdir and (corpus / "corpus.json").exists():
            summary = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
        else:
            summary = generate(corpus, args.papers, args.seed)
        as_of = dt.date.fromisoformat(str(summary["as_of"]))
        who = summary["authors_for_queries"]["most_prolific"]  # type: ignore[index]
        author = Iris(DEFAULT_BASE).person(who["name"], who["homonym"]).value  # the IRI: a name may be a homonym
        files = expand_paths([corpus])
        print(f"corpus: {summary['papers']} papers, {len(files)} pages, {summary['bytes']} bytes", flush=True)

        reused = args.workdir / "store-0" if args.workdir else None
        if reused is not None and reused.exists():
            embedded = GraphStore.open(reused)
            entry: dict[str, object] = {"load_s": None, "quads": len(embedded.store)}
            print(f"embedded: the store loaded earlier in {reused}", flush=True)
        else:
            embedded = GraphStore.open(root / "embedded")
            seconds, quads = _load(embedded, files, as_of)
            entry = {"load_s": seconds, "quads": quads}
            print(f"embedded: load {seconds:.1f} s ({quads / seconds:,.0f} quads/s)", flush=True)
        engine = Engine(Settings(store=root / "embedded-engine", query_timeout=120), embedded, workers=1)
        entry["queries"] = _queries(engine, author, args.repeat)
        report["embedded"] = entry
        engine.close()
        shards = (args.workdir or root) / "shards-4"  # kept in a workdir: the export of 100k papers takes minutes
        started = time.perf_counter()
        if not (shards / "manifest.json").exists():
            export_shards(embedded, shards, 4)
        del embedded  # closes the RocksDB store
        print(
            f"embedded: {Manifest.read(shards).quads} quads exported to 4 shards in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        for name in [e for e in args.engines.split(",") if e]:
            if binary(name) is None:
                print(f"{name}: not installed, skipped")
                continue
            try:
                report[name] = _engine_figures(name, root, files, as_of, shards, author, args)
            except EngineError as error:
                print(f"{name}: could not start: {error}")

    base = {q: s for q, s in report["embedded"]["queries"].items() if not q.endswith(" rows")}  # type: ignore[union-attr]
    print(
        "\n| backend | per-page load: pages | s | quads/s | bulk shards (s) | after bulk (s) | "
        + " | ".join(base)  # type: ignore[arg-type]
        + " |"
    )
    print("|---|---|---|---|---|---|" + "---|" * len(base))  # type: ignore[arg-type]
    for name, entry in report.items():
        times = entry["queries"]  # type: ignore[assignment]
        cells = [
            f"{1000 * times[q]:.0f} ms"  # type: ignore[index]
            + ("" if name == "embedded" else f" ({times[q] / base[q]:.1f}×)")  # type: ignore[index]
            + f", {times[f'{q} rows']} rows"  # type: ignore[index]
            for q in base
        ]
        load = entry.get("load_s")
        rate = f"{float(entry.get('page_quads', entry['quads'])) / float(load):,.0f}" if load else "—"  # type: ignore[arg-type]
        print(
            f"| {name} | {entry.get('page_load_pages', '—' if load is None else len(files))} | "
            f"{'—' if load is None else f'{load:.1f}'} | {rate} | "
            f"{_fmt(entry.get('bulk_s'))} | {_fmt(entry.get('after_bulk_s'))} | " + " | ".join(cells) + " |"
        )
    if args.workdir:
        (args.workdir / f"engines-{args.papers}.json").write_text(json.dumps(report, indent=2) + "\n")


def _fmt(value: object) -> str:
    return "—" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
