"""The FastAPI application factory: `create_app(settings)`; no module-level app."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scholarkg.api.cors import ReconcileCORS
from scholarkg.api.errors import install_error_handlers
from scholarkg.api.http_limits import HeadLimitMiddleware
from scholarkg.loader.backend import StoreBackend, open_backend
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.settings import Settings
from scholarkg.queries.engine import Engine
from scholarkg.seeds import seed_files

log = logging.getLogger("scholarkg.api")
STATIC_DIR = Path(__file__).parent / "static"


def load_seeds_if_empty(store: StoreBackend, settings: Settings) -> int:
    """On a store without source pages, load the bundled seeds; returns the number loaded."""
    if store.sources():
        return 0
    results = list(load_files(store, seed_files(), as_of=dt.date.today(), iris=Iris(settings.base_iri)))
    failed = [r for r in results if not r.ok]
    for result in failed:
        log.error("seed page failed to load: %s", result.error)
    return len(results) - len(failed)


def create_app(settings: Settings, store: StoreBackend | None = None) -> FastAPI:
    """The app over `store` (opened from `settings.store` at start-up when not given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = store if store is not None else open_backend(settings)
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
        # /docs is the vendored Swagger UI page in api/ui.py (FastAPI's own loads it from a CDN); no /redoc.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    from scholarkg.api.sparql import SparqlRoute

    app.add_middleware(SparqlRoute)  # /sparql past FastAPI's routing (the hot path; see api/sparql.py)
    app.add_middleware(HeadLimitMiddleware, limit=settings.max_request_head_bytes)  # 414 / 431

    from scholarkg.api import (
        authors,
        canned,
        categories,
        entities,
        export,
        graph_store,
        links,
        papers,
        reconcile,
        sources,
        sparql,
        ui,
        void,
    )

    modules = (
        *(sparql, graph_store, canned, entities, authors, papers, categories, sources, export, void, ui),
        *(links, reconcile),
    )
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(ReconcileCORS)
    return app
