"""The on-disk Oxigraph store: one named graph per source page, replaced atomically, and the default graph as
their deduplicated union (the view every query reads).

Data model of the store:

- each source page is a named graph `{base}id/source/{stem}` holding exactly what that page states (with
  `<graph> a skg:SourcePage`); the ontology and the arXiv taxonomy have one named graph each (typed
  `owl:Ontology`, `skos:ConceptScheme` inside themselves). These self-typed graphs are the *view sources*;
- the store's **default graph is the distinct union of the view sources**. Every `replace_graph` /
  `remove_graph` maintains it in the same SPARQL Update (one transaction) as the graph change: the new
  triples are added, and an old triple is deleted only when no other view source states it;
- other graphs written through this class (the links graph, derived indexes) are replaced atomically too but
  are not view sources: their triples stay in their own graph.

Writes that do not go through this class (SPARQL Update, Graph Store Protocol) act on the graphs they name
only: a triple they put in a named graph does not enter the view, and one they put in (or delete from) the
default graph changes the view directly, until the next load or remove of a page stating it. The full-text index
follows those writes too (`GraphStore.text_write`, with `queries/update_effects.py`).
"""

from __future__ import annotations

import errno
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from scholarkg.loader.errors import LoaderError
from scholarkg.loader.text_index import KINDS, NAME, RDF_TYPE, TextEffect, TextIndex, named_subjects
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


def text_index_path(path: Path) -> Path:
    """Where the full-text index of the store at `path` lives (beside it)."""
    return Path(f"{path}.search.sqlite")


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


_SKG = "https://w3id.org/scholarkg/ontology#"
# A named graph is a view source when it types itself as one of these (inside itself).
VIEW_SOURCE_KINDS = (
    f"<{_SKG}SourcePage>",
    "<http://www.w3.org/2004/02/skos/core#ConceptScheme>",
    "<http://www.w3.org/2002/07/owl#Ontology>",
    "<http://rdfs.org/ns/void#Linkset>",  # the links graph (`linking.store`): accepted links are facts too
)
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# Present only while a batched load runs (`loader.batch_load`): names the graphs of the batch being written and
# stays until the load's index step is done, so that a crash inside the load is repaired on the next open for writing.
BATCH_MARKER = NamedNode("urn:scholarkg:batch")


def unview_operation(graph: NamedNode) -> str:
    """Delete from the default graph the triples of `graph` that no other view source states.

    Shaped for Oxigraph's planner: the other graphs stating a triple are found by index lookup (s p o bound),
    then each is checked for being a view source (?h bound); a pattern `?h a ?kind` with ?h free would be
    evaluated per view source instead."""
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {graph})\n"
        f"    FILTER EXISTS {{ GRAPH ?h {{ ?h {_RDF_TYPE} ?kind }} FILTER(?kind IN ({', '.join(VIEW_SOURCE_KINDS)})) }}"
        " } }"
    )


def replace_operations(graph: NamedNode, quads: Iterable[Quad]) -> list[str]:
    """The SPARQL Update operations that replace `graph` by `quads` and keep the default-graph view exact."""
    quads = list(quads)
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    operations = [
        unview_operation(graph),
        f"DROP SILENT GRAPH {graph}",
        f"INSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}",
    ]
    if is_view_source(graph, quads):
        operations.append(f"ADD SILENT {graph} TO DEFAULT")
    return operations


def is_view_source(graph: NamedNode, quads: Iterable[Quad]) -> bool:
    """Whether a graph with these quads feeds the default-graph view (it types itself as a view source)."""
    return any(
        q.subject == graph and str(q.predicate) == _RDF_TYPE and str(q.object) in VIEW_SOURCE_KINDS for q in quads
    )


def remove_operations(graph: NamedNode) -> list[str]:
    return [unview_operation(graph), f"DROP GRAPH {graph}"]


REBUILD_VIEW = (
    f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?h {{ ?h {_RDF_TYPE} ?kind }}"
    f" VALUES ?kind {{ {' '.join(VIEW_SOURCE_KINDS)} }} GRAPH ?h {{ ?s ?p ?o }} }}"
)


