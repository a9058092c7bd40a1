"""Full-text index of person names and paper titles: SQLite FTS5 (standard library) beside the store.

One row per entity of the deduplicated default graph that is a `schema:Person` or `schema:ScholarlyArticle`
with a `schema:name`: its IRI, its kind (`person` / `paper`) and its names. Tokens are Unicode words with
accents folded (`unicode61 remove_diacritics 2`: "Alvarez" finds "Álvarez"), every query word matches as a
prefix ("transf" finds "Transformers"), all words must match, and hits are ranked by BM25.

`GraphStore` keeps it current: after each page replace/remove it re-reads, from the default graph, the names
and types of every entity whose `schema:name` that page stated before or states now, and rewrites their rows
(one SQLite transaction; each IRI's row is found by rowid through the `keys` table, so a rewrite costs a lookup,
not a scan of the FTS table). SPARQL Update and Graph Store writes are followed by `GraphStore.text_write` (the
rows of the entities they may touch: `queries/update_effects.py`). A batched load (`loader.batch_load`) rewrites the
rows once for all its pages after the last batch, or `rebuild`s the index when it was empty or too many entities
changed (its marker makes a crash before that end in a rebuild). SQLite and RocksDB do not share a transaction:
if the process dies between the two, the index can lag the store by that write; `rebuild` (run on first use when the
index file is new or empty, e.g. after deleting it) recomputes it from the store.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

_SCHEMA = "http://schema.org/"
NAME = NamedNode(_SCHEMA + "name")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
KINDS = {NamedNode(_SCHEMA + "Person"): "person", NamedNode(_SCHEMA + "ScholarlyArticle"): "paper"}
_WORD = re.compile(r"\w+")
MAX_WORDS = 16
REBUILD_CHUNK = 10_000  # rows per INSERT batch of `TextIndex.rebuild`


@dataclass(frozen=True)
class TextEffect:
    """What a write may change in the full-text index: the rows of `subjects`, or (`everything`) any row
    (`queries/update_effects.py` reads it off a SPARQL Update)."""

    subjects: frozenset[NamedNode] = frozenset()
    everything: bool = False

    def __or__(self, other: TextEffect) -> TextEffect:
        return TextEffect(self.subjects | other.subjects, self.everything or other.everything)

    @property
    def none(self) -> bool:
        return not self.everything and not self.subjects


NOTHING = TextEffect()
EVERYTHING = TextEffect(everything=True)


class TextIndex:
    """Search persons and papers by name/title words; maintained by `GraphStore` writes."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        target = ":memory:" if path is None else (f"file:{path}?mode=ro" if read_only else str(path))
        self._db = sqlite3.connect(target, uri=read_only and path is not None, check_same_thread=False)
        self._lock = threading.Lock()
        if not read_only:
            with self._lock, self._db:
                had_keys = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'keys'").fetchone()
                self._db.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS entities USING fts5("
                    "iri UNINDEXED, kind UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
                )
                # An entity's FTS row has the rowid of its IRI here, so rewriting a row is a rowid lookup (FTS5 has
                # no index on an UNINDEXED column: `DELETE … WHERE iri = ?` would scan the whole table per IRI).
                self._db.execute("CREATE TABLE IF NOT EXISTS keys (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL)")
                if not had_keys:  # an index file from before the key table: empty it, so it is rebuilt on first use
                    self._db.execute("DELETE FROM entities")

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM entities").fetchone()[0])

    # -- writing -----------------------------------------------------------------------------------
    def refresh(self, store: Store, iris: Iterable[NamedNode]) -> None:
        """Rewrite the rows of `iris` from the store's default graph (gone if no longer a named entity)."""
        keys = sorted({i.value for i in iris})
        rows = [row for row in (_row(store, key) for key in keys) if row is not None]
        self.rewrite(keys, rows)

    def rewrite(self, keys: Iterable[str], rows: Iterable[tuple[str, str, str]]) -> None:
        """Replace the rows of the IRIs `keys` by `rows` (iri, kind, names joined by newlines; an IRI of `keys`
        without a row has none afterwards)."""
        keys = sorted(set(keys))
        rows = list({r[0]: r for r in reversed(list(rows))}.values())  # one row per IRI (its first)
        with self._lock, self._db:
            self._db.executemany(
                "DELETE FROM entities WHERE rowid = (SELECT id FROM keys WHERE iri = ?)", [(k,) for k in keys]
            )
            self._insert(rows)

    def replace_all(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Replace every row by `rows` of (iri, kind, names joined by newlines)."""
        rows = list({r[0]: r for r in reversed(list(rows))}.values())  # one row per IRI (its first), as `refresh`
        with self._lock, self._db:
            self._db.execute("DELETE FROM entities")
            self._insert(rows)

    def rebuild(self, store: Store) -> None:
        """Recompute every row from the store's default graph (the same rows as `refresh`), in constant memory:
        the subjects typed as each kind are read in the store's POS order, each one's names looked up, and the
        rows written `REBUILD_CHUNK` at a time, in one SQLite transaction: all or nothing. Searches through this
        object wait for it (its lock; ~10 s at 100k papers); another process reading the file may see it locked."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM entities")
            chunk: list[tuple[str, str, str]] = []
            for row in all_rows(store):
                chunk.append(row)
                if len(chunk) >= REBUILD_CHUNK:
                    self._insert(chunk)
                    chunk = []
            self._insert(chunk)

    def _insert(self, rows: list[tuple[str, str, str]]) -> None:
        """Add rows of IRIs that have none (inside the caller's transaction): each takes the rowid of its key."""
        self._db.executemany("INSERT OR IGNORE INTO keys (iri) VALUES (?)", [(r[0],) for r in rows])
        self._db.executemany(
            "INSERT INTO entities (rowid, iri, kind, text) SELECT id, ?, ?, ? FROM keys WHERE iri = ?",
            [(*r, r[0]) for r in rows],
        )

    # -- reading -----------------------------------------------------------------------------------
    def rows(self) -> set[tuple[str, str, str]]:
        """Every row as (iri, kind, names joined by newlines)."""
        with self._lock:
            return {(r[0], r[1], r[2]) for r in self._db.execute("SELECT iri, kind, text FROM entities")}

    def search(self, kind: str, text: str, limit: int) -> list[str]:
        """IRIs of `kind` whose names contain every word of `text` (as a prefix), best BM25 rank first."""
        match = fts_query(text)
        if match is None:
            return []
        with self._lock:
            found = self._db.execute(
                "SELECT iri FROM entities WHERE entities MATCH ? AND kind = ? ORDER BY bm25(entities), iri LIMIT ?",
                (match, kind, limit),
            ).fetchall()
        return [row[0] for row in found]


