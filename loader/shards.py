"""N-Quads shards for bulk loaders: gzip files that are each valid alone, in order, with a manifest.

`write_shards` takes N-Quads lines (one quad each, newline-terminated) and a sequence of shard sizes; the
manifest (`manifest.json`) lists every shard with its quad count, byte size and sha256, and the total.

The shards hold the named graphs only (the default graph is the view derived from them). For an engine that keeps
the view in a default graph of its own (Oxigraph server, `RemoteStore.keeps_view`), the view can be written as a
second shard set of default-graph lines in the subfolder `view/` (its own manifest), so that the engine is bulk
loaded with its view instead of recomputing it in one SPARQL Update (`rebuild_view`). Never for an engine whose
default graph is the union of all graphs (Virtuoso, QLever, Neptune): it would hold every fact twice.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scholarkg.loader.errors import LoaderError

MANIFEST = "manifest.json"
SHARD_PATTERN = "part-*.nq.gz"
SHARD_SUFFIX = ".nq.gz"
VIEW_DIR = "view"  # the view shards' subfolder (`export_view_shards`, `load --to-shards --for oxigraph`)


@dataclass(frozen=True)
class Shard:
    file: str
    quads: int
    bytes: int
    sha256: str


@dataclass
class Manifest:
    format: str = "application/n-quads"
    compression: str = "gzip"
    quads: int = 0
    shards: list[Shard] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                format=data["format"],
                compression=data["compression"],
                quads=int(data["quads"]),
                shards=[Shard(**item) for item in data["shards"]],
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LoaderError(f"{path}: not a shard manifest ({error})") from None


def even_sizes(total: int, count: int) -> list[int]:
    """`count` sizes summing to `total` that differ by at most one (larger ones first)."""
    if count < 1:
        raise ValueError("the number of shards must be at least 1")
    base, extra = divmod(total, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def shard_name(index: int) -> str:
    return f"part-{index:05d}{SHARD_SUFFIX}"


def prepare_directory(directory: Path) -> None:
    """Create `directory`; refuse one that already holds shards or a manifest (never mix two exports)."""
    directory.mkdir(parents=True, exist_ok=True)
    leftovers = [p.name for p in directory.glob(SHARD_PATTERN)] + (
        [MANIFEST] if (directory / MANIFEST).exists() else []
    )
    if leftovers:
        names = ", ".join(sorted(leftovers)[:3])
        raise LoaderError(f"{directory} already holds shards ({names}…): use an empty folder")


class _HashingFile:
    """A binary sink that counts and hashes the bytes written to the file under it."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class ShardWriter:
    """Writes consecutive shards into a directory and keeps the manifest; `close()` writes the manifest."""

    def __init__(self, directory: Path) -> None:
        prepare_directory(directory)
        self.directory = directory
        self.manifest = Manifest()

    def write_shard(self, lines: Iterable[bytes]) -> Shard:
        path = self.directory / shard_name(len(self.manifest.shards) + 1)
        sink = _HashingFile(path)
        count = 0
        try:
            with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0) as handle:  # type: ignore[arg-type]
                for line in lines:
                    handle.write(line)
                    count += 1
        finally:
            sink.close()
        shard = Shard(file=path.name, quads=count, bytes=sink.size, sha256=sink.digest.hexdigest())
        self.manifest.shards.append(shard)
        self.manifest.quads += count
        return shard

    def close(self) -> Manifest:
        (self.directory / MANIFEST).write_text(self.manifest.to_json(), encoding="utf-8")
        return self.manifest


def write_shards(directory: Path, lines: Iterable[bytes], sizes: Iterable[int]) -> Manifest:
    """Cut `lines` into consecutive shards, one per planned size (an empty plan entry is an empty, valid shard)."""
    writer = ShardWriter(directory)
    iterator = iter(lines)
    for size in sizes:
        writer.write_shard(itertools.islice(iterator, size))
    if next(iterator, None) is not None:
        raise ValueError("more quads than the planned shard sizes")
    return writer.close()


def quad_lines(quads: Iterable[object]) -> Iterator[bytes]:
    """N-Quads lines of pyoxigraph quads (`str(Quad)` is its canonical N-Quads form); a `Triple` (or a quad in the
    default graph) gives a default-graph line."""
    for quad in quads:
        yield f"{quad} .\n".encode()


class QuadSource(Protocol):
    def quad_count(self) -> int: ...
    def quads(self) -> Iterator[Any]: ...


class ViewSource(Protocol):
    def view_size(self) -> int: ...
    def view_triples(self) -> Iterable[Any]: ...


def export_shards(store: QuadSource, directory: Path, count: int) -> Manifest:
    """The whole dataset as `count` evenly sized shards (sizes differ by at most one quad)."""
    if count < 1:
        raise LoaderError("--split needs at least 1 shard")
    return write_shards(directory, quad_lines(store.quads()), even_sizes(store.quad_count(), count))


def export_view_shards(store: ViewSource, directory: Path, count: int) -> Manifest:
    """The default-graph view (deduplicated) as `count` evenly sized shards of default-graph lines in
    `directory / VIEW_DIR`, with their own manifest (`verify_shards` checks that folder too)."""
    if count < 1:
        raise LoaderError("--split needs at least 1 shard")
    return write_shards(directory / VIEW_DIR, quad_lines(store.view_triples()), even_sizes(store.view_size(), count))


def verify_shards(directory: Path) -> Manifest:
    """Check every shard against the manifest (size, sha256, quad count); LoaderError names the first mismatch."""
    manifest = Manifest.read(directory)
    for shard in manifest.shards:
        path = directory / shard.file
        data = path.read_bytes() if path.is_file() else b""
        if hashlib.sha256(data).hexdigest() != shard.sha256 or len(data) != shard.bytes:
            raise LoaderError(f"{path}: size or sha256 differs from {MANIFEST}")
        lines = gzip.decompress(data).count(b"\n")
        if lines != shard.quads:
            raise LoaderError(f"{path}: {lines} quads, {MANIFEST} says {shard.quads}")
    return manifest