class DatasetQueries:
    """What every store backend (embedded `GraphStore`, `RemoteStore`) derives from `select` and the counts."""

    def select(self, query: str) -> list[dict[str, object]]:
        raise NotImplementedError

    def view_triples(self) -> Iterable[Triple]:
        """Every fact that queries see once: the pages, ontology and taxonomy, deduplicated."""
        raise NotImplementedError

    def view_size(self) -> int:
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
                graph=term_value(r["g"]),
                file_name=term_value(r["file"]),
                page_format=term_value(r["format"]),
                sha256=term_value(r["sha"]),
                retrieved_on=term_value(r["date"]),
                entries=int(term_value(r["entries"])),
                triples=int(term_value(r["triples"])),
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
        return int(term_value(rows[0]["n"])) if rows else 0

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
        result["view triples"] = self.view_size()
        result["graphs"] = self.graph_count()
        return result


class GraphStore(DatasetQueries):
    """ScholarKG's view of an Oxigraph store and of the full-text index beside it (`loader.text_index`): the embedded
    backend (`loader/remote.py` is the other)."""

    kind = "embedded"

    def __init__(self, store: Store, text_index_path: Path | None = None, *, read_only: bool = False) -> None:
        self.store = store
        self._text_path = text_index_path
        self._read_only = read_only
        self._text: TextIndex | None = None

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> GraphStore:
        store = cls(open_store(path, read_only=read_only), text_index_path(path), read_only=read_only)
        if not read_only and store.store.contains_named_graph(BATCH_MARKER):
            from scholarkg.loader.batch_load import recover_batch  # (imports this module)

            recover_batch(store)  # a batch of pages was cut short by a crash
        if not read_only and store.view_missing():
            store.rebuild_view()  # a store written before the default graph became the deduplicated view
        if not read_only:
            from scholarkg.loader.batch_load import upgrade_coauthor_index  # (imports this module)

            upgrade_coauthor_index(store)  # an index from before the skg:coauthor edges
        return store

    @classmethod
    def in_memory(cls) -> GraphStore:
        return cls(Store())

    @property
    def text(self) -> TextIndex:
        """The full-text index (opened on first use; built from the store when new or empty)."""
        if self._text is None:
            path = self._text_path
            if path is not None and self._read_only and not path.exists():
                path = None  # nothing to read: build one in memory
            text = TextIndex(path, read_only=self._read_only and path is not None)
            if len(text) == 0 and not (self._read_only and path is not None):
                text.rebuild(self.store)
            self._text = text
        return self._text

    # -- writing -------------------------------------------------------------------------------
    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad], *, also: Iterable[str] = ()) -> None:
        """Replace the whole content of `graph` by `quads` and update the default-graph view, in one transaction
        (all or nothing). `also`: further update operations (derived indexes) run in that same transaction.
        Then the full-text rows of the entities the graph names (before or after) are rewritten."""
        quads = list(quads)
        if any(q.graph_name != graph for q in quads):
            raise ValueError(f"every quad must be in graph {graph}")
        named = self.named_in(graph) | named_subjects(quads)
        self.store.update(" ;\n".join([*replace_operations(graph, quads), *also]))
        self.refresh_text(named)

    def remove_graph(self, graph: NamedNode, *, also: Iterable[str] = ()) -> None:
        """Drop `graph`; its triples leave the view unless another view source states them (one transaction)."""
        named = self.named_in(graph)
        self.store.update(" ;\n".join([*remove_operations(graph), *also]))
        self.refresh_text(named)

    def named_in(self, graph: NamedNode) -> set[NamedNode]:
        return named_subjects(self.store.quads_for_pattern(None, NAME, None, graph))

    def refresh_text(self, named: set[NamedNode]) -> None:
        if self._text_kept():
            self.text.refresh(self.store, named)

    @contextmanager
    def text_write(self, effect: TextEffect) -> Iterator[None]:
        """Keep the full-text index with a write the store does not make itself (SPARQL Update, Graph Store
        Protocol), run inside this block: afterwards the rows of `effect.subjects` are rewritten; for a write that
        may change any row (`effect.everything`), the view's names and kind types are read before and after and
        the rows of the subjects whose facts differ are rewritten (exact: a row depends on nothing else). Nothing
        happens when the write fails (a failed update changes nothing)."""
        if effect.none or (self._text is None and self._text_path is None):
            yield  # no index yet: it is built from the store on first use
            return
        before = self.text_facts() if effect.everything else None
        yield
        changed = set(effect.subjects)
        if before is not None:
            changed.update(NamedNode(fact[0]) for fact in before ^ self.text_facts())
        self.refresh_text(changed)

    def text_facts(self) -> set[tuple[str, str]]:
        """What the full-text rows are computed from: (IRI, name) and (IRI, kind) pairs of the view."""
        facts = {
            (q.subject.value, "name " + q.object.value)
            for q in self.store.quads_for_pattern(None, NAME, None, DefaultGraph())
            if isinstance(q.subject, NamedNode)
        }
        for kind_type, kind in KINDS.items():
            facts.update(
                (q.subject.value, kind)
                for q in self.store.quads_for_pattern(None, RDF_TYPE, kind_type, DefaultGraph())
                if isinstance(q.subject, NamedNode)
            )
        return facts

    def rebuild_text(self) -> None:
        """Recompute the whole full-text index from the default graph (when there is one)."""
        if self._text_kept():
            self.text.rebuild(self.store)

    def text_is_empty(self) -> bool:
        """True when the full-text index has no row (or this store keeps none)."""
        return not self._text_kept() or len(self.text) == 0

    def _text_kept(self) -> bool:
        return self._text is not None or self._text_path is not None

    def view_missing(self) -> bool:
        """True when named graphs exist but the default graph is empty (a store from before the view)."""
        if next(iter(self.store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
            return False
        return next(iter(self.store.named_graphs()), None) is not None

    def rebuild_view(self) -> None:
        """Recompute the default graph as the distinct union of the view sources (one transaction)."""
        self.store.update(f"CLEAR DEFAULT ;\n{REBUILD_VIEW}")

    def flush(self) -> None:
        self.store.flush()

    # -- reading -------------------------------------------------------------------------------
    def select(self, query: str) -> list[dict[str, object]]:
        """Run a SELECT (prefixes predeclared) over the default graph, the deduplicated view; rows as
        {variable: term}. Internal queries only: user values go through the engine (`queries.binding`)."""
        results = self.store.query(sparql_prefixes() + query)
        assert isinstance(results, QuerySolutions)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names} for row in results]

    def view_triples(self) -> Iterable[Triple]:
        return (q.triple for q in self.store.quads_for_pattern(None, None, None, DefaultGraph()))

    # -- export --------------------------------------------------------------------------------
    def view_size(self) -> int:
        """Triples in the default graph (the deduplicated view)."""
        result = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(result, QuerySolutions)
        return int(next(iter(result))["n"].value)  # type: ignore[union-attr]

    def quad_count(self) -> int:
        """Quads of the dataset: every named graph (the default graph is a view derived from them)."""
        return len(self.store) - self.view_size()

    def quads(self) -> Iterator[Quad]:
        """Every quad of the dataset (the named graphs, not the derived default graph), graph by graph."""
        graphs = sorted((g for g in self.store.named_graphs() if isinstance(g, NamedNode)), key=lambda g: g.value)
        return itertools.chain.from_iterable(self.store.quads_for_pattern(None, None, None, g) for g in graphs)

    def graph_count(self) -> int:
        return sum(1 for _ in self.store.named_graphs())

    def contains_graph(self, graph: NamedNode) -> bool:
        return self.store.contains_named_graph(graph)

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        return [q.triple for q in self.store.quads_for_pattern(None, None, None, graph)]

    def health(self) -> dict[str, object]:
        return {"backend": self.kind}

    def export(self, output: IO[bytes] | Path, rdf_format: RdfFormat, graph: NamedNode | None = None) -> None:
        """Stream the dataset (or one graph) to `output`: a binary file object, or a file path that pyoxigraph
        opens and writes itself (no Python call per written block).

        Formats with named graphs (N-Quads, TriG, JSON-LD) write every named graph — the pages, ontology,
        taxonomy and derived graphs (links, co-author index) — but not the default graph: it is the view derived
        from them, rebuilt by `GraphStore.open` when missing, and left out so that engines whose default graph
        is the union of all graphs do not see every fact twice. Triple formats get the view (or the one `graph`).
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
            serialize(self.quads(), output, rdf_format, prefixes=prefixes)
        else:
            self.store.dump(output, rdf_format, from_graph=DefaultGraph(), prefixes=prefixes)


def term_value(term: object) -> str:
    """An RDF term's lexical value (an IRI's string, a literal's text); anything else as `str`."""
    return term.value if hasattr(term, "value") else str(term)  # type: ignore[no-any-return]
