"""Open the configured store backend: the embedded Oxigraph store (a folder) or a remote SPARQL engine."""

from __future__ import annotations

from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import Settings
from scholarkg.loader.store import GraphStore

StoreBackend = GraphStore | RemoteStore


def open_backend(settings: Settings, *, read_only: bool = False) -> StoreBackend:
    """`SCHOLARKG_STORE` / `--store`: a folder opens the embedded store; `sparql+http(s)://…` connects to the
    engine and checks it (reachable, answers a query, accepts a write when a Graph Store URL is set)."""
    if settings.remote:
        return RemoteStore.open(settings)
    return GraphStore.open(settings.store_path, read_only=read_only)
