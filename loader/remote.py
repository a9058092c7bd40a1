"""A SPARQL 1.1 engine as the store: queries over the Protocol, page graphs written with Graph Store `PUT`.

`RemoteStore` implements the same interface as the embedded `GraphStore` (loader/store.py), so the loader,
the CLI and the API use either. Engines differ; each difference is handled here, explicitly:

- Oxigraph server's default graph is separate from the named graphs: ScholarKG keeps the deduplicated view
  in it (as in the embedded store), around every Graph Store write.
- Virtuoso's default graph is the union of every graph, its ~2,500 system triples included: counts and
  dataset-wide reads are scoped to ScholarKG's own graphs (the ontology graph and graphs under the base IRI).
- Virtuoso refuses `INSERT DATA` without `GRAPH` (SP031): the store never sends one; a user's update that
  does gets a clear `RemoteUpdateError` naming the fix.
- Virtuoso cuts results at `ResultSetMaxRows` and says so only in `X-SPARQL-MaxRows`: such a result is
  reported as truncated (never as complete); ScholarKG's own whole-graph and dataset-wide reads page below the
  cut by keyset (`_select_pages`: no OFFSET, which Virtuoso refuses to sort past MaxSortedTopRows).
- Virtuoso may answer a timeout with `206 Partial Content`, or with 200 and `X-SQL-State: S1TAT` (its "anytime"
  partial result): reported as a query timeout.
- Virtuoso 7.2 answers ASK as a one-row `__ASK_RETVAL` result set: turned back into a boolean.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from scholarkg.loader.errors import LoaderError
from scholarkg.loader.identity import ONTOLOGY_GRAPH
from scholarkg.loader.settings import Settings
from scholarkg.loader.store import (
    REBUILD_VIEW,
    VIEW_SOURCE_KINDS,
    DatasetQueries,
    UnknownSourceError,
    is_view_source,
    term_value,
    unview_operation,
)
from scholarkg.loader.text_index import EVERYTHING, TextEffect, TextIndex
from scholarkg.loader.vocab import PREFIXES, sparql_prefixes

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# The graphs that feed the view: each types itself as a view source (loader/store.py).
_VIEW_SOURCES = "GRAPH ?g { ?g a ?kind } VALUES ?kind { " + " ".join(VIEW_SOURCE_KINDS) + " }"
PAGE_ROWS = 1000  # rows per page when reading whole graphs (below Virtuoso's smallest sensible ResultSetMaxRows)
ASK_COLUMN = "__ASK_RETVAL"


class RemoteStoreError(LoaderError):
    """The remote store is unreachable, misconfigured or refused a request."""


class RemoteQueryError(RemoteStoreError):
    """The engine rejected a query (syntax or evaluation); the message is the engine's."""


class RemoteTimeoutError(RemoteStoreError):
    """The engine did not finish in time (or sent 206 partial results)."""


class RemoteUpdateError(RemoteStoreError, RuntimeError):
    """The engine refused an update (a RuntimeError, as pyoxigraph's refused updates: the API answers 400)."""


@dataclass(frozen=True)
class RemoteAnswer:
    """A parsed query answer and whether the engine cut it."""

    result: QuerySolutions | QueryBoolean | list[Triple]
    truncated: bool
    engine_max_rows: int | None


MAINTENANCE_TIMEOUT = 3600.0  # seconds for a whole-store step (the view rebuilt after a bulk load of shards)


def endpoint_url(store: str) -> str:
    """`sparql+http://host/path` → `http://host/path`."""
    return store.removeprefix("sparql+")


def _auth(settings: Settings) -> httpx.Auth | None:
    kind = settings.remote_auth
    if kind == "none":
        return None
    if kind == "bearer":
        if not settings.remote_token:
            raise RemoteStoreError("SCHOLARKG_REMOTE_AUTH=bearer needs SCHOLARKG_REMOTE_TOKEN")
        token = settings.remote_token

        def bearer(request: httpx.Request) -> httpx.Request:
            request.headers["Authorization"] = f"Bearer {token}"
            return request

        return httpx.FunctionAuth(bearer)
    if not settings.remote_user or settings.remote_password is None:
        raise RemoteStoreError(
            f"SCHOLARKG_REMOTE_AUTH={kind} needs SCHOLARKG_REMOTE_USER and SCHOLARKG_REMOTE_PASSWORD"
        )
    if kind == "basic":
        return httpx.BasicAuth(settings.remote_user, settings.remote_password)
    return httpx.DigestAuth(settings.remote_user, settings.remote_password)


