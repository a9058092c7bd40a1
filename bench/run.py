"""Benchmarks: ScholarKG's paths against the raw pyoxigraph baseline. Prints numbers and ratios.

    python bench/run.py [--copies 40]

Workload: the five seed pages, plus `copies` synthetic variants of each (titles and names suffixed so they
are distinct papers/persons), loaded into a fresh on-disk store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.pages import parse_page
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.engine import Engine
from scholarkg.seeds import seed_files

AS_OF = dt.date(2026, 11, 23)
QUERY = """SELECT ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:author ?person . ?person schema:name ?name } GROUP BY ?name ORDER BY DESC(?papers) LIMIT 20"""


def synthesize(directory: Path, copies: int) -> list[Path]:
    files: list[Path] = []
    for seed in seed_files():
        files.append(directory / seed.name)
        files[-1].write_bytes(seed.read_bytes())
        text = seed.read_text(encoding="utf-8")
        page = parse_page(text, seed.name, AS_OF)
        titles = [entry.title for entry in page.entries]
        for n in range(copies):
            variant_text = text
            # Distinct papers (titles suffixed) and page owners; co-author names stay shared, as in real data.
            for title in titles:
                variant_text = variant_text.replace(f"\n{title}\n", f"\n{title} v{n}\n", 1)
            if page.owner is not None:
                variant_text = variant_text.replace(f"\n{page.owner.printed}\n", f"\n{page.owner.printed} V{n}\n", 1)
                if variant_text.startswith(page.owner.printed + "\n"):
                    variant_text = f"{page.owner.printed} V{n}" + variant_text[len(page.owner.printed) :]
            variant = directory / f"{seed.stem}_copy{n:03d}.txt"
            variant.write_text(variant_text, encoding="utf-8")
            files.append(variant)
    return files


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pages = root / "pages"
        pages.mkdir()
        files = synthesize(pages, args.copies)
        size = sum(f.stat().st_size for f in files)

        store_path = root / "store"
        graph_store = GraphStore.open(store_path)
        results: list[object] = []
        load_s = timed(lambda: results.extend(load_files(graph_store, files, as_of=AS_OF, iris=Iris(DEFAULT_BASE))))
        failed = [r for r in results if not r.ok]  # type: ignore[attr-defined]
        quads = len(graph_store.store)
        nquads = graph_store.store.dump(format=RdfFormat.N_QUADS)
        assert isinstance(nquads, bytes)

        raw_bulk = Store(str(root / "raw-bulk"))
        bulk_s = timed(lambda: raw_bulk.bulk_load(nquads, RdfFormat.N_QUADS))
        raw_tx = Store(str(root / "raw-tx"))
        tx_s = timed(lambda: raw_tx.load(nquads, RdfFormat.N_QUADS))
        reload_s = timed(lambda: list(load_files(graph_store, files[:5], as_of=AS_OF, iris=Iris(DEFAULT_BASE))))

        print(f"workload: {len(files)} pages ({len(failed)} failed), {size / 1e6:.1f} MB text, {quads} quads")
        print(f"load   scholarkg parse+map+replace  {load_s:8.3f} s  {quads / load_s:10.0f} quads/s")
        print(
            f"load   raw pyoxigraph bulk_load     {bulk_s:8.3f} s  {quads / bulk_s:10.0f} quads/s"
            f"  ratio {load_s / bulk_s:5.2f}x"
        )
        print(
            f"load   raw pyoxigraph load (tx)     {tx_s:8.3f} s  {quads / tx_s:10.0f} quads/s"
            f"  ratio {load_s / tx_s:5.2f}x"
        )
        print(f"reload 5 seed pages (replace)       {reload_s:8.3f} s")

        raw_q = timed(
            lambda: list(
                raw_bulk.query("PREFIX schema: <http://schema.org/>\n" + QUERY, use_default_graph_as_union=True)
            ),
            repeat=5,
        )
        settings = Settings(store=store_path, query_workers=1, max_rows=100_000)
        engine = Engine(settings, graph_store, workers=1)
        try:
            engine.query(engine.request(QUERY))  # warm the worker (opens the snapshot)
            ours_q = timed(lambda: engine.query(engine.request(QUERY)), repeat=5)
            small = "SELECT ?n WHERE { ?p schema:name ?n } LIMIT 1"
            raw_small = timed(
                lambda: list(
                    raw_bulk.query("PREFIX schema: <http://schema.org/>\n" + small, use_default_graph_as_union=True)
                ),
                repeat=20,
            )
            ours_small = timed(lambda: engine.query(engine.request(small)), repeat=20)
        finally:
            engine.close()
        print(f"query  co-author ranking, raw       {raw_q * 1e3:8.1f} ms")
        print(
            f"query  co-author ranking, engine    {ours_q * 1e3:8.1f} ms  ratio {ours_q / raw_q:5.2f}x"
            " (worker process + SPARQL JSON)"
        )
        print(f"query  1-row lookup, raw            {raw_small * 1e3:8.2f} ms")
        print(
            f"query  1-row lookup, engine         {ours_small * 1e3:8.2f} ms"
            f"  overhead {1e3 * (ours_small - raw_small):.2f} ms"
        )

        raw_dump = timed(lambda: raw_bulk.dump(io.BytesIO(), RdfFormat.N_QUADS))
        ours_dump = timed(lambda: graph_store.export(io.BytesIO(), RdfFormat.N_QUADS))
        ours_ttl = timed(lambda: graph_store.export(io.BytesIO(), RdfFormat.TURTLE))
        print(f"export N-Quads raw dump             {raw_dump:8.3f} s")
        print(f"export N-Quads scholarkg            {ours_dump:8.3f} s  ratio {ours_dump / raw_dump:5.2f}x")
        print(
            f"export Turtle (union) scholarkg     {ours_ttl:8.3f} s  ratio {ours_ttl / raw_dump:5.2f}x vs raw N-Quads"
        )


if __name__ == "__main__":
    main()
