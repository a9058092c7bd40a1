"""`scholarkg serve`: run the app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from api.app import create_app
from loader.settings import Settings


def serve(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    print(f"ScholarKG on http://{settings.host}:{settings.port}/  (store: {settings.store})", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
