"""Write access: refused unless a token is configured, then `Authorization: Bearer <token>` is required."""

from __future__ import annotations

import hmac

from fastapi import Request

from scholarkg.api.errors import ApiError
from scholarkg.loader.settings import Settings


def require_update_token(request: Request, settings: Settings) -> None:
    if not settings.update_token:
        raise ApiError.forbidden(
            "this service is read-only: updates are disabled (set SCHOLARKG_UPDATE_TOKEN to enable them)",
            code="read-only",
        )
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError.unauthorized("updates need an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(token.strip().encode(), settings.update_token.encode()):
        raise ApiError.forbidden("the bearer token is not valid for updates", code="bad-token")
