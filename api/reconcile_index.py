"""The reconciliation name index: persons and papers through the full-text index, organisations and categories in
memory.

Persons and papers (`TextNames`) are found through the full-text index beside the store
(`loader/text_index.py`, SQLite FTS5, `engine.store.text.search`) — never by a scan of every name — and loaded
on demand (`ReconcileIndex.load`: one engine query per batch of IRIs for names, homonym numbers and paper
counts, cached until the next write). Candidate retrieval (`TextNames.candidates`), bounded per query:
1. every word of the folded query (homonym numbers aside) as a word prefix, all required: the best
   `SEARCH_LIMIT` by BM25;
2. when that gives fewer than `FALLBACK_BELOW` and none of them has exactly the query's name (unless the
   query has properties, which may prefer a near name) (a typo:
   `Kurt Keutzr`, a missing or extra word): the words cut to their first 3 letters, all required; then (up
   to `SHORT_QUERY` words) each word in full with the others cut to their first letter; then all the words
   but one (a misspelt or replaced word in a title) — each search at most
   `SEARCH_LIMIT` (so at most 2 + 2 × 12 searches);
3. the union, at most `POOL` IRIs, is loaded and scored on the whole name
   (`reconcile_scoring.name_similarity`), best first; a candidate that only a typo-tolerant search found is
   kept with a similarity ≥ `FUZZY_MIN` (0.7) only.
Organisations and categories (a few thousand at most) keep the in-memory `NameIndex`: exact folded name first,
then a token index with typo expansion (rapidfuzz, ≥ 70, same first or last letter).

Suggest (`complete`) asks the full-text index for the typed words (the last one a prefix), in its BM25 order,
so a `cursor` pages through one stable list.
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode
from rapidfuzz import fuzz, process

from scholarkg.api.reconcile_scoring import fold, name_similarity, tokens
from scholarkg.linking.identifiers import IdentifierError, is_external_iri, parse_identifier
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT

KINDS = ("person", "paper", "organization", "category")
TEXT_KINDS = ("person", "paper")  # served by the full-text index
POOL = 200  # entries scored on the full name per query
SEARCH_LIMIT = 100  # rows per full-text search
FALLBACK_BELOW = 10  # fewer hits for all the words: also search typo-tolerant forms
SHORT_QUERY = 4  # words: up to this many, also search each word with the others' first letters
FUZZY_MIN = 0.7  # name similarity a candidate found only by a typo-tolerant search needs
MAX_CACHED = 200_000  # loaded entries kept per index (dropped at once beyond)
LOAD_CHUNK = 1_000  # IRIs per loading query
MAX_QUERY_TOKENS = 12
COMMON_SHARE = 0.05
INDEX_MAX_ROWS = 20_000_000
INDEX_MAX_BYTES = 4_000_000_000
LINKS_GRAPH = "id/graph/links"

_QUERIES = {  # the kinds held in memory
    "organization": """
SELECT ?x ?name (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?x a schema:Organization ; schema:identifier ?name .
  OPTIONAL { ?paper schema:sourceOrganization ?x }
} GROUP BY ?x ?name""",
    "category": """
