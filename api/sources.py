"""`/sources`: list, upload (load) and remove source pages through the running server.

This is how pages get loaded while `scholarkg serve` holds the store (RocksDB admits one writer process):
`scholarkg load --server URL` posts each page here. Writes need the update token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from pyoxigraph import NamedNode

from scholarkg.api.auth import require_update_token
from scholarkg.api.body import read_body
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.upload_names import BadNameError, check_name, raw_parameter
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import LoadResult, load_bytes, remove_source
from scholarkg.loader.records import PAGE_FORMATS
from scholarkg.loader.store import UnknownSourceError
from scholarkg.queries.engine import Engine

router = APIRouter(tags=["Sources"])


# `loader.store.SourceInfo` as written out for OpenAPI; built from it by attribute (tests keep the fields in step).
class SourceModel(BaseModel):
    graph: str
    file_name: str
    page_format: str
    sha256: str
    retrieved_on: str
    entries: int
    triples: int


class LoadedModel(BaseModel):
    graph: str
    file_name: str
    page_format: str
    entries: int
    quads: int


@router.get("/sources", response_model=list[SourceModel], summary="The source pages in the store")
async def list_sources(engine: EngineDep) -> list[SourceModel]:
    infos = await run_in_threadpool(engine.store.sources)
    return [SourceModel.model_validate(info, from_attributes=True) for info in infos]


def _load(engine: Engine, name: str, data: bytes, as_of: dt.date, page_format: str | None, base: str) -> LoadResult:
    with engine.write_lock:
        result = load_bytes(engine.store, name, data, as_of=as_of, iris=Iris(base), page_format=page_format)  # type: ignore[arg-type]
        if result.ok:
            engine.changed()
        return result


@router.post("/sources", response_model=LoadedModel, status_code=201, summary="Load (or reload) one page")
async def upload_source(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    name: Annotated[str, Query(description="File name of the page, e.g. 000_e49c997fbe9f6f5b.txt", max_length=255)],
    as_of: Annotated[dt.date | None, Query(description="Retrieval date (default: today)")] = None,
    page_format: Annotated[str | None, Query(alias="format", description=f"One of {', '.join(PAGE_FORMATS)}")] = None,
) -> LoadedModel:
    require_update_token(request, settings)
    if page_format is not None and page_format not in PAGE_FORMATS:
        raise ApiError.bad_parameter("format", f"format must be one of {', '.join(PAGE_FORMATS)}")
    try:
        check_name(raw_parameter(request.scope["query_string"], "name") or name)
    except BadNameError as error:
        raise ApiError.bad_parameter("name", f"unusable file name {name!r}: {error}") from None
    data = await read_body(request, settings.max_request_bytes)
    result = await run_in_threadpool(
        _load, engine, name, data, as_of or dt.date.today(), page_format, settings.base_iri
    )
    if result.error is not None:
        raise ApiError(
            422, "bad-page", str(result.error), parameter="body", source=result.error.source, line=result.error.line
        )
    assert result.graph is not None and result.page_format is not None
    return LoadedModel(
        graph=result.graph, file_name=name, page_format=result.page_format, entries=result.entries, quads=result.quads
    )


@router.delete("/sources/{name}", status_code=204, summary="Remove one source page's graph")
async def delete_source(name: str, request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    require_update_token(request, settings)

    def remove() -> None:
        with engine.write_lock:
            info = engine.store.find_source(name)
            remove_source(engine.store, NamedNode(info.graph), Iris(settings.base_iri))
            engine.changed()

    try:
        await run_in_threadpool(remove)
    except UnknownSourceError as error:
        raise ApiError.not_found(str(error)) from None
    return Response(status_code=204)
