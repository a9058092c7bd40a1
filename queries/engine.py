"""The query engine: the live store, its snapshots, the worker pool, the guards — used by API and CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode

from scholarkg.loader.settings import Settings
from scholarkg.loader.snapshots import Snapshots
from scholarkg.loader.store import GraphStore, SourceInfo
from scholarkg.queries.catalog import StoredQuery
from scholarkg.queries.execute import ROWS_FORMAT, QueryRequest, QueryResult
from scholarkg.queries.follow import follow_links_text, parse_flag
from scholarkg.queries.guard import check_remote_targets
from scholarkg.queries.parameters import ParameterError, bind_parameters
from scholarkg.queries.workers import QueryPool

Term = NamedNode | Literal
T = TypeVar("T")


class Engine:
    """Owns the read-write store (one writer) and runs every query through the worker pool."""

    def __init__(self, settings: Settings, store: GraphStore, *, workers: int | None = None) -> None:
        self.settings = settings
        self.store = store
        self.write_lock = threading.Lock()
        snapshot_dir = Path(f"{settings.store}.snapshots")
        self.snapshots = Snapshots(store.store, snapshot_dir)
        self.pool = QueryPool(
            workers or settings.query_workers,
            settings.query_timeout,
            queue_timeout=settings.queue_timeout,
            slow_seconds=settings.slow_query_seconds,
            slow_workers=settings.slow_query_workers,
            client_limit=settings.client_concurrency,
        )
        self._cache: dict[str, object] = {}
        self._cache_lock = threading.Lock()
        self._generation = 0

    @classmethod
    def open(cls, settings: Settings, *, workers: int | None = None) -> Engine:
        return cls(settings, GraphStore.open(settings.store), workers=workers)

    def close(self) -> None:
        self.pool.close()
        self.snapshots.close()

    # -- reading ------------------------------------------------------------------------------------
    def query(self, request: QueryRequest, *, client: str | None = None) -> QueryResult:
        """The chokepoint: SERVICE allow-list, caps from settings, queue bound and time limit via the pool."""
        check_remote_targets(request.text, self.settings.service_allowlist)
        with self.snapshots.lease() as snapshot:
            return self.pool.run(str(snapshot), request, client=client)

    async def query_async(self, request: QueryRequest, *, client: str | None = None) -> QueryResult:
        """`query` for the event loop: the same checks, awaiting the worker's pipe instead of a thread."""
        check_remote_targets(request.text, self.settings.service_allowlist)
        with self.snapshots.lease() as snapshot:
            return await self.pool.run_async(str(snapshot), request, client=client)

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
        return len(self.sources())

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
        )

    # -- writing ------------------------------------------------------------------------------------
    def update(self, text: str, *, base_iri: str | None = None) -> None:
        """SPARQL Update on the live store (transactional), then a fresh snapshot for readers."""
        check_remote_targets(text, self.settings.service_allowlist)
        with self.write_lock:
            try:
                self.store.store.update(text, base_iri=base_iri)
            finally:
                self._forget()
            self.snapshots.refresh()

    def changed(self) -> None:
        """Call after writing to `self.store` directly (under `write_lock`)."""
        self._forget()
        self.snapshots.refresh()

    def _forget(self) -> None:
        with self._cache_lock:
            self._generation += 1
            self._cache.clear()
