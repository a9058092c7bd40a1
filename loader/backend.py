"""Open the configured store backend: the embedded Oxigraph store (a folder) or a remote SPARQL engine."""

from __future__ import annotations

from scholarkg.loader.identity import Iris
from scholarkg.loader.remote import RemoteStore
from scholarkg.loader.settings import Settings
from scholarkg.loader.store import GraphStore

StoreBackend = GraphStore | RemoteStore


def open_backend(settings: Settings, *, read_only: bool = False) -> StoreBackend:
    """`SCHOLARKG_STORE` / `--store`: a folder opens the embedded store; `sparql+http(s)://…` connects to the
    engine and checks it (reachable, answers a query, accepts a write when a Graph Store URL is set). Opened for
    writing, either brings a view or co-author index from an older version up to date (`GraphStore.open`;
    `ensure_indexes` on an engine where writes are configured)."""
    if settings.remote:
        store = RemoteStore.open(settings)
        if not read_only and store.update_url and store.store_url:
            from scholarkg.loader.load import ensure_indexes  # (imports this module)

            ensure_indexes(store, Iris(settings.base_iri))
        return store
    return GraphStore.open(settings.store_path, read_only=read_only)
