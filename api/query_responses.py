"""Run a query through the engine without blocking the event loop, and turn its result (or failure) into HTTP."""

from __future__ import annotations

import logging

from fastapi import Response

from scholarkg.api.errors import ApiError
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import (
    NotAcceptableError,
    QueryEvaluationError,
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
)
from scholarkg.queries.guard import ForbiddenServiceError
from scholarkg.queries.workers import QueryBusyError, QueryTimeoutError, WorkerCrashedError

log = logging.getLogger("scholarkg.api")
TRUNCATED_HEADER = "X-Result-Truncated"


async def run_engine_query(engine: Engine, request: QueryRequest, client: str | None = None) -> QueryResult:
    """The API's only way to run a query: everything goes through the engine (caps, guard, queue bound, time
    limit); `client` (the caller's address) counts against the per-client concurrency limit."""
    try:
        return await engine.query_async(request, client=client)
    except QuerySyntaxError as error:
        raise ApiError.bad_query(str(error)) from None
    except ForbiddenServiceError as error:
        raise ApiError.forbidden(str(error), code="service-not-allowed") from None
    except NotAcceptableError as error:
        from scholarkg.api.negotiation import GRAPHS, SOLUTIONS

        offers = list(GRAPHS) if error.kind == "graph" else list(SOLUTIONS)
        raise ApiError.not_acceptable(f"a {error.kind} result", offers) from None
    except QueryTimeoutError as error:
        raise ApiError.timeout(str(error)) from None
    except QueryBusyError as error:
        raise ApiError.busy(str(error), retry_after=error.retry_after) from None
    except (QueryEvaluationError, WorkerCrashedError) as error:
        log.error("query failed: %s", error)
        raise ApiError(500, "query-failed", f"the query failed while running: {error}") from None


def query_response(result: QueryResult, *, head_only: bool = False) -> Response:
    media = result.media_type
    if media.startswith("text/") or media.endswith(("+json", "/json", "+xml", "/xml")):
        media = f"{media}; charset=utf-8"
    headers = {
        "Vary": "Accept",
        "X-Result-Rows": str(result.rows),
        TRUNCATED_HEADER: "true" if result.truncated else "false",
    }
    return Response(b"" if head_only else result.body, media_type=media, headers=headers)
