"""Run a QueryRequest on a remote SPARQL engine, with the same caps, formats and errors as the embedded store.

The query is first parsed by pyoxigraph (on an empty in-memory store): syntax errors get the same
`QuerySyntaxError` as the embedded store, and the result kind (solutions, boolean, graph) is known before
asking the engine. Parameters are bound with a trailing VALUES clause of terms written by their own
serializers; the engine's answer is re-serialised by queries/results.py, so row and byte caps and the
"truncated" marking are the embedded store's. An engine-side cut (Virtuoso's X-SPARQL-MaxRows) is marked
truncated too; an engine timeout (or 206 partial result) is a `QueryTimeoutError`.
"""

from __future__ import annotations

import re
import time

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store

from scholarkg.loader.remote import RemoteQueryError, RemoteStore, RemoteStoreError, RemoteTimeoutError
from scholarkg.loader.vocab import PREFIXES, sparql_prefixes
from scholarkg.queries.binding import BindingError, bind_terms
from scholarkg.queries.execute import (
    ROWS_FORMAT,
    NotAcceptableError,
    QueryEvaluationError,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    _rows_json,
)
from scholarkg.queries.results import serialize_boolean, serialize_graph, serialize_solutions
from scholarkg.queries.workers import QueryTimeoutError


def _kind(text: str, base_iri: str | None) -> str:
    """'select', 'ask' or 'graph', from pyoxigraph's parse (evaluated on an empty store: no data read)."""
    try:
        result = Store().query(text, base_iri=base_iri, prefixes=dict(PREFIXES))
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    except (OSError, RuntimeError, ValueError):
        return "select"  # parsed; failed evaluating on nothing (e.g. SERVICE): the engine will say
    if isinstance(result, QueryBoolean):
        return "ask"
    if isinstance(result, QuerySolutions):
        return "select"
    return "graph"


# Strings, comments and IRIs are skipped whole, so a `{` or WHERE inside them is never taken for syntax.
_LEXEME = re.compile(
    r"""'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'"""
    r"""|"(?:[^"\\\n]|\\.)*"|\#[^\n]*|<[^<>"{}|^`\\\x00-\x20]*>|[A-Za-z_][\w-]*|\{|\S"""
)


def where_brace(text: str) -> int:
    """Offset just after the `{` opening the query's WHERE group (the first group when WHERE is omitted)."""
    seen_where = False
    for match in _LEXEME.finditer(text):
        token = match.group(0)
        if token.upper() == "WHERE":
            seen_where = True
        elif token == "{" and (seen_where or not _is_construct(text[: match.start()])):
            return match.end()
    raise QuerySyntaxError("the query has no WHERE group to bind parameters in")


def _is_construct(prefix: str) -> bool:
    return any(m.group(0).upper() == "CONSTRUCT" for m in _LEXEME.finditer(prefix))


def _bound_text(request: QueryRequest, engine: str) -> str:
    """Oxigraph server: parameters written into the text as the embedded store does (`queries.binding`, the
    same engine, whose optimizer starts from a constant and not from a VALUES join). Other engines: parameters
    joined first in the WHERE group (an inline VALUES of terms written by their serializers), so every pattern
    and FILTER of the group sees them bound. (Virtuoso mis-evaluates a property path with a constant end,
    `?x skos:broader* <c>`, and does well with VALUES.)"""
    text = request.text
    if request.bindings and engine == "oxigraph":
        try:
            text = bind_terms(text, request.bindings)  # type: ignore[arg-type]
        except BindingError as error:
            raise QuerySyntaxError(str(error)) from None
    elif request.bindings:
        names = " ".join(f"?{name}" for name in request.bindings)
        terms = " ".join(str(term) for term in request.bindings.values())
        at = where_brace(text)
        text = f"{text[:at]} VALUES ({names}) {{ ({terms}) }} {text[at:]}"
    base = f"BASE {NamedNode(request.base_iri)}\n" if request.base_iri else ""
    return base + sparql_prefixes() + text


def run_remote_query(store: RemoteStore, request: QueryRequest, timeout: float) -> QueryResult:
    started = time.perf_counter()
    text = _bound_text(request, store.engine)
    kind = _kind(text, request.base_iri)  # parsed bound: a parameter may stand where only a term can (VALUES)
    fmt = request.graph_format if kind == "graph" else request.solution_format
    if fmt is None:
        raise NotAcceptableError(kind)  # type: ignore[arg-type]
    try:
        answer = store.ask_engine(
            text,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            graph_result=kind == "graph",
            timeout=timeout,
        )
    except RemoteTimeoutError:
        raise QueryTimeoutError(timeout) from None
    except RemoteQueryError as error:
        raise QueryEvaluationError(str(error)) from None
    except RemoteStoreError as error:
        raise QueryEvaluationError(str(error)) from None
    result = answer.result
    if kind == "ask":
        assert isinstance(result, QueryBoolean)
        serialized = serialize_boolean(bool(result), "json" if fmt == ROWS_FORMAT else fmt)
    elif kind == "graph":
        assert isinstance(result, list)
        serialized = serialize_graph(result, fmt, max_rows=request.max_rows, prefixes=dict(PREFIXES))
    else:
        variables = [v.value for v in result.variables if v.value not in request.hidden_variables]  # type: ignore[union-attr]
        rows = [[solution[v] for v in variables] for solution in result]  # type: ignore[union-attr]
        max_rows = request.max_rows
        if answer.truncated and len(rows) <= max_rows:
            # The engine cut the result (ResultSetMaxRows): keep what it sent minus one row, so the document is
            # marked truncated exactly like one we cut ourselves (never passed off as complete).
            max_rows = max(len(rows) - 1, 0)
        if fmt == ROWS_FORMAT:
            serialized = _rows_json(variables, rows, _with_max_rows(request, max_rows))
        else:
            serialized = serialize_solutions(variables, rows, fmt, max_rows=max_rows, max_bytes=request.max_bytes)
    return QueryResult(
        kind=kind,  # type: ignore[arg-type]
        format=fmt,
        media_type=serialized.media_type,
        body=serialized.body,
        rows=serialized.rows,
        truncated=serialized.truncated or (kind == "graph" and answer.truncated),
        seconds=time.perf_counter() - started,
    )


def _with_max_rows(request: QueryRequest, max_rows: int) -> QueryRequest:
    from dataclasses import replace

    return replace(request, max_rows=max_rows)
