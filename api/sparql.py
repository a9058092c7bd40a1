"""`/sparql`: the SPARQL 1.1 Protocol endpoint (query and update) and its Service Description."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from scholarkg.api.auth import require_update_token
from scholarkg.api.body import content_type, decode_utf8, read_body
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import GRAPHS, SOLUTIONS, negotiate_format, prefers_html
from scholarkg.api.query_responses import query_response, run_engine_query
from scholarkg.queries.guard import ForbiddenServiceError
from scholarkg.queries.update_dataset import UpdateDatasetConflictError, apply_update_dataset

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


def endpoint_iri(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


@router.api_route("/sparql", methods=["GET", "POST", "HEAD"], summary="SPARQL 1.1 Protocol query & update")
async def sparql(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    url_params = list(request.query_params.multi_items())
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


async def _query(request: Request, engine: EngineDep, text: str, params: list[tuple[str, str]]) -> Response:
    accept = request.headers.get("accept")
    solution_format = negotiate_format(accept, SOLUTIONS)
    graph_format = negotiate_format(accept, GRAPHS)
    if solution_format is None and graph_format is None:
        raise ApiError.not_acceptable("SPARQL results", list(SOLUTIONS) + list(GRAPHS))
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
    request: Request, engine: EngineDep, settings: SettingsDep, text: str, params: list[tuple[str, str]]
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
    except RuntimeError as error:  # e.g. DROP/CLEAR of a graph that does not exist, CREATE of one that does
        raise ApiError(400, "update-failed", f"the update could not be applied: {error}") from None
    except OSError as error:
        log.error("update failed: %s", error)
        raise ApiError(500, "update-failed", f"the update failed while running: {error}") from None
    return Response(status_code=204)


async def _describe_service(request: Request, settings: SettingsDep) -> Response:
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
