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
from scholarkg.loader.load import expand_paths, load_files
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
    catalog = load_catalog()
    cases = {
        "coauthors": {"author": author},
        "author-papers": {"author": author},
        "papers-per-year": {"author": author},
        "top-authors": {"category": "cs.LG"},
    }
    out = {}
    for name, params in cases.items():
        engine.run_stored(catalog[name], params)  # warm-up (and a check that it runs)
        out[name] = _median(lambda n=name, p=params: engine.run_stored(catalog[n], p), repeat)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="scholarkg-bench-engines-") as tmp:
        root = Path(tmp)
        summary = generate(root / "corpus", args.papers, args.seed)
        as_of = dt.date.fromisoformat(str(summary["as_of"]))
        author = summary["authors_for_queries"]["most_prolific"]["name"]  # type: ignore[index]
        files = expand_paths([root / "corpus"])
        print(f"corpus: {summary['papers']} papers, {len(files)} pages, {summary['bytes']} bytes", flush=True)

        embedded = GraphStore.open(root / "embedded")
        seconds, quads = _load(embedded, files, as_of)
        engine = Engine(Settings(store=root / "embedded-engine", query_timeout=120), embedded, workers=1)
        report["embedded"] = {"load_s": seconds, "quads": quads, "queries": _queries(engine, author, args.repeat)}
        engine.close()
        shards = root / "shards"
        export_shards(embedded, shards, 4)
        print(f"embedded: load {seconds:.1f} s ({quads / seconds:,.0f} quads/s)", flush=True)

        for name in [e for e in args.engines.split(",") if e]:
            if binary(name) is None:
                print(f"{name}: not installed, skipped")
                continue
            try:
                server = (
                    start_oxigraph(root / name)
                    if name == "oxigraph"
                    else start_virtuoso(root / name, dirs_allowed=[root], result_max_rows=100_000)
                )
            except EngineError as error:
                print(f"{name}: could not start: {error}")
                continue
            try:
                store = RemoteStore.open(_remote_settings(server))
                seconds, quads = _load(store, files, as_of)
                remote_engine = Engine(_remote_settings(server), store)
                entry: dict[str, object] = {
                    "load_s": seconds,
                    "quads": store.quad_count(),
                    "queries": _queries(remote_engine, author, args.repeat),
                }
                manifest = json.loads((shards / "manifest.json").read_text())
                if name == "virtuoso":
                    script = write_load_script("virtuoso", shards, Manifest.read(shards))
                    started = time.perf_counter()
                    server.isql(script[0].read_text(), timeout=3600)
                    entry["bulk_s"] = time.perf_counter() - started
                else:
                    script = write_load_script("oxigraph", shards, Manifest.read(shards))
                    started = time.perf_counter()
                    subprocess.run(
                        ["sh", str(script[0]), str(root / "oxigraph-bulk")],
                        env={"OXIGRAPH": str(oxigraph_binary()), "PATH": "/usr/bin:/bin"},
                        check=True,
                        capture_output=True,
                        timeout=3600,
                    )
                    entry["bulk_s"] = time.perf_counter() - started
                entry["bulk_quads"] = manifest["quads"]
                report[name] = entry
                store.close()
                print(f"{name}: load {seconds:.1f} s, bulk {entry['bulk_s']:.1f} s", flush=True)
            finally:
                server.stop()

    base = report["embedded"]["queries"]  # type: ignore[index]
    print("\n| backend | load (s) | quads/s | bulk shards (s) | " + " | ".join(base) + " |")  # type: ignore[arg-type]
    print("|---|---|---|---|" + "---|" * len(base))  # type: ignore[arg-type]
    for name, entry in report.items():
        times = entry["queries"]  # type: ignore[assignment]
        cells = [
            f"{1000 * times[q]:.0f} ms" + ("" if name == "embedded" else f" ({times[q] / base[q]:.1f}×)")  # type: ignore[index]
            for q in base  # type: ignore[union-attr]
        ]
        bulk = f"{entry['bulk_s']:.1f}" if "bulk_s" in entry else "—"
        quads_per_s = float(entry["quads"]) / float(entry["load_s"])  # type: ignore[arg-type]
        print(f"| {name} | {entry['load_s']:.1f} | {quads_per_s:,.0f} | {bulk} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
