"""`scholarkg serve`: run the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from scholarkg.api.app import create_app
from scholarkg.api.http_limits import bounded_protocol
from scholarkg.loader.backend import open_backend
from scholarkg.loader.settings import Settings


def serve(settings: Settings) -> None:
    """Open the store first (a store held by another process is a clear error, not a traceback), then serve."""
    store = open_backend(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings, store)
    print(f"ScholarKG on http://{settings.host}:{settings.port}/  (store: {settings.store})", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
        http=bounded_protocol(settings.max_request_head_bytes),  # httptools; 414 / 431 for oversized heads
    )
