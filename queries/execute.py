"""The one place every query runs (API, canned queries, CLI): bindings, dataset, caps, serialisation.

`run_query` executes in the calling thread and consumes the result iterator there (pyoxigraph result
iterators are thread-bound). Time limits are applied around it by `queries.workers.QueryPool`, which runs
`run_query` in worker processes it can kill.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
)

from scholarkg.loader.vocab import PREFIXES
from scholarkg.queries.binding import BindingError, bind_terms
from scholarkg.queries.results import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Row,
    Serialized,
    serialize_boolean,
    serialize_graph,
    serialize_solutions,
)

Term = NamedNode | BlankNode | Literal | Triple
ResultKind = TypingLiteral["select", "ask", "graph"]
ROWS_FORMAT = "rows"  # plain JSON rows for canned queries: {"columns", "rows", "truncated"}
_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer": int,
    "http://www.w3.org/2001/XMLSchema#decimal": float,
    "http://www.w3.org/2001/XMLSchema#double": float,
    "http://www.w3.org/2001/XMLSchema#float": float,
}


class QuerySyntaxError(ValueError):
    """The query text does not parse (the message is the parser's)."""


class QueryEvaluationError(RuntimeError):
    """The query parsed but failed while running."""


class NotAcceptableError(ValueError):
    """No requested result format fits this kind of result."""

    def __init__(self, kind: ResultKind) -> None:
        self.kind = kind
        super().__init__(f"no acceptable format for {self.what}")

    @property
    def what(self) -> str:
        """The result kind with its article: 'a SELECT result', 'an ASK result', 'a graph result'."""
        return RESULT_KIND_NAMES[self.kind]


RESULT_KIND_NAMES: dict[str, str] = {
    "select": "a SELECT result",
    "ask": "an ASK result",
    "graph": "a graph (CONSTRUCT/DESCRIBE) result",
}


@dataclass(frozen=True)
class QueryRequest:
    text: str
    solution_format: str | None = "json"
    graph_format: str | None = "turtle"
    bindings: Mapping[str, Term] = field(default_factory=dict)
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 10_000
    max_bytes: int = 50_000_000
    base_iri: str | None = None
    # Bound parameters written into the text (queries.binding); a projected one is a constant column: not returned.
    hidden_variables: tuple[str, ...] = ()
    # A canned query whose file holds no SERVICE or LOAD (`StoredQuery.remote_free`), with terms bound: nothing
    # to check or route.
    remote_free: bool = False


@dataclass(frozen=True)
class QueryResult:
    kind: ResultKind
    format: str
    media_type: str
    body: bytes
    rows: int
    truncated: bool
    seconds: float


def run_query(store: Store, request: QueryRequest) -> QueryResult:
    started = time.perf_counter()
    try:
        text = bind_terms(request.text, request.bindings)  # type: ignore[arg-type]
    except BindingError as error:
        raise QuerySyntaxError(str(error)) from None
    dataset: dict[str, object] = {}  # default graph: the store's, i.e. the deduplicated view (loader.store)
    if request.default_graphs or request.named_graphs:
        dataset = {
            "default_graph": [NamedNode(g) for g in request.default_graphs],
            "named_graphs": [NamedNode(g) for g in request.named_graphs],
        }
    try:
        result = store.query(
            text,
            base_iri=request.base_iri,
            prefixes=dict(PREFIXES),
            **dataset,  # type: ignore[arg-type]
        )
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    try:
        kind, fmt, serialized = _serialize(result, request)
    except (OSError, RuntimeError) as error:
        raise QueryEvaluationError(str(error)) from None
    return QueryResult(
        kind=kind,
        format=fmt,
        media_type=serialized.media_type,
        body=serialized.body,
        rows=serialized.rows,
        truncated=serialized.truncated,
        seconds=time.perf_counter() - started,
    )


def _serialize(
    result: QuerySolutions | QueryBoolean | QueryTriples, request: QueryRequest
) -> tuple[ResultKind, str, Serialized]:
    if isinstance(result, QueryBoolean):
        fmt = request.solution_format
        if fmt is None:
            raise NotAcceptableError("ask")
        return "ask", fmt, serialize_boolean(bool(result), "json" if fmt == ROWS_FORMAT else fmt)
    if isinstance(result, QuerySolutions):
        fmt = request.solution_format
        if fmt is None:
            raise NotAcceptableError("select")
        variables = [v.value for v in result.variables if v.value not in request.hidden_variables]
        rows = ([solution[v] for v in variables] for solution in result)
        if fmt == ROWS_FORMAT:
            return "select", fmt, _rows_json(variables, rows, request)
        return (
            "select",
            fmt,
            serialize_solutions(variables, rows, fmt, max_rows=request.max_rows, max_bytes=request.max_bytes),
        )
    fmt = request.graph_format
    if fmt is None:
        raise NotAcceptableError("graph")
    return "graph", fmt, serialize_graph(result, fmt, max_rows=request.max_rows, prefixes=dict(PREFIXES))


def plain_value(term: Term | None) -> object:
    """A JSON-friendly value: IRIs and strings as text, numbers and booleans as JSON numbers/booleans."""
    if term is None:
        return None
    if isinstance(term, Literal):
        convert = _NUMERIC.get(term.datatype.value)
        if convert is not None:
            try:
                return convert(term.value)
            except ValueError:
                return term.value
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#boolean":
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, NamedNode | BlankNode):
        return term.value
    return str(term)


def _rows_json(variables: Sequence[str], rows: object, request: QueryRequest) -> Serialized:
    out: list[dict[str, object]] = []
    truncated = False
    size = 0
    for row in rows:  # type: ignore[attr-defined]
        values: Row = row
        if len(out) >= request.max_rows:
            truncated = True
            break
        item = {v: plain_value(t) for v, t in zip(variables, values, strict=True)}
        size += len(json.dumps(item, ensure_ascii=False))
        if size > request.max_bytes:
            truncated = True
            break
        out.append(item)
    body = json.dumps({"columns": list(variables), "rows": out, "truncated": truncated}, ensure_ascii=False)
    return Serialized(body.encode(), "application/json", len(out), truncated)


__all__ = [
    "GRAPH_FORMATS",
    "ROWS_FORMAT",
    "SOLUTION_FORMATS",
    "NotAcceptableError",
    "QueryEvaluationError",
    "QueryRequest",
    "QueryResult",
    "QuerySyntaxError",
    "run_query",
]