def all_rows(store: Store) -> Iterator[tuple[str, str, str]]:
    """Every row of the default graph, streamed: one per subject typed as a kind with a name. A subject typed as
    both kinds is met under each; it is decided (by `_row`, as `refresh` decides) under the first only."""
    first = next(iter(KINDS))
    for node, kind in KINDS.items():
        others = [other for other in KINDS if other != node]
        for quad in store.quads_for_pattern(None, RDF_TYPE, node, DefaultGraph()):
            subject = quad.subject
            if not isinstance(subject, NamedNode):
                continue
            if any(Quad(subject, RDF_TYPE, other, DefaultGraph()) in store for other in others):
                row = _row(store, subject.value) if node == first else None
            else:
                names = sorted({q.object.value for q in store.quads_for_pattern(subject, NAME, None, DefaultGraph())})
                row = (subject.value, kind, "\n".join(names)) if names else None
            if row is not None:
                yield row


def _row(store: Store, key: str) -> tuple[str, str, str] | None:
    """The row of one IRI from the default graph: (iri, kind, names), or None when it is no named entity."""
    node = NamedNode(key)
    types = [q.object for q in store.quads_for_pattern(node, RDF_TYPE, None, DefaultGraph())]
    kind = next((KINDS[t] for t in types if t in KINDS), None)  # type: ignore[index]
    if kind is None:
        return None
    names = sorted({q.object.value for q in store.quads_for_pattern(node, NAME, None, DefaultGraph())})  # type: ignore[union-attr]
    return (key, kind, "\n".join(names)) if names else None


def fts_query(text: str) -> str | None:
    """An FTS5 query from user text: each word quoted (no FTS syntax gets through) and prefix-matched, ANDed."""
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    return " AND ".join(f'"{word}"*' for word in words)


def named_subjects(quads: Iterable[object]) -> set[NamedNode]:
    """Subjects of `schema:name` quads (the entities a page names)."""
    return {q.subject for q in quads if q.predicate == NAME and isinstance(q.subject, NamedNode)}  # type: ignore[attr-defined]
