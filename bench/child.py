"""Measured work in a child process, so each run reports its own wall time and peak RSS.

    python -m bench.child exec -- scholarkg load pages/    # a command (peak RSS of its largest process)
    python -m bench.child bulk-load STORE FILE.nq           # raw pyoxigraph Store.bulk_load
    python -m bench.child dump STORE FORMAT OUT [prefixes]  # raw pyoxigraph Store.dump of the default graph
                                                            # (with ScholarKG's prefixes: the same bytes)
    python -m bench.child rdflib FILE.nt FORMAT OUT LIMIT   # rdflib: parse up to LIMIT triples, time serialize

Prints one JSON object: seconds (wall), cpu_s (user + system; the whole child, so it includes start-up and
for rdflib the parse), peak_rss_mb, bytes (of OUT where there is one).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: KiB


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return round(usage.ru_utime + usage.ru_stime, 3)


def main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    out: Path | None = None
    if task == "exec":
        command = args[1:] if args and args[0] == "--" else args
        started = time.perf_counter()
        done = subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.stderr.write(done.stderr.decode(errors="replace")[-4000:])
            raise SystemExit(f"command failed with exit code {done.returncode}: {' '.join(command)}")
        children = resource.RUSAGE_CHILDREN
        print(json.dumps({"seconds": seconds, "cpu_s": _cpu_s(children), "peak_rss_mb": _rss_mb(children)}))
        return
    from pyoxigraph import RdfFormat, Store

    if task == "bulk-load":
        store = Store(args[0])
        started = time.perf_counter()
        store.bulk_load(path=args[1], format=RdfFormat.from_extension(Path(args[1]).suffix.lstrip(".")))
        store.flush()
        seconds = time.perf_counter() - started
    elif task == "dump":
        store = Store.read_only(args[0])
        fmt = RdfFormat.from_extension(args[1])
        out = Path(args[2])
        prefixes = _prefixes() if args[3:] == ["prefixes"] else None
        started = time.perf_counter()
        with out.open("wb") as handle:
            store.dump(handle, fmt, from_graph=None if fmt.supports_datasets else _default_graph(), prefixes=prefixes)
        seconds = time.perf_counter() - started
    elif task == "rdflib":
        import itertools

        import rdflib

        graph = rdflib.Graph()
        limit = int(args[3])
        with Path(args[0]).open("rb") as handle:
            head = b"".join(itertools.islice(handle, limit))
        graph.parse(data=head, format="nt")
        out = Path(args[2])
        started = time.perf_counter()
        graph.serialize(destination=str(out), format={"ttl": "turtle", "nt": "nt"}[args[1]])
        seconds = time.perf_counter() - started
    else:
        raise SystemExit(f"unknown task {task!r}")
    result: dict[str, object] = {
        "seconds": seconds,
        "cpu_s": _cpu_s(resource.RUSAGE_SELF),
        "peak_rss_mb": _rss_mb(resource.RUSAGE_SELF),
    }
    if out is not None:
        result["bytes"] = out.stat().st_size
    print(json.dumps(result))


def _prefixes() -> dict[str, str]:
    from scholarkg.loader.vocab import PREFIXES

    return dict(PREFIXES)


def _default_graph() -> object:
    from pyoxigraph import DefaultGraph

    return DefaultGraph()


if __name__ == "__main__":
    main(sys.argv[1:])
