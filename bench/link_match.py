"""Benchmark: `link match` on a generated dump of ~200 MB, in bounded memory. Prints peak RSS and rate.

    python -m bench.link_match [--size-mb 200] [--format dblp|openalex] [--gzip]

Generates a dump in the real format (dblp RDF N-Triples with author signatures, or OpenAlex works JSON Lines)
of synthetic publications, with the records of `tests/data/links/` (which match the seed papers) spread
through it, then matches it against the seeds in a child process and reports the child's peak RSS (from
`getrusage(RUSAGE_CHILDREN)`), the time, MB/s and records/s, and the links found. Bounded memory means
the peak RSS stays flat as the dump grows: compare `--size-mb 50` with `--size-mb 200`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "links"
DBLP = "https://dblp.org/rdf/schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
WORDS = [
    "efficient",
    "scalable",
    "robust",
    "sparse",
    "neural",
    "learning",
    "graph",
    "attention",
    "quantization",
    "diffusion",
    "models",
    "language",
    "vision",
    "retrieval",
    "training",
    "inference",
    "adaptive",
    "federated",
    "causal",
    "contrastive",
    "structured",
    "optimization",
]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))).capitalize() + "."


def _dblp_record(rng: random.Random, index: int) -> str:
    rec = f"<https://dblp.org/rec/conf/synth/P{index}>"
    lines = [
        f"{rec} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DBLP}Publication> .",
        f'{rec} <{DBLP}title> "{_title(rng)}" .',
        f'{rec} <{DBLP}yearOfPublication> "{rng.randint(1990, 2025)}"^^<{XSD}gYear> .',
        f"{rec} <{DBLP}doi> <https://doi.org/10.{rng.randint(1000, 9999)}/SYNTH.{index}> .",
    ]
    for ordinal in range(1, rng.randint(2, 8)):
        sig = f"_:s{index}x{ordinal}"
        pid = f"<https://dblp.org/pid/{rng.randint(10, 399)}/{rng.randint(1, 99999)}>"
        lines += [
            f"{rec} <{DBLP}hasSignature> {sig} .",
            f"{sig} <{DBLP}signaturePublication> {rec} .",
            f'{sig} <{DBLP}signatureDblpName> "Author {rng.randint(1, 10**6)}" .',
            f"{sig} <{DBLP}signatureCreator> {pid} .",
            f'{sig} <{DBLP}signatureOrdinal> "{ordinal}"^^<{XSD}int> .',
        ]
    return "\n".join(lines) + "\n"


def _openalex_record(rng: random.Random, index: int) -> str:
    return (
        json.dumps(
            {
                "id": f"https://openalex.org/W{9_000_000_000 + index}",
                "doi": f"https://doi.org/10.{rng.randint(1000, 9999)}/synth.{index}",
                "title": _title(rng).rstrip("."),
                "display_name": _title(rng).rstrip("."),
                "publication_year": rng.randint(1990, 2025),
                "ids": {"openalex": f"https://openalex.org/W{9_000_000_000 + index}"},
                "authorships": [
                    {
                        "author_position": "middle",
                        "author": {"id": f"https://openalex.org/A{rng.randint(10**9, 10**10)}", "display_name": "X Y"},
                        "institutions": [],
                        "raw_author_name": f"Author {rng.randint(1, 10**6)}",
                    }
                    for _ in range(rng.randint(1, 7))
                ],
            }
        )
        + "\n"
    )


def _sample_chunks(dump_format: str) -> list[str]:
    if dump_format == "openalex":
        return [line + "\n" for line in (SAMPLES / "openalex-works.jsonl").read_text().splitlines() if line]
    from pyoxigraph import RdfFormat, parse, serialize

    triples = [q.triple for q in parse(path=SAMPLES / "dblp-sample.ttl", format=RdfFormat.TURTLE)]
    text = serialize(triples, format=RdfFormat.N_TRIPLES)
    assert text is not None
    return [text.decode("utf-8")]  # one block: the sample's publications stay next to their signatures


def _open_text(path: Path, compress: bool) -> IO[str]:
    return gzip.open(path, "wt", encoding="utf-8") if compress else path.open("w", encoding="utf-8")


def generate(path: Path, size_mb: int, dump_format: str, compress: bool, seed: int = 7) -> int:
    """Write ~`size_mb` MB of synthetic records with the sample records spread through; returns the count."""
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    samples = _sample_chunks(dump_format)
    make = _openalex_record if dump_format == "openalex" else _dblp_record
    written, index, block, positions = 0, 0, 0, set[int]()
    with _open_text(path, compress) as handle:
        while written < target:
            chunk = "".join(make(rng, index + i) for i in range(200))
            if block == 0:  # place the samples at random blocks of the expected total
                expected = max(len(samples) + 1, target // len(chunk) + 1)
                positions = set(rng.sample(range(1, expected), len(samples)))
            index += 200
            handle.write(chunk)
            written += len(chunk)
            block += 1
            if block in positions and samples:
                text = samples.pop(0)
                handle.write(text)
                written += len(text)
        for text in samples:
            handle.write(text)
    return index


BASELINES = {"openalex": "json.loads per line", "dblp": "pyoxigraph.parse"}
CHILD = """
import json, resource, sys, time, datetime as dt
from pathlib import Path
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore
from scholarkg.linking.local import read_local
from scholarkg.linking.match import match_dump
from scholarkg.seeds import seed_files
store = GraphStore.in_memory()
list(load_files(store, seed_files(), as_of=dt.date(2026, 11, 23), iris=Iris(DEFAULT_BASE)))
local = read_local(store)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu = time.perf_counter(), time.process_time()
result = match_dump(Path(sys.argv[1]), local, DEFAULT_BASE)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
from pyoxigraph import RdfFormat, parse
from scholarkg.linking.dumps import open_dump
raw_start, raw_cpu = time.perf_counter(), time.process_time()
with open_dump(Path(sys.argv[1])) as handle:
    if result.format == "openalex":
        raw_items = sum(1 for line in handle if json.loads(line))
    else:
        raw_items = sum(1 for _ in parse(handle, RdfFormat.N_TRIPLES, lenient=True))
