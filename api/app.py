"""The FastAPI application factory: `create_app(settings)`; no module-level app."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scholarkg.api.errors import install_error_handlers
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.settings import Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.engine import Engine
from scholarkg.seeds import seed_files

log = logging.getLogger("scholarkg.api")
STATIC_DIR = Path(__file__).parent / "static"


def load_seeds_if_empty(store: GraphStore, settings: Settings) -> int:
    """On a store without source pages, load the bundled seeds; returns the number loaded."""
    if store.sources():
        return 0
    results = list(load_files(store, seed_files(), as_of=dt.date.today(), iris=Iris(settings.base_iri)))
    failed = [r for r in results if not r.ok]
    for result in failed:
        log.error("seed page failed to load: %s", result.error)
    return len(results) - len(failed)


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The app over `store` (opened from `settings.store` at start-up when not given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = store if store is not None else GraphStore.open(settings.store)
        if settings.load_seeds:
            loaded = load_seeds_if_empty(opened, settings)
            if loaded:
                log.info("empty store: loaded %d bundled seed pages", loaded)
        engine = Engine(settings, opened)
        app.state.engine = engine
        try:
            yield
        finally:
            engine.close()
            opened.flush()
            del app.state.engine

    app = FastAPI(
        title="ScholarKG",
        version="0.1.0",
        description="Scholarly knowledge graph: SPARQL 1.1 endpoint, canned queries, linked-data entities.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)

    from scholarkg.api import (
        authors,
        canned,
        categories,
        entities,
        export,
        graph_store,
        links,
        papers,
        sources,
        sparql,
        ui,
        void,
    )

    modules = (sparql, graph_store, canned, entities, authors, papers, categories, sources, export, void, ui, links)
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
