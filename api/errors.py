"""One JSON error shape for every failure, with named constructors that keep client errors apart from faults.

    {"error": {"status": 400, "code": "bad-query", "message": "...", "parameter": "a"}}

Client errors (4xx) are answered as they are; anything else is a server fault: logged with its traceback
and answered as a 500 without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("scholarkg.api")


class ApiError(Exception):
    """An HTTP error with a stable machine-readable `code`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, object]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message, **self.extra}}

    # -- client errors ------------------------------------------------------------------------------
    @classmethod
    def bad_request(cls, message: str, code: str = "bad-request") -> ApiError:
        return cls(400, code, message)

    @classmethod
    def bad_query(cls, message: str) -> ApiError:
        return cls(400, "bad-query", message)

    @classmethod
    def unauthorized(cls, message: str) -> ApiError:
        return cls(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="scholarkg"'})

    @classmethod
    def forbidden(cls, message: str, code: str = "forbidden") -> ApiError:
        return cls(403, code, message)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(404, "not-found", message)

    @classmethod
    def method_not_allowed(cls, method: str, allowed: Sequence[str]) -> ApiError:
        return cls(
            405,
            "method-not-allowed",
            f"{method} is not allowed here; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )

    @classmethod
    def not_acceptable(cls, what: str, acceptable: Sequence[str]) -> ApiError:
        return cls(
            406,
            "not-acceptable",
            f"cannot serve {what} in any type the Accept header allows",
            acceptable=list(acceptable),
        )

    @classmethod
    def too_large(cls, limit: int) -> ApiError:
        return cls(413, "too-large", f"request body is larger than {limit} bytes")

    @classmethod
    def unsupported_media_type(cls, got: str, expected: Sequence[str]) -> ApiError:
        return cls(
            415,
            "unsupported-media-type",
            f"content type {got or '(none)'!r} is not accepted here",
            acceptable=list(expected),
        )

    @classmethod
    def bad_parameter(cls, parameter: str, message: str) -> ApiError:
        return cls(422, "bad-parameter", message, parameter=parameter)

    # -- not the client's fault -------------------------------------------------------------------
    @classmethod
    def timeout(cls, message: str) -> ApiError:
        return cls(503, "query-timeout", message, headers={"Retry-After": "1"})

    @classmethod
    def busy(cls, message: str, retry_after: int = 1) -> ApiError:
        return cls(503, "busy", message, headers={"Retry-After": str(retry_after)})


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
        name = ".".join(location) or "request"
        return error_response(ApiError.bad_parameter(name, f"parameter {name!r}: {first.get('msg', 'invalid')}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        api_error = ApiError(error.status_code, code, str(error.detail), headers=error.headers)
        return error_response(api_error)

    @app.exception_handler(Exception)
    async def _fault(request: Request, error: Exception) -> JSONResponse:
        log.exception("server fault on %s %s", request.method, request.url.path)
        return error_response(ApiError(500, "server-fault", "internal server error (logged)"))
