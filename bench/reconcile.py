"""Benchmark: a batch of 10 reconciliation queries (`/reconcile`'s own code path) on a large corpus.

    python -m bench.reconcile --papers 100000 [--seed 1] [--repeat 15] [--json OUT]
    python -m bench.reconcile --store WORKDIR/store-0   # a store loaded earlier (e.g. by `python -m bench --workdir`)

The corpus comes from `bench.generate` (the suite's generator). Pages are parsed and mapped by the loader
and written with `bulk_extend` (this benchmark measures reconciliation, not loading). Then, in one run:

- the name index build (first request after a write), and that build plus the batch on the fresh index
  (nothing cached: what the first batch after a write costs);
- the batch of 10 (typos, exact names, a title with dblp's trailing period, a homonym with a co-author
  property, an untyped name): median and p90 over `--repeat` runs, through the engine's worker pool as
  the server does it;
- the baseline: the same ten names looked up by exact `schema:name` in raw pyoxigraph (no typo tolerance,
  no scoring, no facts), the floor any reconciliation service pays.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, Store

from bench.generate import generate
from scholarkg.api.reconcile import ReconQuery, reconcile_batch
from scholarkg.api.reconcile_index import build_index
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_reference_graphs, expand_paths
from scholarkg.loader.mapping import page_quads
from scholarkg.loader.pages import parse_page, read_source
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.loader.vocab import PREFIXES
from scholarkg.queries.engine import Engine

AS_OF = dt.date(2026, 11, 23)


def corpus(directory: Path, papers: int, seed: int) -> tuple[list[Path], str]:
    generate(directory, papers, seed)
    return expand_paths([directory]), f"bench.generate --papers {papers} --seed {seed}"


def load(store: GraphStore, files: list[Path]) -> int:
    iris = Iris(DEFAULT_BASE)
    ensure_reference_graphs(store, iris)
    total = 0
    for path in files:
        source = read_source(path)
        page = parse_page(source.text, path.name, AS_OF)
        quads = page_quads(page, file_name=path.name, label=path.name, sha256=source.sha256, as_of=AS_OF, iris=iris)
        store.store.bulk_extend(quads)
        total += len(quads)
    store.flush()
    store.rebuild_view()  # the default graph (the deduplicated view every query reads) from the pages' graphs
    store.text.rebuild(store.store)  # and the full-text index from it (bulk writes bypass both)
    return total


def sample_batch(store: Store, rng: random.Random) -> dict[str, ReconQuery]:
    def values(query: str) -> list[str]:
        return [row[0].value for row in store.query(query, prefixes=dict(PREFIXES), use_default_graph_as_union=True)]  # type: ignore[index,union-attr]

    names = sorted(set(values("SELECT ?n WHERE { ?p a schema:Person ; schema:name ?n } LIMIT 5000")))
    titles = sorted(set(values("SELECT ?t WHERE { ?p a schema:ScholarlyArticle ; schema:name ?t } LIMIT 5000")))
    homonyms = values("SELECT ?n WHERE { ?p schema:name ?n ; skg:homonymNumber ?h } LIMIT 50") or names
    picked = rng.sample(names, 5)
    typo = lambda s: s[: len(s) // 2] + s[len(s) // 2 + 1 :]  # noqa: E731 - drop one letter
    batch: dict[str, Any] = {
        "q0": {"query": typo(picked[0]), "type": "person"},
        "q1": {"query": picked[1], "type": "person"},
        "q2": {"query": picked[2].upper(), "type": "person", "limit": 5},
        "q3": {"query": typo(picked[3]), "type": "person", "properties": [{"pid": "year", "v": 2023}]},
        "q4": {"query": picked[4]},
        "q5": {"query": rng.choice(titles) + ".", "type": "paper"},
        "q6": {"query": typo(rng.choice(titles)), "type": "paper"},
        "q7": {"query": rng.choice(titles).lower(), "type": "paper", "properties": [{"pid": "category", "v": "cs.LG"}]},
        "q8": {"query": rng.choice(homonyms), "type": "person", "properties": [{"pid": "coauthor", "v": picked[1]}]},
        "q9": {"query": "Machine Learning", "type": "category"},
    }
    return {key: ReconQuery.model_validate(value) for key, value in batch.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--store", type=Path, default=None, help="use this loaded store (no corpus is generated)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="scholarkg-bench-reconcile-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        if args.store is not None:
            store_path = args.store
            store = GraphStore.open(store_path)
            quads, source = len(store.store), f"the store at {store_path}"
        else:
            (root / "pages").mkdir()
            files, source = corpus(root / "pages", args.papers, args.seed)
            store_path = root / "store"
            store = GraphStore.open(store_path)
            quads = load(store, files)
        prepared = time.perf_counter() - started
        stats = store.stats()
        print(
            f"corpus: {source}: {stats['papers']} papers, {stats['persons']} persons, "
            f"{quads} quads (ready in {prepared:.0f} s)",
            file=sys.stderr,
        )
        settings = Settings(store=store_path, query_timeout=120)
        engine = Engine(settings, store)
        try:
            t0 = time.perf_counter()
            index = build_index(engine)
            build = time.perf_counter() - t0
            batch = sample_batch(store.store, rng)
            asyncio.run(reconcile_batch(engine, index, batch))  # warm the workers
            samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = asyncio.run(reconcile_batch(engine, index, batch))
                samples.append(time.perf_counter() - t0)
            cold = []  # after a write: a new index (its build) and the batch on it, nothing cached
            for _ in range(3):
                t0 = time.perf_counter()
                asyncio.run(reconcile_batch(engine, build_index(engine), batch))
                cold.append(time.perf_counter() - t0)
            raw = Store.read_only(str(engine.snapshots.current))
            lookups = [f"SELECT ?p WHERE {{ ?p schema:name {Literal(q.query or '')} }}" for q in batch.values()]
            raw_samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                for lookup in lookups:
                    list(raw.query(lookup, prefixes=dict(PREFIXES), use_default_graph_as_union=True))
                raw_samples.append(time.perf_counter() - t0)
        finally:
            engine.close()
    median = statistics.median(samples)
    p90 = sorted(samples)[max(0, round(0.9 * len(samples)) - 1)]
    raw_median = statistics.median(raw_samples)
    report = {
        "corpus": source,
        "papers": stats["papers"],
        "persons": stats["persons"],
        "quads": quads,
        "index_build_s": round(build, 2),
        "batch_of_10_ms": {"median": round(median * 1000, 1), "p90": round(p90 * 1000, 1)},
        "index_build_and_batch_after_a_write_ms": round(statistics.median(cold) * 1000, 1),
        "raw_pyoxigraph_exact_lookups_ms": round(raw_median * 1000, 1),
        "ratio": round(median / raw_median, 1) if raw_median else None,
        "candidates": {
            key: [(c["name"], c["score"], c["match"]) for c in value["result"][:2]] for key, value in result.items()
        },
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