def _values_clause(bindings: dict[str, NamedNode | Literal]) -> str:
    """A trailing VALUES clause binding variables to terms (each written by its own serializer)."""
    if not bindings:
        return ""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


class RemoteStore(DatasetQueries):
    """ScholarKG's view of a SPARQL 1.1 engine (Protocol + Graph Store Protocol)."""

    kind = "remote"

    def __init__(self, settings: Settings, *, client: httpx.Client | None = None) -> None:
        if not settings.remote:
            raise RemoteStoreError(f"{settings.store} is not a sparql+http(s):// endpoint")
        self.settings = settings
        self.query_url = endpoint_url(str(settings.store))
        self.update_url = settings.remote_update_url
        self.store_url = settings.remote_store_url
        self.base_iri = settings.base_iri
        self.client = client or httpx.Client(timeout=httpx.Timeout(settings.query_timeout + 5, connect=5))
        self.write_auth = _auth(settings)
        self.engine = "unknown"
        self._text: TextIndex | None = None

    @classmethod
    def open(cls, settings: Settings) -> RemoteStore:
        """Connect and check the engine now: a misconfigured store fails here, not on the first request."""
        store = cls(settings)
        try:
            store.check()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.client.close()

    # -- engine identity and checks ------------------------------------------------------------------
    def check(self) -> None:
        """Reachable, answers a query, and (when writes are configured) accepts a write."""
        try:
            response = self.client.get(self.query_url, params={"query": "ASK {}"}, headers={"Accept": SPARQL_JSON})
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"remote store {self.query_url} is unreachable: {error}") from None
        server = response.headers.get("server", "")
        self.engine = (
            "virtuoso" if "virtuoso" in server.lower() else "oxigraph" if "oxigraph" in server.lower() else ("unknown")
        )
        if response.status_code != 200:
            raise RemoteStoreError(
                f"remote store {self.query_url} cannot answer a query: HTTP {response.status_code} "
                f"{response.text[:300]}"
            )
        if self.engine == "unknown":
            # Oxigraph server sends no Server header: recognise it by its query endpoint's answer to a bad query.
            probe = self.client.get(self.query_url, params={"query": "ASK {"})
            if "oxigraph" in probe.text.lower() or self.query_url.endswith("/query"):
                self.engine = "oxigraph"
        if self.store_url:
            self._check_write()

    def _check_write(self) -> None:
        probe = f"{self.base_iri}id/healthcheck/write-probe"
        assert self.store_url is not None
        try:
            put = self.client.put(
                self.store_url,
                params={"graph": probe},
                content=f"<{probe}> <{probe}> <{probe}> .\n".encode(),
                headers={"Content-Type": N_TRIPLES},
                auth=self.write_auth or httpx.USE_CLIENT_DEFAULT,
            )
            delete = self.client.delete(
                self.store_url, params={"graph": probe}, auth=self.write_auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"remote Graph Store {self.store_url} is unreachable: {error}") from None
        if put.status_code not in (200, 201, 204) or delete.status_code not in (200, 204):
            raise RemoteStoreError(
                f"remote Graph Store {self.store_url} refused a write (PUT {put.status_code}, DELETE "
                f"{delete.status_code}): check SCHOLARKG_REMOTE_STORE_URL, SCHOLARKG_REMOTE_AUTH and the credentials"
            )

    def health(self) -> dict[str, object]:
        """For /healthz: the engine answers a trivial query now (cheap: no counts, no write probe)."""
        started = time.perf_counter()
        try:
            response = self.client.get(self.query_url, params={"query": "ASK {}"}, headers={"Accept": SPARQL_JSON})
            reachable = response.status_code == 200
        except httpx.HTTPError:
            reachable = False
        return {
            "backend": self.kind,
            "engine": self.engine,
            "endpoint": self.query_url,
            "reachable": reachable,
            "writable": bool(self.store_url),
            "seconds": round(time.perf_counter() - started, 4),
        }

    # -- the deduplicated view ------------------------------------------------------------------------
    @property
    def keeps_view(self) -> bool:
        """Oxigraph server: its default graph is separate from the named graphs and holds the view, as in the
        embedded store. Other engines (Virtuoso: the default graph is the union of all graphs) have none."""
        return self.engine == "oxigraph"

    def view_missing(self) -> bool:
        """Pages are loaded but the view is empty (written before the view existed, or by another tool)."""
        if not self.keeps_view or not self.select("SELECT ?g WHERE { GRAPH ?g { ?g a skg:SourcePage } } LIMIT 1"):
            return False
        return not self.select("SELECT ?s WHERE { ?s a skg:SourcePage } LIMIT 1")

    def rebuild_view(self) -> None:
        """Recompute the view as the distinct union of the view sources."""
        self.update(f"CLEAR DEFAULT ;\n{REBUILD_VIEW}", timeout=MAINTENANCE_TIMEOUT)

    # -- queries -------------------------------------------------------------------------------------
    def _dataset_params(
        self, text: str, default_graphs: Iterable[str], named_graphs: Iterable[str]
    ) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = [("query", text)]
        params += [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        # Oxigraph server: its own default graph is the deduplicated view (kept by `replace_graph`). Virtuoso:
        # its default graph is always the union of every graph (any dataset restriction also hides GRAPH <iri>
        # patterns there), so queries read the union, where a fact stated by two pages appears twice.
        return params

    def ask_engine(
        self,
        text: str,
        *,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        graph_result: bool = False,
        timeout: float | None = None,
    ) -> RemoteAnswer:
        """POST one query (form-encoded: Virtuoso 7.2 hangs on `application/sparql-query` bodies); parse it."""
        accept = f"{N_TRIPLES}, text/plain;q=0.5" if graph_result else SPARQL_JSON
        limit = timeout or self.settings.query_timeout
        params = self._dataset_params(text, default_graphs, named_graphs)
        if self.engine == "virtuoso":
            params.append(("timeout", str(int(limit * 1000))))
        try:
            response = self.client.post(
                self.query_url, data=dict(_group(params)), headers={"Accept": accept}, timeout=limit + 5
            )
        except httpx.TimeoutException:
            raise RemoteTimeoutError(f"the remote store did not answer within {limit:g} s") from None
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"remote store {self.query_url} failed: {error}") from None
        if response.status_code == 206 or response.headers.get("x-sql-state") == "S1TAT":
            # Virtuoso's "anytime" answer: at its MaxQueryExecutionTime it sends what it has, with 206 or with 200
            # and `X-SQL-State: S1TAT` (seen at 100k papers: 124 of 3,691 rows after 60 s) — never complete.
            raise RemoteTimeoutError(
                f"the remote store stopped the query at its time limit and sent partial results "
                f"({response.status_code}, X-SQL-State {response.headers.get('x-sql-state', '-')}); limit {limit:g} s"
            )
        if response.status_code != 200:
            message = response.text.strip()[:1000] or f"HTTP {response.status_code}"
            if response.status_code in (400, 500) and _looks_like_syntax(message):
                raise RemoteQueryError(message)
            raise RemoteQueryError(f"remote store answered HTTP {response.status_code}: {message}")
        cut = response.headers.get("x-sparql-maxrows")
        engine_max = int(cut) if cut and cut.isdigit() else None
        if graph_result:
            triples = [quad.triple for quad in parse(response.content, format=RdfFormat.N_TRIPLES)]
            truncated = engine_max is not None and len(triples) >= engine_max
            return RemoteAnswer(triples, truncated, engine_max)
        result = parse_query_results(response.content, format=QueryResultsFormat.JSON)
        if isinstance(result, QuerySolutions) and [v.value for v in result.variables] == [ASK_COLUMN]:
            rows = list(result)  # Virtuoso's ASK
            value = bool(rows) and rows[0][ASK_COLUMN] is not None and rows[0][ASK_COLUMN].value in ("1", "true")
            return RemoteAnswer(_boolean(value), False, engine_max)
        if isinstance(result, QuerySolutions) and engine_max is not None:
            rows = list(result)
            variables = list(result.variables)
            return RemoteAnswer(_Solutions(variables, rows), len(rows) >= engine_max, engine_max)  # type: ignore[arg-type]
        return RemoteAnswer(result, False, engine_max)

    def select(self, query: str, **bindings: NamedNode | Literal) -> list[dict[str, object]]:
        """A SELECT over the store's default graph; rows as {variable: term}. A result the engine cuts (Virtuoso's
        ResultSetMaxRows) is read again in pages (`_select_pages`), never used cut."""
        text = query + _values_clause(bindings)
        answer = self.ask_engine(sparql_prefixes() + text)
        if answer.truncated:
            return self._select_pages(text, answer.engine_max_rows)
        result = answer.result
        assert isinstance(result, QuerySolutions | _Solutions)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names} for row in result]

    def _select_pages(self, text: str, engine_max_rows: int | None) -> list[dict[str, object]]:
        """The whole result of `text`, read in keyset pages on its first projected variable: `SELECT * { { text }
        FILTER(STR(?key) > last) } ORDER BY STR(?key) LIMIT n`, n below the engine's cut. No OFFSET (Virtuoso also
        refuses to sort past its MaxSortedTopRows). A full page may end inside a key: its last key's rows are
        dropped and read again with the next page. Each page evaluates the query again: O(rows / n) passes."""
        try:
            variables = Store().query(sparql_prefixes() + text).variables  # type: ignore[union-attr]
        except (SyntaxError, AttributeError):
            raise RemoteStoreError("the remote store cut a result that is not a SELECT") from None
        names = [v.value for v in variables]
        key = names[0]
        page = max(1, min(PAGE_ROWS * 10, (engine_max_rows or PAGE_ROWS) - 1))
        rows: list[dict[str, object]] = []
        after: str | None = None
        while True:
            keyset = "" if after is None else f"FILTER(STR(?{key}) > {Literal(after)})"
            paged = f"SELECT * WHERE {{ {{ {text} }} {keyset} }} ORDER BY STR(?{key}) LIMIT {page}"
            answer = self.ask_engine(sparql_prefixes() + paged)
            if answer.truncated:
                page = min(page, answer.engine_max_rows or page) - 1
                if page < 1:
                    raise RemoteStoreError("the remote store cuts every result: check its ResultSetMaxRows")
                continue
            got = [{n: row[n] for n in names} for row in answer.result]  # type: ignore[union-attr]
            if len(got) < page:
                return rows + got
            last = term_value(got[-1][key])
            kept = [r for r in got if term_value(r[key]) != last]
            if not kept:
                raise RemoteStoreError(f"more than {page} rows share ?{key} = {last}: raise the engine's row cut")
            rows.extend(kept)
            after = term_value(kept[-1][key])

    def _scope(self, variable: str = "?g") -> str:
        """FILTER keeping ScholarKG's graphs only (Virtuoso's union includes its system graphs)."""
        return f"FILTER({variable} = {ONTOLOGY_GRAPH} || STRSTARTS(STR({variable}), {Literal(self.base_iri)}))"

    def graphs(self) -> list[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._scope()} }} ORDER BY ?g")
        return [row["g"].value for row in rows]  # type: ignore[attr-defined]

    def quad_count(self) -> int:
        return self.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._scope()} }}")

    def graph_count(self) -> int:
        return self.count(f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._scope()} }}")

    def contains_graph(self, graph: NamedNode) -> bool:
        return bool(self.select(f"SELECT ?s WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT 1"))

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        """Every triple of one graph, in keyset pages by subject below the engine's row cut."""
        rows = self._select_pages(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}", None)
        return [Triple(r["s"], r["p"], r["o"]) for r in rows]  # type: ignore[arg-type]

    def quads(self) -> Iterator[Quad]:
        """Every quad of ScholarKG's graphs, graph by graph (streams from the engine)."""
        for graph in self.graphs():
            node = NamedNode(graph)
            for triple in self.graph_triples(node):
                yield Quad(triple.subject, triple.predicate, triple.object, node)

    @property
    def text(self) -> TextIndex:
        """The full-text index, in memory: built from the engine on first use after a write that may change any
        row (`loader.text_index`; a remote engine has no hook telling us about writes made by others, so it is
        rebuilt per process)."""
        text = self._text
        if text is None:
            text = TextIndex()
            text.replace_all(self._text_rows())
            self._text = text
        return text

    def _text_rows(self, iris: Iterable[NamedNode] = ()) -> list[tuple[str, str, str]]:
        """Full-text rows (iri, kind, names) read from the view: every named person and paper, or those of `iris`."""
        values = " ".join(str(iri) for iri in iris)
        names: dict[tuple[str, str], list[str]] = {}
        for row in self.select(
            "SELECT DISTINCT ?e ?type ?name WHERE { ?e a ?type ; schema:name ?name "
            "VALUES ?type { schema:Person schema:ScholarlyArticle }"
            + (f" VALUES ?e {{ {values} }}" if values else "")
            + " }"
        ):
            kind = "person" if term_value(row["type"]) == "http://schema.org/Person" else "paper"
            names.setdefault((term_value(row["e"]), kind), []).append(term_value(row["name"]))
        return [(iri, kind, "\n".join(sorted(set(v)))) for (iri, kind), v in names.items()]

    def _refresh_text(self, iris: Iterable[NamedNode]) -> None:
        """Re-read the rows of `iris` (bounded batches) into the in-memory index."""
        assert self._text is not None
        ordered = sorted(set(iris), key=lambda iri: iri.value)
        for start in range(0, len(ordered), PAGE_ROWS):
            batch = ordered[start : start + PAGE_ROWS]
            self._text.rewrite([iri.value for iri in batch], self._text_rows(batch))

    def view_triples(self) -> Iterable[Triple]:
        """The distinct triples of the view sources (pages, ontology, taxonomy, links)."""
        if self.keeps_view:
            return [Triple(r["s"], r["p"], r["o"]) for r in self.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")]
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ {_VIEW_SOURCES} }}")
        seen: dict[Triple, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(self.graph_triples(row["g"])))  # type: ignore[arg-type]
        return seen

    def view_size(self) -> int:
        if self.keeps_view:
            return self.count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return self.count(  # the distinct triples of the view sources, counted by the engine
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
            f"{_VIEW_SOURCES} GRAPH ?g {{ ?s ?p ?o }} }} }}"
        )

    # -- writing -------------------------------------------------------------------------------------
    def _require_store_url(self) -> str:
        if not self.store_url:
            raise RemoteStoreError("the remote store is read-only here: set SCHOLARKG_REMOTE_STORE_URL to write")
        return self.store_url

    def replace_graph(self, graph: NamedNode, quads: Iterable[Quad]) -> None:
        """Graph Store `PUT` of one graph: the engine replaces its whole content (all or nothing). The view
        follows by SPARQL Update: the graph's old triples that no other view source states leave it before the
        `PUT`, the new ones (of a view source) join it after (three requests: not one transaction)."""
        self._text = None  # rebuilt on the next search
        url = self._require_store_url()
        quads = list(quads)
        if self.keeps_view:
            self.update(unview_operation(graph))
        if any(q.graph_name != graph for q in quads):
            raise ValueError(f"every quad must be in graph {graph}")
        if any(isinstance(term, BlankNode) for q in quads for term in (q.subject, q.object)):
            raise ValueError("blank nodes cannot be written to a remote store by graph (they would not match)")
        body = io.BytesIO()
        serialize((q.triple for q in quads), body, RdfFormat.N_TRIPLES)
        try:
            response = self.client.put(
                url,
                params={"graph": graph.value},
                content=body.getvalue(),
                headers={"Content-Type": N_TRIPLES},
                auth=self.write_auth or httpx.USE_CLIENT_DEFAULT,
                timeout=max(60.0, self.settings.query_timeout),
            )
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"remote Graph Store {url} failed: {error}") from None
        if response.status_code not in (200, 201, 204):
            raise RemoteStoreError(
                f"remote Graph Store PUT {graph.value} failed: HTTP {response.status_code} {response.text[:300]}"
            )
        if self.keeps_view and is_view_source(graph, quads):
            self.update(f"ADD SILENT {graph} TO DEFAULT")

    def remove_graph(self, graph: NamedNode) -> None:
        self._text = None  # rebuilt on the next search
        url = self._require_store_url()
        if self.keeps_view:
            self.update(unview_operation(graph))
        response = self.client.delete(
            url, params={"graph": graph.value}, auth=self.write_auth or httpx.USE_CLIENT_DEFAULT
        )
        if response.status_code == 404:
            raise UnknownSourceError(f"no graph {graph} in the store")
        if response.status_code not in (200, 204):
            raise RemoteStoreError(f"remote Graph Store DELETE {graph.value} failed: HTTP {response.status_code}")

    def update(self, text: str, *, text_effect: TextEffect = EVERYTHING, timeout: float | None = None) -> None:
        """SPARQL Update on the update endpoint (authenticated as configured). The in-memory full-text index
        follows: on an engine that keeps the view in its default graph (what the index reads), the rows of
        `text_effect.subjects` are re-read after the update; otherwise (any row may have changed, or a Virtuoso
        default graph that is the union of every graph) it is dropped and rebuilt on the next search."""
        if text_effect.everything or not self.keeps_view:
            self._text = None
        if not self.update_url:
            raise RemoteStoreError("the remote store is read-only here: set SCHOLARKG_REMOTE_UPDATE_URL to update")
        response = self.client.post(
            self.update_url,
            data={"update": text} if self.engine != "virtuoso" else {"query": text},
            auth=self.write_auth or httpx.USE_CLIENT_DEFAULT,
            timeout=timeout or max(60.0, self.settings.query_timeout),
        )
        if response.status_code in (200, 204):
            if self._text is not None and text_effect.subjects:
                self._refresh_text(text_effect.subjects)
            return
        message = response.text.strip()[:1000]
        if "SP031" in message:
            raise RemoteUpdateError(
                "Virtuoso refuses INSERT/DELETE DATA without GRAPH (SP031): put the triples in "
                "GRAPH <iri> { … } — on Virtuoso the default graph is the union of all graphs"
            )
        raise RemoteUpdateError(f"the remote store refused the update: HTTP {response.status_code} {message}")

    def flush(self) -> None:
        """Nothing to do: every write was committed by the engine when it answered."""

    # -- export --------------------------------------------------------------------------------------
    def export(self, output: IO[bytes], rdf_format: RdfFormat, graph: NamedNode | None = None) -> None:
        prefixes = dict(PREFIXES)
        if graph is not None:
            if not self.contains_graph(graph):
                raise UnknownSourceError(f"no graph {graph} in the store")
            triples = self.graph_triples(graph)
            if rdf_format.supports_datasets:
                serialize(
                    (Quad(t.subject, t.predicate, t.object, graph) for t in triples),
                    output,
                    rdf_format,
                    prefixes=prefixes,
                )
            else:
                serialize(triples, output, rdf_format, prefixes=prefixes)
        elif rdf_format.supports_datasets:
            serialize(self.quads(), output, rdf_format, prefixes=prefixes)
        else:
            serialize(self.view_triples(), output, rdf_format, prefixes=prefixes)


class _Solutions:
    """Materialised solutions (so a cut result can be counted and still iterated)."""

    def __init__(self, variables: list, rows: list) -> None:
        self.variables = variables
        self._rows = rows

    def __iter__(self) -> Iterator:
        return iter(self._rows)


def _boolean(value: bool) -> QueryBoolean:
    parsed = parse_query_results(
        b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}", format=QueryResultsFormat.JSON
    )
    assert isinstance(parsed, QueryBoolean)
    return parsed


def _group(params: list[tuple[str, str]]) -> list[tuple[str, str | list[str]]]:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key, []).append(value)
    return [(k, v[0] if len(v) == 1 else v) for k, v in grouped.items()]


def _looks_like_syntax(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in ("syntax", "parse", "sp030", "37000", "unexpected", "expected"))
