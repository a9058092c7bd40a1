"""The query engine: the live store, its snapshots, the worker pool, the guards — used by API and CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode

from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import Settings
from scholarkg.loader.snapshots import FixedSnapshot, Snapshots
from scholarkg.loader.store import GraphStore, SourceInfo
from scholarkg.loader.text_index import EVERYTHING, TextEffect
from scholarkg.queries.catalog import StoredQuery
from scholarkg.queries.execute import ROWS_FORMAT, QueryEvaluationError, QueryRequest, QueryResult
from scholarkg.queries.fast_path import InProcessQueries
from scholarkg.queries.federation import (
    MAX_SERVICE_VALUES,
    RemoteServiceError,
    Routed,
    ServiceGateway,
    bind_service_variables,
    fill_service_values,
)
from scholarkg.queries.follow import follow_links_text, parse_flag
from scholarkg.queries.guard import check_remote_targets, mentions_remote, remote_targets, scrub_remote_message
from scholarkg.queries.limits import check_text
from scholarkg.queries.parameters import ParameterError, bind_parameters
from scholarkg.queries.remote_execute import run_remote_query
from scholarkg.queries.update_effects import update_effect
from scholarkg.queries.update_rehearsal import UpdateRehearsal
from scholarkg.queries.workers import QueryPool, QueryTimeoutError, WorkerCrashedError
from scholarkg.queries.write_gate import WriteGate

Term = NamedNode | Literal
SOURCE_COUNT = "SELECT (COUNT(?g) AS ?n) WHERE { GRAPH ?g { ?g a skg:SourcePage } }"
T = TypeVar("T")


def _scrubbed(error: QueryEvaluationError, text: str) -> QueryEvaluationError:
    """The error as is, or — for a text that could reach a remote endpoint — without the endpoint's answer."""
    return QueryEvaluationError(scrub_remote_message(str(error))) if mentions_remote(text) else error


