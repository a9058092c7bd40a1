"""Oxigraph server after a bulk load of shards: the view loaded from view shards vs. rebuilt by SPARQL Update.

    scholarkg export --store STORE --format nquads --split 4 --for oxigraph SHARDS
    python -m bench.view_shards SHARDS WORKDIR

Two fresh Oxigraph stores in WORKDIR (which must not exist yet), each then served on 127.0.0.1 and opened by
ScholarKG as a remote store (`ensure_indexes`, what `scholarkg serve`/`load` do first):
- with view: the generated `load-oxigraph.sh` (shards + `view/` shards), then `ensure_indexes` (no rebuild);
- without: `oxigraph load` of the shards only (the script as it was), then `ensure_indexes`, which finds the
  view missing and runs `rebuild_view` (one SPARQL Update transaction over the whole data).
Prints seconds per step, the server's peak RSS (VmHWM) and the view sizes (they must be equal).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

from scholarkg.loader.identity import Iris
from scholarkg.loader.load import ensure_indexes
from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.shards import VIEW_DIR, Manifest
from scripts.engines import EngineServer, oxigraph_binary, start_oxigraph


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _settings(server: EngineServer) -> Settings:
    return Settings(
        store=server.store,  # type: ignore[arg-type]
        remote_update_url=server.update_url,
        remote_store_url=server.store_url,
        query_timeout=120,
    )


def _case(name: str, command: list[str], directory: Path) -> dict[str, float]:
    directory.mkdir(parents=True)
    started = time.perf_counter()
    env = {"OXIGRAPH": str(oxigraph_binary()), "PATH": "/usr/bin:/bin"}
    subprocess.run([*command, str(directory / "data")], env=env, check=True, capture_output=True, timeout=7200)
    figures = {"oxigraph_load_s": time.perf_counter() - started}
    server = start_oxigraph(directory)
    try:
        store = RemoteStore.open(_settings(server))
        figures["view_missing"] = float(store.view_missing())
        started = time.perf_counter()
        ensure_indexes(store, Iris(DEFAULT_BASE))
        figures["ensure_indexes_s"] = time.perf_counter() - started
        figures["view_triples"] = store.view_size()
        figures["server_peak_rss_mb"] = _peak_rss_mb(server.pid)
        store.close()
    finally:
        server.stop()
    figures["total_s"] = figures["oxigraph_load_s"] + figures["ensure_indexes_s"]
    print(name, json.dumps(figures), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shards", type=Path, help="an `export --split N --for oxigraph` folder (with view/)")
    parser.add_argument("workdir", type=Path, help="a new folder for the two Oxigraph stores")
    args = parser.parse_args()
    shards = args.shards.resolve()
    manifest = Manifest.read(shards)
    view = Manifest.read(shards / VIEW_DIR)
    tool = str(oxigraph_binary())
    args.workdir.mkdir(parents=True)
    print(f"{manifest.quads} quads in {len(manifest.shards)} shards, view {view.quads} triples", flush=True)
    with_view = _case("with view shards", ["sh", str(shards / "load-oxigraph.sh")], args.workdir / "with-view")
    files = [arg for shard in manifest.shards for arg in ("--file", str(shards / shard.file))]
    without = _case("rebuild_view", [tool, "load", *files, "--location"], args.workdir / "rebuild")
    if with_view["view_triples"] != without["view_triples"]:
        raise SystemExit("the two views differ in size")


if __name__ == "__main__":
    main()
