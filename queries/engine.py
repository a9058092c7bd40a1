"""The query engine: the live store, its snapshots, the worker pool, the guards — used by API and CLI."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from scholarkg.loader.settings import Settings
from scholarkg.loader.snapshots import Snapshots
from scholarkg.loader.store import GraphStore
from scholarkg.queries.catalog import StoredQuery
from scholarkg.queries.execute import ROWS_FORMAT, QueryEvaluationError, QueryRequest, QueryResult
from scholarkg.queries.federation import RemoteServiceError, ServiceGateway, bind_service_variables
from scholarkg.queries.guard import check_remote_targets, remote_targets
from scholarkg.queries.parameters import bind_parameters
from scholarkg.queries.workers import QueryPool, WorkerCrashedError

Term = NamedNode | Literal


class Engine:
    """Owns the read-write store (one writer) and runs every query through the worker pool."""

    def __init__(self, settings: Settings, store: GraphStore, *, workers: int | None = None) -> None:
        self.settings = settings
        self.store = store
        self.write_lock = threading.Lock()
        snapshot_dir = Path(f"{settings.store}.snapshots")
        self.snapshots = Snapshots(store.store, snapshot_dir)
        self.pool = QueryPool(workers or settings.query_workers, settings.query_timeout)
        self._gateway: ServiceGateway | None = None
        self._gateway_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, *, workers: int | None = None) -> Engine:
        return cls(settings, GraphStore.open(settings.store), workers=workers)

    def close(self) -> None:
        self.pool.close()
        self.snapshots.close()
        if self._gateway is not None:
            self._gateway.close()

    def gateway(self) -> ServiceGateway:
        """The SERVICE gateway (queries/federation.py), started on the first query that calls a remote endpoint."""
        with self._gateway_lock:
            if self._gateway is None:
                self._gateway = ServiceGateway(
                    self.settings.service_allowlist,
                    timeout=self.settings.service_timeout,
                    max_rows=self.settings.service_max_rows,
                    max_bytes=self.settings.service_max_bytes,
                )
            return self._gateway

    # -- reading ------------------------------------------------------------------------------------
    def query(self, request: QueryRequest) -> QueryResult:
        """The chokepoint: SERVICE allow-list, caps from settings, time limit via the pool; SERVICE calls go
        through the gateway (per-call time limit, row cap, failures as RemoteServiceError naming the endpoint)."""
        text = bind_service_variables(request.text, request.bindings) if request.bindings else request.text
        check_remote_targets(text, self.settings.service_allowlist)
        if not remote_targets(text):
            with self.snapshots.lease() as snapshot:
                return self.pool.run(str(snapshot), request)
        gateway = self.gateway()
        routed = gateway.route(text, base_iri=request.base_iri)
        try:
            with self.snapshots.lease() as snapshot:
                try:
                    result = self.pool.run(str(snapshot), dataclasses.replace(request, text=routed.text))
                except (QueryEvaluationError, WorkerCrashedError):
                    failed, _ = gateway.outcome(routed)
                    if failed is not None:
                        raise RemoteServiceError(failed.endpoint, failed.failure or "failed") from None
                    raise
            _, truncated = gateway.outcome(routed)
            return dataclasses.replace(result, truncated=True) if truncated else result
        finally:
            gateway.release(routed)

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

    def run_stored(self, stored: StoredQuery, raw: Mapping[str, str], fmt: str = ROWS_FORMAT) -> QueryResult:
        bindings = self.bind(stored, raw)
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
            self.store.store.update(text, base_iri=base_iri)
            self.snapshots.refresh()

    def changed(self) -> None:
        """Call after writing to `self.store` directly (under `write_lock`)."""
        self.snapshots.refresh()
