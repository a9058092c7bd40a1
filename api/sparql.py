"""`/sparql`: the SPARQL 1.1 Protocol endpoint (query and update) and its Service Description.

The endpoint is the server's hot path. `SparqlRoute` (installed by api/app.py inside the request-head limit)
hands `/sparql` requests straight to `sparql()`, past FastAPI's routing, dependency solving and exception
middleware, which together cost more CPU than a one-row query (bench/README.md); failures still go through
the app's exception handlers (one JSON error shape). The FastAPI route of the same function documents the
endpoint in the OpenAPI description."""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from scholarkg.api.auth import require_update_token
from scholarkg.api.body import content_type, decode_utf8, read_body
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import GRAPHS, SOLUTIONS, negotiate_format, negotiate_query, prefers_html
from scholarkg.api.query_responses import query_response, run_engine_query
from scholarkg.loader.settings import Settings
from scholarkg.queries.engine import Engine
from scholarkg.queries.federation import RemoteServiceError
from scholarkg.queries.guard import ForbiddenServiceError
from scholarkg.queries.update_dataset import UpdateDatasetConflictError, apply_update_dataset
from scholarkg.queries.workers import QueryTimeoutError

router = APIRouter(tags=["SPARQL"])
log = logging.getLogger("scholarkg.api")
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise ApiError.bad_request(f"more than one {name!r} parameter", code=f"multiple-{name}")
    return values[0] if values else None


def _all(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    return tuple(v for k, v in params if k == name)


_ENDPOINT_IRIS: dict[tuple[object, ...], str] = {}  # a few (scheme, host, path) triples; cleared past 64


def endpoint_iri(request: Request) -> str:
    """The request URL without query: the base IRI of queries and updates (remembered per scheme, host, path)."""
    scope = request.scope
    key = (scope.get("scheme"), request.headers.get("host"), scope.get("server"), scope.get("root_path"), scope["path"])
    iri = _ENDPOINT_IRIS.get(key)
    if iri is None:
        iri = str(request.url.replace(query="", fragment=""))
        if len(_ENDPOINT_IRIS) >= 64:
            _ENDPOINT_IRIS.clear()
        _ENDPOINT_IRIS[key] = iri
    return iri


@lru_cache(maxsize=256)
def _formats(accept: str | None) -> tuple[str, str] | None:
    return negotiate_query(accept)


def query_formats(accept: str | None) -> tuple[str, str] | None:
    """`negotiate_query`, remembered for the few Accept headers clients repeat (long ones are not kept)."""
    return _formats(accept) if accept is None or len(accept) <= 512 else negotiate_query(accept)


async def sparql(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    query_string = request.scope.get("query_string", b"")
    url_params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
    body_params: list[tuple[str, str]] = []
    query: str | None = None
    update: str | None = None
    if request.method in ("GET", "HEAD"):
        if _all(url_params, "update"):
            raise ApiError.bad_request("SPARQL Update is not allowed with GET; POST it", code="update-via-get")
        query = _one(url_params, "query")
        if query is None:
            return await _describe_service(request, settings)
    else:
        media, charset = content_type(request)
        body = await read_body(request, settings.max_request_bytes)
        if media == FORM:
            body_params = parse_qsl(decode_utf8(body, charset), keep_blank_values=True)
            query = _one(body_params, "query")
            update = _one(body_params, "update")
            if query is not None and update is not None:
                raise ApiError.bad_request("send either 'query' or 'update', not both")
            if query is None and update is None:
                raise ApiError.bad_request("the form has neither a 'query' nor an 'update' field", code="missing-query")
        elif media == QUERY_TYPE:
            query = decode_utf8(body, charset)
        elif media == UPDATE_TYPE:
            update = decode_utf8(body, charset)
        else:
            raise ApiError.unsupported_media_type(media, [FORM, QUERY_TYPE, UPDATE_TYPE])
        if _one(url_params, "query") is not None or _one(url_params, "update") is not None:
            raise ApiError.bad_request("put the query in the body or in the URL, not both")
    params = url_params + body_params
    if update is not None:
        return await _update(request, engine, settings, update, params)
    assert query is not None
    return await _query(request, engine, query, params)


METHODS = ("GET", "POST", "HEAD")
router.api_route("/sparql", methods=list(METHODS), summary="SPARQL 1.1 Protocol query & update")(sparql)


def _route_path(scope: Scope) -> str:
    """The path below the app's root path (how the router matches it)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class SparqlRoute:
    """ASGI middleware: `/sparql` goes straight to `sparql()`; an exception it raises is answered by the app's
    handler for it (looked up along the exception's class hierarchy, as Starlette does); other paths, other
    methods (405 from the router) and unhandled exceptions pass on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS or _route_path(scope) != "/sparql":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await sparql(request)
        except Exception as error:
            handlers = request.app.exception_handlers
            handler = next((handlers[k] for k in type(error).__mro__ if k in handlers and k is not Exception), None)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)


async def _query(request: Request, engine: Engine, text: str, params: list[tuple[str, str]]) -> Response:
    accept = request.headers.get("accept")
    formats = query_formats(accept)
    if formats is None:
        raise ApiError.not_acceptable("SPARQL results", list(SOLUTIONS) + list(GRAPHS))
    solution_format, graph_format = formats
    query_request = engine.request(
        text,
        solution_format=solution_format,
        graph_format=graph_format,
        default_graphs=_all(params, "default-graph-uri"),
        named_graphs=_all(params, "named-graph-uri"),
        base_iri=endpoint_iri(request),
    )
    result = await run_engine_query(engine, query_request, client=request.client.host if request.client else None)
    return query_response(result, head_only=request.method == "HEAD")


async def _update(
    request: Request, engine: Engine, settings: Settings, text: str, params: list[tuple[str, str]]
) -> Response:
    require_update_token(request, settings)
    try:
        text = apply_update_dataset(text, _all(params, "using-graph-uri"), _all(params, "using-named-graph-uri"))
    except (UpdateDatasetConflictError, ValueError) as error:
        raise ApiError.bad_request(str(error), code="dataset-conflict") from None
    try:
        await run_in_threadpool(engine.update, text, base_iri=endpoint_iri(request))
    except SyntaxError as error:
        raise ApiError.bad_query(str(error)) from None
    except ForbiddenServiceError as error:
        raise ApiError.forbidden(str(error), code="service-not-allowed") from None
    except QueryTimeoutError as error:  # the rehearsal on a copy ran past the limit; the store is untouched
        raise ApiError.timeout(f"the update {error}") from None
    except RemoteServiceError as error:  # a SERVICE call failed (the gateway's reason, never the remote body)
        raise ApiError.bad_gateway(error.endpoint, str(error)) from None
    except RuntimeError as error:  # e.g. DROP/CLEAR of a graph that does not exist, CREATE of one that does
        raise ApiError(400, "update-failed", f"the update could not be applied: {error}") from None
    except OSError as error:
        log.error("update failed: %s", error)
        raise ApiError(500, "update-failed", f"the update failed while running: {error}") from None
    return Response(status_code=204)


async def _describe_service(request: Request, settings: Settings) -> Response:
    accept = request.headers.get("accept")
    if prefers_html(accept):
        from scholarkg.api.ui import home_page

        return await home_page(request)
    fmt = negotiate_format(accept, GRAPHS)
    if fmt is None:
        raise ApiError.not_acceptable("the service description", list(GRAPHS))
    from scholarkg.api.service_description import service_description

    body, media = service_description(endpoint_iri(request), settings, fmt)
    return Response(body, media_type=media, headers={"Vary": "Accept"})
