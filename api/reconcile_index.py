"""The reconciliation name index: every person, paper, organisation and category name, folded, in memory.

Built from the store through the engine (so under its time limit) the first time it is needed after each
write — the engine's snapshot path tells when the store changed — and shared by all requests.

Candidate retrieval (`NameIndex.candidates`), bounded per query:
1. the folded query equal to a folded name: those entries always come first;
2. a token index: each query token that is in the vocabulary is looked up as is; a token that is not
   (a typo: `keutzr`) is expanded to the ≤ 3 most similar vocabulary tokens with the same first or last
   letter (rapidfuzz, ≥ 70); tokens held by more than 5 % of the entries are skipped when the query has
   rarer ones. Entries are ranked by the IDF-weighted share of query tokens they hold, and the best
   `POOL` are scored on the whole name (`reconcile_scoring.name_similarity`).

Suggest (`NameIndex.prefix`) completes the last word of the prefix against the sorted vocabulary and
requires the earlier words, ranked by paper count.
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
POOL = 200  # entries scored on the full name per query
MAX_QUERY_TOKENS = 12
COMMON_SHARE = 0.05
INDEX_MAX_ROWS = 20_000_000
INDEX_MAX_BYTES = 4_000_000_000
LINKS_GRAPH = "id/graph/links"

_QUERIES = {
    # DISTINCT sub-selects first: the union default graph repeats each fact once per page stating it
    "person": """
SELECT ?x ?name ?homonym ?papers WHERE {
  { SELECT DISTINCT ?x WHERE { ?x a schema:Person } }
  { SELECT DISTINCT ?x ?name WHERE { ?x schema:name ?name } }
  OPTIONAL { SELECT DISTINCT ?x ?homonym WHERE { ?x skg:homonymNumber ?homonym } }
  OPTIONAL { SELECT ?x (COUNT(DISTINCT ?paper) AS ?papers) WHERE { ?paper schema:author ?x } GROUP BY ?x }
}""",
    "paper": """
SELECT ?x ?name WHERE {
  { SELECT DISTINCT ?x WHERE { ?x a schema:ScholarlyArticle } }
  { SELECT DISTINCT ?x ?name WHERE { ?x schema:name ?name } }
}""",
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


@dataclass
class ReconcileIndex:
    base: str
    kinds: dict[str, NameIndex]
    by_iri: dict[str, Entry]
    identifiers: dict[str, set[str]]  # identifier key (`orcid:0000-…`) → local IRIs with an accepted owl:sameAs
    external: dict[str, list[str]]  # local IRI → its accepted external IRIs

    def entry(self, iri: str) -> Entry | None:
        return self.by_iri.get(iri)


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
    by_kind: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
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
        base=base,
        kinds={kind: NameIndex(entries) for kind, entries in by_kind.items()},
        by_iri=by_iri,
        identifiers=dict(identifiers),
        external=dict(external),
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