SELECT ?x ?name ?label WHERE {
  ?x a skos:Concept ; skos:notation ?name ; skos:inScheme ?scheme .
  OPTIONAL { ?x skos:prefLabel ?label }
}""",
}


@dataclass(eq=False)
class Entry:
    iri: str
    kind: str
    name: str
    texts: list[str] = field(default_factory=list)  # folded forms compared with the query
    homonym: str | None = None
    label: str | None = None
    papers: int = 0


class NameIndex:
    """Folded names of one kind, with a token index and a sorted vocabulary."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.exact: dict[str, list[int]] = defaultdict(list)
        postings: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(entries):
            for text in entry.texts:
                if i not in self.exact[text]:
                    self.exact[text].append(i)
                for token in tokens(text):
                    postings[token].add(i)
        self.postings = {token: sorted(ids) for token, ids in postings.items()}
        self.vocab = sorted(self.postings)
        self._by_first: dict[str, list[str]] = defaultdict(list)
        self._by_last: dict[str, list[str]] = defaultdict(list)
        for token in self.vocab:
            self._by_first[token[0]].append(token)
            self._by_last[token[-1]].append(token)

    def _expand(self, token: str) -> list[tuple[str, float]]:
        if token in self.postings:
            return [(token, 1.0)]
        if len(token) < 3:
            return []
        pool = set(self._by_first.get(token[0], ())) | set(self._by_last.get(token[-1], ()))
        found = process.extract(token, list(pool), scorer=fuzz.ratio, score_cutoff=70, limit=3)
        return [(match, score / 100) for match, score, _ in found]

    def candidates(self, query: str, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (entry, name similarity) pairs for the folded `query`, best first."""
        exact = self.exact.get(query, [])
        weights: dict[int, float] = defaultdict(float)
        expanded = [self._expand(token) for token in dict.fromkeys(tokens(query))][:MAX_QUERY_TOKENS]
        total = max(1, len(self.entries))
        rare = [e for e in expanded if e and min(len(self.postings[t]) for t, _ in e) <= COMMON_SHARE * total]
        for expansion in rare or expanded:
            best: dict[int, float] = {}
            for token, similarity in expansion:
                ids = self.postings[token]
                weight = similarity * math.log(1 + total / len(ids))
                for i in ids:
                    if best.get(i, 0.0) < weight:
                        best[i] = weight
            for i, weight in best.items():
                weights[i] += weight
        pool = set(exact) | {i for i, _ in heapq.nlargest(POOL, weights.items(), key=lambda item: item[1])}
        scored = [(i, 1.0 if i in exact else name_similarity(query, self.entries[i].texts)) for i in pool]
        scored.sort(key=lambda item: (-item[1], -self.entries[item[0]].papers, self.entries[item[0]].name))
        return scored[:limit]

    def prefix(self, text: str, offset: int, limit: int) -> list[int]:
        """Entries whose folded name has every word of `text`, the last one as a word prefix."""
        words = tokens(fold(text))
        if not words:
            return []
        *complete, last = words
        start = bisect.bisect_left(self.vocab, last)
        end = bisect.bisect_left(self.vocab, last + "\U0010ffff")
        found: set[int] = set()
        for token in self.vocab[start:end]:
            found.update(self.postings[token])
        for word in complete:
            found.intersection_update(self.postings.get(word, ()))
        ranked = sorted(
            found,
            key=lambda i: (
                not any(t.startswith(" ".join(words)) for t in self.entries[i].texts),
                -self.entries[i].papers,
                self.entries[i].name,
            ),
        )
        return ranked[offset : offset + limit]

    def find(self, query: str, limit: int, *, thorough: bool = False) -> list[tuple[Entry, float]]:
        return [(self.entries[i], similarity) for i, similarity in self.candidates(query, limit)]

    def complete(self, text: str, offset: int, limit: int) -> list[Entry]:
        return [self.entries[i] for i in self.prefix(text, offset, limit)]


_LOAD = """
SELECT ?x ?type ?name ?homonym ?papers WHERE {
  VALUES ?x { %s }
  ?x a ?type ; schema:name ?name .
  FILTER(?type = schema:Person || ?type = schema:ScholarlyArticle)
  OPTIONAL { ?x skg:homonymNumber ?homonym }
  OPTIONAL {
    SELECT ?x (COUNT(DISTINCT ?paper) AS ?papers) WHERE { VALUES ?x { %s } ?paper schema:author ?x } GROUP BY ?x
  }
}"""
_TYPE_KINDS = {"http://schema.org/Person": "person", "http://schema.org/ScholarlyArticle": "paper"}


def _search_forms(words: list[str]) -> list[tuple[str, int]]:
    """The typo-tolerant searches after all-words-in-full found too little (see the module docstring)."""
    forms: list[tuple[str, int]] = [(" ".join(w[:3] for w in words), SEARCH_LIMIT)]
    if len(words) > 1:
        share = max(10, SEARCH_LIMIT // len(words))
        if len(words) <= SHORT_QUERY:  # a name: one-letter prefixes are selective enough, costly in a long title
            for i, word in enumerate(words):
                forms.append((" ".join([word, *(w[:1] for j, w in enumerate(words) if j != i)]), share))
        forms.extend((" ".join(words[:i] + words[i + 1 :]), share) for i in range(len(words)))  # all but one
    return forms


class TextNames:
    """Persons or papers: candidates from the full-text index, entries loaded through `ReconcileIndex.load`."""

    def __init__(self, kind: str, index: ReconcileIndex) -> None:
        self.kind = kind
        self.index = index

    def _search(self, text: str, limit: int) -> list[str]:
        return self.index.engine.store.text.search(self.kind, text, limit)

    def pool(self, query: str, *, thorough: bool = False) -> tuple[list[str], set[str]]:
        """Candidate IRIs for the folded `query` (at most `POOL`), and those that only a typo-tolerant search found."""
        words = tokens(query)
        named = [w for w in words if not w.isdigit()] or words  # a homonym number is scored, not searched
        named = named[:MAX_QUERY_TOKENS]
        if not named:
            return [], set()
        found = dict.fromkeys(self._search(" ".join(named), SEARCH_LIMIT))
        direct = set(found)
        if len(found) < FALLBACK_BELOW and (thorough or not self._has_exact(query, list(found))):
            for form, limit in _search_forms(named):
                found.update(dict.fromkeys(self._search(form, limit)))
                if len(found) >= POOL:
                    break
        iris = list(found)[:POOL]
        return iris, {iri for iri in iris if iri not in direct}

    def _has_exact(self, query: str, iris: list[str]) -> bool:
        """Whether one of `iris` has exactly the folded `query` as a name (then no typo-tolerant search)."""
        self.index.load(iris)
        return any(e is not None and query in e.texts for e in map(self.index.entry, iris))

    def find(self, query: str, limit: int, *, thorough: bool = False) -> list[tuple[Entry, float]]:
        """Up to `limit` (entry, name similarity) pairs for the folded `query`, best first; an entry found only by
        a typo-tolerant search needs a name similarity of at least `FUZZY_MIN`. `thorough` (a query with
        properties, which may rank a near name above the exact one): the typo-tolerant searches run even when
        a name equals the query."""
        iris, fuzzy = self.pool(query, thorough=thorough)
        self.index.load(iris)
        scored = []
        for iri in iris:
            entry = self.index.entry(iri)
            if entry is not None and entry.kind == self.kind:
                similarity = name_similarity(query, entry.texts)
                if iri not in fuzzy or similarity >= FUZZY_MIN:
                    scored.append((entry, similarity))
        scored.sort(key=lambda item: (-item[1], -item[0].papers, item[0].name, item[0].iri))
        return scored[:limit]

    def complete(self, text: str, offset: int, limit: int) -> list[Entry]:
        """Entries whose names hold every word of `text`, the last as a prefix: the index's BM25 order."""
        words = tokens(fold(text))
        if not words:
            return []
        iris = self._search(" ".join(words), offset + limit)[offset:]
        self.index.load(iris)
        found = [self.index.entry(iri) for iri in iris]
        return [e for e in found if e is not None and e.kind == self.kind]


class ReconcileIndex:
    """Names for reconciliation: organisations and categories in memory, persons and papers through the full-text
    index and loaded on demand (cached until the next write), accepted links by identifier."""

    def __init__(
        self,
        engine: Engine,
        memory: dict[str, NameIndex],
        by_iri: dict[str, Entry],
        identifiers: dict[str, set[str]],
        external: dict[str, list[str]],
    ) -> None:
        self.engine = engine
        self.base = engine.settings.base_iri
        self.kinds: dict[str, NameIndex | TextNames] = {kind: TextNames(kind, self) for kind in TEXT_KINDS}
        self.kinds.update(memory)
        self._fixed = by_iri  # organisations and categories
        self._loaded: dict[str, Entry | None] = {}  # persons and papers (None: not one)
        self._lock = threading.Lock()
        self.identifiers = identifiers  # identifier key (`orcid:0000-…`) → local IRIs with an accepted owl:sameAs
        self.external = external  # local IRI → its accepted external IRIs

    def entry(self, iri: str) -> Entry | None:
        """The entity `iri` names (loaded now if it was not yet)."""
        found = self._fixed.get(iri)
        if found is not None:
            return found
        with self._lock:
            if iri in self._loaded:
                return self._loaded[iri]
        self.load([iri])
        with self._lock:
            return self._loaded.get(iri)

    def load(self, iris: Iterable[str]) -> None:
        """Load the persons and papers among `iris` not loaded yet (one engine query per `LOAD_CHUNK`)."""
        with self._lock:
            wanted = [i for i in dict.fromkeys(iris) if i not in self._fixed and i not in self._loaded and _loadable(i)]
        for start in range(0, len(wanted), LOAD_CHUNK):
            chunk = wanted[start : start + LOAD_CHUNK]
            block = " ".join(str(NamedNode(iri)) for iri in chunk)
            entries: dict[str, Entry | None] = dict.fromkeys(chunk)
            for row in _rows(self.engine, _LOAD.replace("%s", block)):
                iri, name = str(row["x"]), str(row["name"])
                entry = entries.get(iri)
                if entry is None:
                    homonym = row.get("homonym")
                    entry = entries[iri] = Entry(
                        iri=iri,
                        kind=_TYPE_KINDS[str(row["type"])],
                        name=name,
                        homonym=None if homonym is None else str(homonym),
                        papers=int(row.get("papers") or 0),  # type: ignore[call-overload]
                    )
                _add_texts(entry, name)
            with self._lock:
                if len(self._loaded) + len(entries) > MAX_CACHED:
                    self._loaded.clear()
                self._loaded.update(entries)


def _loadable(iri: str) -> bool:
    """An IRI the store could hold (an id typed by a user may be anything)."""
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return True


def _rows(engine: Engine, text: str) -> list[dict[str, object]]:
    request = engine.request(text, solution_format=ROWS_FORMAT, max_rows=INDEX_MAX_ROWS, max_bytes=INDEX_MAX_BYTES)
    result = engine.query(request)
    found: list[dict[str, object]] = json.loads(result.body)["rows"]
    return found


ID_SCHEMES = ("orcid", "doi", "arxiv", "wikidata", "dblp", "openalex")  # query/extension property ids
_PARSER_SCHEMES = {"dblp": ("dblp-person", "dblp-record")}


def identifier_key(value: str, scheme: str | None = None) -> str | None:
    """`scheme:key` for an identifier — an IRI of any scheme, or a bare form of `scheme` — else None.

    Parsing, validation (ORCID check character, arXiv dates, …) and normalisation (DOI case, arXiv version,
    dblp `.html`) are the linking package's (`linking/identifiers.py`); both dblp schemes key as `dblp:pid/…`
    and `dblp:rec/…`.
    """
    text = value.strip()
    if scheme is None:
        if not is_external_iri(text):
            return None
        candidates: tuple[str | None, ...] = (None,)
    else:
        candidates = _PARSER_SCHEMES.get(scheme, (scheme,))
    for candidate in candidates:
        try:
            found = parse_identifier(text, candidate)
        except IdentifierError:
            continue
        if found.scheme == "dblp-person":
            return f"dblp:pid/{found.key}"
        if found.scheme == "dblp-record":
            return f"dblp:rec/{found.key}"
        return f"{found.scheme}:{found.key}"
    return None


def build_index(engine: Engine) -> ReconcileIndex:
    base = engine.settings.base_iri
    by_kind: dict[str, list[Entry]] = {kind: [] for kind in _QUERIES}
    by_iri: dict[str, Entry] = {}
    for kind, text in _QUERIES.items():
        for row in _rows(engine, text):
            iri, name = str(row["x"]), str(row["name"])
            entry = by_iri.get(iri)
            if entry is None:
                homonym = row.get("homonym")
                label = row.get("label")
                entry = Entry(
                    iri=iri,
                    kind=kind,
                    name=name,
                    homonym=None if homonym is None else str(homonym),
                    label=None if label is None else str(label),
                    papers=int(row.get("papers") or 0),  # type: ignore[call-overload]
                )
                by_iri[iri] = entry
                by_kind[kind].append(entry)
            _add_texts(entry, name)
    # an archive with a category of the same notation (hep-th) is one category to a user
    notations = {e.name for e in by_kind["category"] if "/category/" in e.iri}
    dropped = [e for e in by_kind["category"] if "/category/" not in e.iri and e.name in notations]
    for entry in dropped:
        by_kind["category"].remove(entry)
        del by_iri[entry.iri]
    links = str(NamedNode(f"{base}{LINKS_GRAPH}"))
    identifiers: dict[str, set[str]] = defaultdict(set)
    external: dict[str, list[str]] = defaultdict(list)
    for row in _rows(engine, f"SELECT DISTINCT ?x ?ext WHERE {{ GRAPH {links} {{ ?x owl:sameAs ?ext }} }}"):
        local, ext = str(row["x"]), str(row["ext"])
        key = identifier_key(ext)
        if key is not None:
            identifiers[key].add(local)
        if ext not in external[local]:
            external[local].append(ext)
    return ReconcileIndex(
        engine,
        {kind: NameIndex(entries) for kind, entries in by_kind.items()},
        by_iri,
        dict(identifiers),
        dict(external),
    )


def _add_texts(entry: Entry, name: str) -> None:
    variants: Iterable[str] = [name]
    if entry.homonym:
        variants = [name, f"{name} {entry.homonym}"]
    if entry.label:
        variants = [*variants, entry.label]
    for variant in variants:
        folded = fold(variant)
        if folded and folded not in entry.texts:
            entry.texts.append(folded)


class IndexHolder:
    """The current index, rebuilt on first use after the store changed (one build at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: ReconcileIndex | None = None
        self._version: object = None

    def get(self, engine: Engine) -> ReconcileIndex:
        version = engine.snapshots.current
        with self._lock:
            if self._index is None or self._version != version:
                self._index = build_index(engine)
                self._version = version
            return self._index
