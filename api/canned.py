"""`/queries`: the canned query library (queries/*.rq) — list and run with bound parameters."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from scholarkg.api.deps import CatalogDep, EngineDep
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import ROWS, negotiate_format
from scholarkg.api.query_responses import query_response, run_engine_query
from scholarkg.queries.catalog import StoredQuery
from scholarkg.queries.parameters import ParameterError

router = APIRouter(tags=["Canned queries"])


class ParameterInfo(BaseModel):
    name: str
    type: str
    required: bool
    default: str | None
    description: str


class QueryInfo(BaseModel):
    name: str
    title: str
    description: str
    parameters: list[ParameterInfo]
    url: str
    sparql: str


def query_info(stored: StoredQuery, request: Request) -> QueryInfo:
    return QueryInfo(
        name=stored.name,
        title=stored.title,
        description=stored.description,
        parameters=[
            ParameterInfo(name=p.name, type=p.type, required=p.required, default=p.default, description=p.description)
            for p in stored.parameters
        ],
        url=str(request.url_for("run_canned_query", name=stored.name)),
        sparql=stored.text,
    )


@router.get("/queries", response_model=list[QueryInfo], summary="List the canned queries and their parameters")
def list_queries(request: Request, catalog: CatalogDep) -> list[QueryInfo]:
    return [query_info(stored, request) for stored in catalog.values()]


@router.get(
    "/queries/{name}",
    summary="Run a canned query; parameters are bound as RDF terms",
    responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/sparql-results+json": {}}}},
)
async def run_canned_query(name: str, request: Request, engine: EngineDep, catalog: CatalogDep) -> Response:
    stored = catalog.get(name)
    if stored is None:
        raise ApiError.not_found(f"no canned query {name!r}; see /queries")
    fmt = negotiate_format(request.headers.get("accept"), ROWS)
    if fmt is None:
        raise ApiError.not_acceptable("canned query results", list(ROWS))
    raw: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in raw:
            raise ApiError.bad_parameter(key, f"parameter {key!r} is given more than once")
        raw[key] = value
    try:
        stored, bindings = await run_in_threadpool(engine.prepare, stored, raw)
    except ParameterError as error:
        raise ApiError.bad_parameter(error.name, str(error)) from None
    result = await run_engine_query(engine, engine.stored_request(stored, bindings, fmt))
    return query_response(result)
