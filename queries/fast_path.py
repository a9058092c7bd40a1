"""Small queries in the server process: no worker round-trip for a query whose cost is bounded by construction.

A worker process exists so that a query past its time limit can be killed (pyoxigraph cannot cancel one). For
a one-row lookup that safety costs more than the query: pickling, two pipes, a process wake-up — several times
the ~0.1 ms the lookup itself takes (bench/README.md). This module runs such queries in the calling thread,
but only when their cost has a bound that does not depend on the data:

1. **Shape** (`bounded_shape`, decided on the grammar's tokens, never by pattern-matching the text): a
   prologue of `PREFIX`/`BASE`, then `SELECT` (`*` or plain variables, no `DISTINCT`/`REDUCED`, no
   expressions) or `ASK`, then one group holding exactly ONE triple pattern whose terms are variables, IRIs,
   prefixed names, `a`, or simple literals, with no variable repeated, then at most a `LIMIT`. No `FROM`,
   `FILTER`, `OPTIONAL`, `UNION`, `GRAPH`, `SERVICE`, paths, blank nodes, `ORDER BY`, `GROUP BY`, `OFFSET`.
   Oxigraph answers such a pattern with one index range scan in which every step is a solution (no join, no
   filter, no sort, no de-duplication), so the work is proportional to the rows consumed.
2. **Budget**: at most `max_rows` solutions (and `max_bytes` of serialized output) are consumed in-process.
   A result that is longer is dropped and the query is run again by a worker under the usual time limit, so
   the in-process work never exceeds the budget, whatever the store holds.

Reads go to a read-only store opened on the engine's current snapshot (the same view the workers read,
reopened after each write), under a lease; the result iterator is created and consumed in the calling
thread, as pyoxigraph requires.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

from pyoxigraph import Store

from scholarkg.queries.execute import QueryRequest, QueryResult, run_query
from scholarkg.queries.sparql_lexer import tokens

_REMEMBERED = 4096  # query texts whose shape decision is cached
_LITERAL_KEYWORDS = {"true", "false"}


def _term(toks: list[tuple[str, str]], i: int, seen: set[str], *, position: str) -> int:
    """Index after one pattern term starting at `i`, or -1 when it is not a plain term."""
    if i >= len(toks):
        return -1
    kind, text = toks[i]
    if kind == "var":
        name = text[1:]
        if name in seen:  # `?x ?p ?x`: Oxigraph scans and filters, so rows would no longer be steps
            return -1
        seen.add(name)
        return i + 1
    if kind == "iri":
        return i + 1
    if kind == "word":
        if ":" in text:  # a prefixed name
            return i + 1
        if position == "predicate" and text == "a":
            return i + 1
        if position == "object" and text.lower() in _LITERAL_KEYWORDS:
            return i + 1
        return -1
    if position != "object":
        return -1
    if kind == "number":
        return i + 1
    if kind == "string":
        i += 1
        if i < len(toks) and toks[i][0] == "langtag":
            return i + 1
        if i + 1 < len(toks) and toks[i] == ("other", "^") and toks[i + 1] == ("other", "^"):
            i += 2
            if i < len(toks) and (toks[i][0] == "iri" or (toks[i][0] == "word" and ":" in toks[i][1])):
                return i + 1
            return -1
        return i
    return -1


def bounded_shape(text: str) -> bool:
    """True when `text` is a query of the bounded shape described in the module docstring."""
    toks = list(tokens(text))
    i, n = 0, len(toks)

    def word(at: int) -> str:
        return toks[at][1].upper() if at < n and toks[at][0] == "word" else ""

    while word(i) in ("PREFIX", "BASE"):
        if word(i) == "PREFIX":
            prefix_ok = i + 2 < n and toks[i + 1][0] == "word" and toks[i + 1][1].endswith(":")
            if not (prefix_ok and toks[i + 2][0] == "iri"):
                return False
            i += 3
        else:
            if not (i + 1 < n and toks[i + 1][0] == "iri"):
                return False
            i += 2
    form = word(i)
    i += 1
    if form == "SELECT":
        if i < n and toks[i] == ("other", "*"):
            i += 1
        else:
            start = i
            while i < n and toks[i][0] == "var":
                i += 1
            if i == start:
                return False
    elif form != "ASK":
        return False
    if word(i) == "WHERE":
        i += 1
    if not (i < n and toks[i] == ("other", "{")):
        return False
    seen: set[str] = set()
    i = _term(toks, i + 1, seen, position="subject")
    if i < 0:
        return False
    i = _term(toks, i, seen, position="predicate")
    if i < 0:
        return False
    i = _term(toks, i, seen, position="object")
    if i < 0:
        return False
    if i < n and toks[i] == ("other", "."):
        i += 1
    if not (i < n and toks[i] == ("other", "}")):
        return False
    i += 1
    if form == "SELECT" and word(i) == "LIMIT":
        if not (i + 1 < n and toks[i + 1][0] == "number" and toks[i + 1][1].isdigit()):
            return False
        i += 2
    return i == n


class InProcessQueries:
    """Runs bounded-shape queries against a read-only store on the current snapshot (see the module docstring)."""

    def __init__(self, *, max_rows: int = 16, max_bytes: int = 64 * 1024) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._shapes: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._opened: str | None = None
        self.served = 0  # queries answered in-process
        self.handed_over = 0  # queries past the budget, run again by a worker

    def eligible(self, request: QueryRequest) -> bool:
        """A bounded-shape text over the default dataset (no protocol-level dataset, no bindings)."""
        if request.default_graphs or request.named_graphs or request.bindings:
            return False
        text = request.text
        with self._lock:
            known = self._shapes.get(text)
            if known is not None:
                self._shapes.move_to_end(text)
                return known
        shape = bounded_shape(text)
        with self._lock:
            self._shapes[text] = shape
            while len(self._shapes) > _REMEMBERED:
                self._shapes.popitem(last=False)
        return shape

    def _store_for(self, snapshot: str) -> Store:
        key = snapshot
        with self._lock:
            if self._opened != key or self._store is None:
                self._store = Store.read_only(key)
                self._opened = key
            return self._store

    def run(self, snapshot: str, request: QueryRequest) -> QueryResult | None:
        """The result, or None when it is longer than the budget (then a worker must run the query)."""
        budget = dataclasses.replace(
            request, max_rows=min(request.max_rows, self.max_rows), max_bytes=min(request.max_bytes, self.max_bytes)
        )
        result = run_query(self._store_for(snapshot), budget)
        if result.truncated:
            cut_by_rows = result.rows >= budget.max_rows  # else the byte cap cut it
            ours = budget.max_rows < request.max_rows if cut_by_rows else budget.max_bytes < request.max_bytes
            if ours:  # cut by the budget, not by the caller's caps
                self.handed_over += 1
                return None
        self.served += 1
        return result

    def close(self) -> None:
        with self._lock:
            self._store = None
            self._opened = None