class Engine:
    """Owns the read-write store (one writer) and runs every query through the worker pool."""

    def __init__(
        self,
        settings: Settings,
        store: GraphStore | RemoteStore,
        *,
        workers: int | None = None,
        read_only: bool = False,
    ) -> None:
        self.settings = settings
        self.store = store
        self.write_lock = WriteGate(settings.max_pending_writes, settings.write_wait_timeout)
        self.snapshots: Snapshots | FixedSnapshot | None = None
        self.pool: QueryPool | None = None
        if isinstance(store, GraphStore):  # a remote engine needs neither snapshots nor worker processes
            # Read-only (the CLI beside a running server): workers open the store itself read-only, and the
            # server's snapshot folder is left alone.
            self.snapshots = (
                FixedSnapshot(settings.store_path)
                if read_only
                else Snapshots(store.store, Path(f"{settings.store_path}.snapshots"))
            )
            self.pool = QueryPool(
                workers or settings.query_workers,
                settings.query_timeout,
                queue_timeout=settings.queue_timeout,
                slow_seconds=settings.slow_query_seconds,
                slow_workers=settings.slow_query_workers,
                client_limit=settings.client_concurrency,
            )
        # Bounded-shape queries (one triple pattern, a row budget) skip the worker round-trip: queries/fast_path.py
        self.in_process: InProcessQueries | None = None
        if self.pool is not None and settings.small_query_rows > 0:
            self.in_process = InProcessQueries(max_rows=settings.small_query_rows)
        self.rehearsal: UpdateRehearsal | None = None
        if isinstance(store, GraphStore) and not read_only:
            self.rehearsal = UpdateRehearsal(Path(f"{settings.store_path}.rehearsals"), settings.update_timeout)
        self._cache: dict[str, object] = {}
        self._cache_lock = threading.Lock()
        self._generation = 0
        self._gateway: ServiceGateway | None = None
        self._gateway_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, *, workers: int | None = None) -> Engine:
        """The embedded store, or the remote engine named by a `sparql+http://` store (checked now)."""
        if settings.remote:
            return cls(settings, RemoteStore.open(settings), workers=workers)
        return cls(settings, GraphStore.open(settings.store_path), workers=workers)

    @property
    def remote(self) -> bool:
        return isinstance(self.store, RemoteStore)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.in_process is not None:
            self.in_process.close()
        if self.rehearsal is not None:
            self.rehearsal.close()
        if self.snapshots is not None:
            self.snapshots.close()
        if self._gateway is not None:
            self._gateway.close()

    # -- reading ------------------------------------------------------------------------------------
    def _checked(self, request: QueryRequest, text: str | None = None) -> None:
        """Caps on the text (`text`: the request's own, or as bound), then the SERVICE allow-list (both before
        anything runs)."""
        text = request.text if text is None else text
        check_text(text, max_chars=self.settings.max_query_chars, max_depth=self.settings.max_query_depth)
        if not request.remote_free:
            check_remote_targets(text, self.settings.service_allowlist, base_iri=request.base_iri)

    def query(self, request: QueryRequest, *, client: str | None = None) -> QueryResult:
        """The chokepoint: text caps, SERVICE allow-list, caps from settings, queue bound and time limit via the pool;
        SERVICE calls go through the gateway (per-call time limit, row cap, RemoteServiceError naming the
        endpoint). A remote engine gets the guarded query over the SPARQL Protocol."""
        if isinstance(self.store, RemoteStore):
            self._checked(request)
            return run_remote_query(self.store, request, self.settings.query_timeout)
        with self._embedded_run(request) as (request, snapshot, routed):
            small = self._in_process(request, snapshot, routed)
            if small is not None:
                return small
            return self._settle(routed, self.pool.run(snapshot, request, client=client))  # type: ignore[union-attr]

    async def query_async(self, request: QueryRequest, *, client: str | None = None) -> QueryResult:
        """`query` for the event loop: the same checks, awaiting the worker's pipe instead of a thread."""
        if isinstance(self.store, RemoteStore):  # an HTTP call: run it in a thread, off the event loop
            self._checked(request)
            return await asyncio.to_thread(run_remote_query, self.store, request, self.settings.query_timeout)
        with self._embedded_run(request) as (request, snapshot, routed):
            small = self._in_process(request, snapshot, routed)
            if small is not None:
                return small
            result = await self.pool.run_async(snapshot, request, client=client)  # type: ignore[union-attr]
            return self._settle(routed, result)

    @contextmanager
    def _embedded_run(self, request: QueryRequest) -> Iterator[tuple[QueryRequest, str, Routed | None]]:
        """What `query` and `query_async` share on the embedded store: guard and route SERVICE calls, lease a
        snapshot, turn a failed SERVICE call into a RemoteServiceError and never echo a remote answer."""
        assert self.snapshots is not None and self.pool is not None
        request, routed = self._federate(request)
        try:
            with self.snapshots.lease() as snapshot:
                try:
                    yield request, str(snapshot), routed
                except QueryEvaluationError as error:
                    self._raise_remote_failure(routed)
                    raise _scrubbed(error, request.text) from None
                except WorkerCrashedError:
                    self._raise_remote_failure(routed)
                    raise
        finally:
            self._release(routed)

    def _in_process(self, request: QueryRequest, snapshot: str, routed: Routed | None) -> QueryResult | None:
        """A bounded-shape query's result computed here (queries/fast_path.py), or None: a worker runs it."""
        if routed is not None or self.in_process is None or not self.in_process.eligible(request):
            return None
        return self.in_process.run(snapshot, request)

    # -- federation (queries/federation.py) ----------------------------------------------------------
    def gateway(self) -> ServiceGateway:
        """The SERVICE gateway, started on the first query that calls a remote endpoint."""
        with self._gateway_lock:
            if self._gateway is None:
                self._gateway = ServiceGateway(
                    self.settings.service_allowlist,
                    timeout=self.settings.service_timeout,
                    max_rows=self.settings.service_max_rows,
                    max_bytes=self.settings.service_max_bytes,
                    max_load_triples=self.settings.max_upload_quads,  # a LOADed document: an upload the server fetches
                    max_load_term_bytes=self.settings.max_upload_parsed_bytes,
                )
            return self._gateway

    def _federate(self, request: QueryRequest) -> tuple[QueryRequest, Routed | None]:
        """Bind `SERVICE ?param` to its IRI, let the guard decide, and point allowed targets at the gateway."""
        text = bind_service_variables(request.text, request.bindings) if request.bindings else request.text
        self._checked(request, text)
        if request.remote_free or not remote_targets(text):
            return request, None
        routed = self.gateway().route(text, base_iri=request.base_iri)
        return dataclasses.replace(request, text=routed.text), routed

    def _raise_remote_failure(self, routed: Routed | None) -> None:
        if routed is not None and self._gateway is not None:
            failed, _ = self._gateway.outcome(routed)
            if failed is not None:
                raise RemoteServiceError(failed.endpoint, failed.failure or "failed", load=failed.load) from None

    def _settle(self, routed: Routed | None, result: QueryResult) -> QueryResult:
        if routed is None or self._gateway is None:
            return result
        _, truncated = self._gateway.outcome(routed)
        return dataclasses.replace(result, truncated=True) if truncated else result

    def _release(self, routed: Routed | None) -> None:
        if routed is not None and self._gateway is not None:
            self._gateway.release(routed)

    # -- cached facts (no store scan per request; dropped on every write) ----------------------------
    def cached(self, name: str, compute: Callable[[], T]) -> T:
        with self._cache_lock:
            if name in self._cache:
                return self._cache[name]  # type: ignore[return-value]
            generation = self._generation
        value = compute()
        with self._cache_lock:
            if generation == self._generation:  # no write happened while computing
                self._cache.setdefault(name, value)
        return value

    def sources(self) -> list[SourceInfo]:
        return list(self.cached("sources", self.store.sources))

    def source_count(self) -> int:
        """Source pages, for /healthz: an index lookup per page (`sources()` counts every page's triples, a
        scan of the store), cached like the rest."""
        return self.cached("source_count", lambda: self.store.count(SOURCE_COUNT))

    def statistics(self) -> dict[str, int]:
        return dict(self.cached("statistics", self.store.stats))

    def request(self, text: str, **overrides: object) -> QueryRequest:
        """A QueryRequest with this engine's row and byte caps."""
        fields: dict[str, object] = {"max_rows": self.settings.max_rows, "max_bytes": self.settings.max_bytes}
        fields.update(overrides)
        return QueryRequest(text=text, **fields)  # type: ignore[arg-type]

    def lookup(self, text: str, bindings: Mapping[str, Term]) -> list[str]:
        result = self.query(self.request(text, solution_format=ROWS_FORMAT, bindings=dict(bindings)))
        rows = json.loads(result.body)["rows"]
        return [str(next(iter(row.values()))) for row in rows if row]

    def bind(self, stored: StoredQuery, raw: Mapping[str, str]) -> dict[str, Term]:
        return bind_parameters(stored, raw, self.lookup, base_iri=self.settings.base_iri)

    def prepare(self, stored: StoredQuery, raw: Mapping[str, str]) -> tuple[StoredQuery, dict[str, Term]]:
        """Bind the parameters; `follow_links=true` (default off) on a person-taking query treats accepted
        owl:sameAs between local persons (the links graph) as one person (queries/follow.py)."""
        raw = dict(raw)
        flag = raw.pop("follow_links", None)
        bindings = self.bind(stored, raw)
        stored = self._service_values(stored, bindings)
        if flag is None:
            return stored, bindings
        try:
            follow = parse_flag(flag)
        except ValueError as error:
            raise ParameterError("follow_links", str(error)) from None
        persons = {p.name: bindings[p.name] for p in stored.parameters if p.type == "person"}
        if not persons:
            raise ParameterError("follow_links", f"{stored.name!r} takes no person parameter")
        if not follow:
            return stored, bindings
        base = self.settings.base_iri
        text = follow_links_text(stored.text, persons, f"{base}id/graph/links", f"{base}id/person/")  # type: ignore[arg-type]
        return stored.model_copy(update={"text": text}), bindings

    def _service_values(self, stored: StoredQuery, bindings: Mapping[str, Term]) -> StoredQuery:
        """Run each `# service-values NAME:` lookup (bound like the query, capped) and write the IRIs it finds
        into the query's empty `VALUES ?NAME { }` (inside its SERVICE group)."""
        text = stored.text
        for name, lookup in stored.service_values:
            request = self.request(
                lookup, solution_format=ROWS_FORMAT, bindings=dict(bindings), max_rows=MAX_SERVICE_VALUES
            )
            rows = json.loads(self.query(request).body)["rows"]
            found = dict.fromkeys(str(row[name]) for row in rows if isinstance(row.get(name), str))
            iris = [NamedNode(v) for v in found if v.startswith(("http://", "https://"))]
            text = fill_service_values(text, name, iris)
        return stored if text == stored.text else stored.model_copy(update={"text": text})

    def run_stored(self, stored: StoredQuery, raw: Mapping[str, str], fmt: str = ROWS_FORMAT) -> QueryResult:
        stored, bindings = self.prepare(stored, raw)
        return self.query(self.stored_request(stored, bindings, fmt))

    def stored_request(self, stored: StoredQuery, bindings: Mapping[str, Term], fmt: str = ROWS_FORMAT) -> QueryRequest:
        """A canned query's request: parameters bound as terms and left out of the result columns."""
        return self.request(
            stored.text,
            solution_format=fmt,
            graph_format="turtle",
            bindings=dict(bindings),
            hidden_variables=tuple(bindings),
            remote_free=stored.remote_free,
        )

    # -- writing ------------------------------------------------------------------------------------
    def update(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        generated: bool = False,
        text_effect: TextEffect | None = None,
    ) -> None:
        """SPARQL Update on the live store (transactional), then a fresh snapshot for readers; the full-text index
        follows (`text_effect`: the rows the update may change, read off the parsed update when not given —
        `queries/update_effects.py`).

        `generated`: the server wrote the text itself from parsed RDF terms (Graph Store writes: DROP / CREATE /
        INSERT DATA), so it has no SERVICE or LOAD and skips the guard's parse.

        On the embedded store, allowed SERVICE and LOAD targets are pointed at the gateway (queries/federation.py:
        it makes the calls and fetches the LOADed documents with limits, once per update: the rehearsal's answers
        are replayed to the real run). A remote engine gets the guarded text as is and makes its own SERVICE
        calls and LOAD fetches (the allow-list decides; the gateway's limits do not apply)."""
        routed: Routed | None = None
        if not generated:
            check_text(text, max_chars=None, max_depth=self.settings.max_query_depth, what="update")
            check_remote_targets(text, self.settings.service_allowlist, base_iri=base_iri)
            if not isinstance(self.store, RemoteStore) and remote_targets(text):  # the gateway's limits, as queries
                # rehearsed, then run: the second run gets the first one's SERVICE answers and LOAD documents
                routed = self.gateway().route(text, base_iri=base_iri, strict=True, replay=self.rehearsal is not None)
        if text_effect is None:  # (after the guard's caps: the parse is bounded)
            text_effect = EVERYTHING if generated else update_effect(text, base_iri=base_iri)
        if routed is not None:
            text = routed.text
        with self.write_lock:
            try:
                if isinstance(self.store, RemoteStore):
                    self.store.update(
                        (f"BASE {NamedNode(base_iri)}\n" if base_iri else "") + text, text_effect=text_effect
                    )
                else:
                    if not generated and self.rehearsal is not None:  # a time limit: rehearsed on a killable copy
                        self.rehearsal.run(self.store.store, text, base_iri)
                    with self.store.text_write(text_effect):
                        self.store.store.update(text, base_iri=base_iri)
            except QueryTimeoutError:
                raise
            except (OSError, RuntimeError, SyntaxError) as error:  # never echo what a LOAD / SERVICE endpoint answered
                self._raise_remote_failure(routed)
                if isinstance(error, SyntaxError) or not mentions_remote(text):
                    raise
                raise type(error)(scrub_remote_message(str(error))) from None
            finally:
                self._forget()
                self._release(routed)
            if self.snapshots is not None:
                self.snapshots.refresh()

    def changed(self) -> None:
        """Call after writing to `self.store` directly (under `write_lock`)."""
        self._forget()
        if self.snapshots is not None:
            self.snapshots.refresh()

    def _forget(self) -> None:
        with self._cache_lock:
            self._generation += 1
            self._cache.clear()
