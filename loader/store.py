"""The on-disk Oxigraph store: one named graph per source page, replaced atomically."""

from __future__ import annotations

import errno
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
    serialize,
)

from scholarkg.loader.errors import LoaderError
from scholarkg.loader.vocab import PREFIXES, sparql_prefixes


class StoreInUseError(LoaderError):
    """Another process holds the RocksDB lock of this store."""


class UnknownSourceError(LoaderError):
    """A source named by the user is not in the store."""


@dataclass(frozen=True)
class SourceInfo:
    graph: str
    file_name: str
    page_format: str
    sha256: str
    retrieved_on: str
    entries: int
    triples: int


def _lock_holder(path: Path) -> str:
    """Best effort: the PID holding `path`'s RocksDB LOCK file (via /proc), or ''."""
    lock = (path / "LOCK").resolve()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                if fd.resolve() == lock:
                    return proc.name
        except OSError:
            continue
    return ""


def open_store(path: Path, *, read_only: bool = False) -> Store:
    """Open (creating if needed) the store at `path`, with a clear error if another process holds it."""
    if read_only:
        return Store.read_only(str(path))
    path.mkdir(parents=True, exist_ok=True)
    try:
        return Store(str(path))
    except OSError as error:
        text = str(error)
        if "lock" in text.lower() or getattr(error, "errno", None) in (errno.EAGAIN, errno.EACCES):
            pid = _lock_holder(path)
            who = f"process {pid}" if pid else "another process"
            raise StoreInUseError(
                f"store {path} is in use by {who} (one process at a time: stop it, or go through "
                f"the running server: `scholarkg load --server URL`, /sparql, /export)"
            ) from None
        raise


def _insert_data(graph: NamedNode, quads: Iterable[Quad]) -> str:
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}"


class DatasetQueries:
    """What every store backend (embedded `GraphStore`, `RemoteStore`) derives from `select` and the counts."""

    def select(self, query: str, **bindings: NamedNode | Literal) -> list[dict[str, object]]:
        raise NotImplementedError

    def quad_count(self) -> int:
        raise NotImplementedError

    def graph_count(self) -> int:
        raise NotImplementedError

    def sources(self) -> list[SourceInfo]:
        rows = self.select(
            """SELECT ?g ?file ?format ?sha ?date ?entries (COUNT(*) AS ?triples) WHERE {
                 GRAPH ?g { ?g a skg:SourcePage ; skg:fileName ?file ; skg:pageFormat ?format ;
                              skg:sha256 ?sha ; skg:retrievedOn ?date ; skg:entryCount ?entries .
                            ?s ?p ?o } }
               GROUP BY ?g ?file ?format ?sha ?date ?entries ORDER BY ?file"""
        )
        return [
            SourceInfo(
                graph=_value(r["g"]),
                file_name=_value(r["file"]),
                page_format=_value(r["format"]),
                sha256=_value(r["sha"]),
                retrieved_on=_value(r["date"]),
                entries=int(_value(r["entries"])),
                triples=int(_value(r["triples"])),
            )
            for r in rows
        ]

    def find_source(self, name: str) -> SourceInfo:
        """A source by graph IRI, file name or file stem."""
        for info in self.sources():
            if name in (info.graph, info.file_name, info.graph.rpartition("/")[2]):
                return info
        raise UnknownSourceError(f"no source {name!r} in the store (see `scholarkg sources`)")

    def count(self, query: str) -> int:
        rows = self.select(query)
        return int(_value(rows[0]["n"])) if rows else 0

    def stats(self) -> dict[str, int]:
        counts = {
            "sources": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a skg:SourcePage }",
            "papers": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:ScholarlyArticle }",
            "persons": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:Person }",
            "organizations": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:Organization }",
            "venues": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a skg:VenueEdition }",
            "categories used": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?p schema:about ?c }",
            "authorships": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a skg:Authorship }",
        }
        result = {name: self.count(q) for name, q in counts.items()}
        result["quads"] = self.quad_count()
        result["graphs"] = self.graph_count()
        return result



class GraphStore(DatasetQueries):
    """ScholarKG's view of an Oxigraph store (the embedded backend; `loader/remote.py` is the other)."""

    kind = "embedded"

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> GraphStore:
        return cls(open_store(path, read_only=read_only))

    @classmethod
    def in_memory(cls) -> GraphStore:
        return cls(Store())

    # -- writing -------------------------------------------------------------------------------
    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> None:
        """Replace the whole content of `graph` by `quads` in one transaction (all or nothing)."""
        quads = list(quads)
        if any(q.graph_name != graph for q in quads):
            raise ValueError(f"every quad must be in graph {graph}")
        self.store.update(_insert_data(graph, quads))

    def remove_graph(self, graph: NamedNode) -> None:
        self.store.update(f"DROP GRAPH {graph}")

    def flush(self) -> None:
        self.store.flush()

    # -- reading -------------------------------------------------------------------------------
    def select(self, query: str, **bindings: NamedNode | Literal) -> list[dict[str, object]]:
        """Run a SELECT over the union of all graphs; rows as {variable: term}."""
        results = self.store.query(
            sparql_prefixes() + query,
            use_default_graph_as_union=True,
            substitutions={Variable(k): v for k, v in bindings.items()},
        )
        assert isinstance(results, QuerySolutions)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names} for row in results]

    # -- export --------------------------------------------------------------------------------
    def quad_count(self) -> int:
        """Quads in the whole dataset (every graph, the default graph included)."""
        return len(self.store)

    def quads(self) -> Iterator[Quad]:
        """Every quad of the dataset, in the store's stable order."""
        return self.store.quads_for_pattern(None, None, None, None)

    def graph_count(self) -> int:
        return sum(1 for _ in self.store.named_graphs())

    def contains_graph(self, graph: NamedNode) -> bool:
        return self.store.contains_named_graph(graph)

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        return [q.triple for q in self.store.quads_for_pattern(None, None, None, graph)]

    def health(self) -> dict[str, object]:
        return {"backend": self.kind}

    def export(self, output: IO[bytes], rdf_format: RdfFormat, graph: NamedNode | None = None) -> None:
        """Stream the dataset (or one graph) to `output`.

        Formats with named graphs (N-Quads, TriG, JSON-LD) keep every graph; triple formats get the union
        of all graphs (or the one `graph`).
        """
        prefixes = dict(PREFIXES)
        if graph is not None:
            if not self.store.contains_named_graph(graph):
                raise UnknownSourceError(f"no graph {graph} in the store")
            if rdf_format.supports_datasets:
                quads: Iterator[Quad] = self.store.quads_for_pattern(None, None, None, graph)
                serialize(quads, output, rdf_format, prefixes=prefixes)
            else:
                self.store.dump(output, rdf_format, from_graph=graph, prefixes=prefixes)
        elif rdf_format.supports_datasets:
            self.store.dump(output, rdf_format, prefixes=prefixes)
        else:
            triples = self.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
            serialize(triples, output, rdf_format, prefixes=prefixes)


def _value(term: object) -> str:
    return term.value if hasattr(term, "value") else str(term)  # type: ignore[no-any-return]
