"""CORS for the reconciliation service only: any origin may GET and POST `/reconcile` and `/reconcile/…`.

The Reconciliation API requires CORS on all its endpoints; nothing else on this server gets it (the SPARQL
endpoint, the Graph Store and every write endpoint stay same-origin). Starlette's `CORSMiddleware` does the
work, applied by path.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_PREFIX = "/reconcile"


def cors_applies(path: str) -> bool:
    return path == CORS_PREFIX or path.startswith(CORS_PREFIX + "/")


class ReconcileCORS:
    """ASGI middleware: requests under `/reconcile` go through a permissive CORSMiddleware, others untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and cors_applies(scope.get("path", "")):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