raw, raw_cpu = time.perf_counter() - raw_start, time.process_time() - raw_cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "raw_seconds": raw, "raw_cpu": raw_cpu,
                  "raw_items": raw_items, "records": result.records, "links": len(result.links),
                  "accepted": sum(1 for l in result.links if l.status == "accepted"),
                  "papers": result.papers, "persons": result.persons, "rss_before_kb": before}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--format", dest="dump_format", choices=("dblp", "openalex"), default="dblp")
    parser.add_argument("--gzip", action="store_true", help="write and read the dump gzip-compressed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        suffix = ".nt" if args.dump_format == "dblp" else ".jsonl"
        path = Path(folder) / f"synthetic-{args.dump_format}{suffix}{'.gz' if args.gzip else ''}"
        start = time.perf_counter()
        records = generate(path, args.size_mb, args.dump_format, args.gzip)
        size = path.stat().st_size
        print(
            f"generated {path.name}: {size / 1e6:.1f} MB on disk, {records:,} synthetic records "
            f"in {time.perf_counter() - start:.1f} s"
        )
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        stats = json.loads(out.stdout.strip().splitlines()[-1])
    seconds = stats["seconds"]
    print(
        f"match: {seconds:.1f} s wall ({stats['cpu']:.1f} s CPU), {size / 1e6 / seconds:.1f} MB/s (on disk), "
        f"{stats['records'] / seconds:,.0f} "
        f"records/s; {stats['papers']} papers and {stats['persons']} persons matched, {stats['links']} links "
        f"({stats['accepted']} accepted)"
    )
    print(
        f"baseline, one raw pass in the same process ({BASELINES[args.dump_format]}, {stats['raw_items']:,} items): "
        f"{stats['raw_seconds']:.1f} s wall ({stats['raw_cpu']:.1f} s CPU); match / raw pass, CPU = "
        f"{stats['cpu'] / max(stats['raw_cpu'], 1e-9):.2f} (the match makes two passes and hashes the file)"
    )
    print(
        f"peak RSS of the matching process: {peak_kb / 1024:.0f} MiB "
        f"(of which {stats['rss_before_kb'] / 1024:.0f} MiB before matching: Python, pyoxigraph, the seeds)"
    )


if __name__ == "__main__":
    main()
