"""`/links`: the links graph over HTTP — list and show links (open), import, match, variants, accept and
reject (behind the write token), the same operations as `scholarkg link …`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from scholarkg.api.auth import require_update_token
from scholarkg.api.body import read_body
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.linking.dumps import DUMP_FORMATS, DumpError
from scholarkg.linking.importer import MappingError, file_digest, read_mapping
from scholarkg.linking.local import read_local
from scholarkg.linking.match import match_dump
from scholarkg.linking.model import LINK_KINDS, STATUSES, Link
from scholarkg.linking.store import (
    MergeReport,
    UnknownLinkError,
    decide,
    find_link,
    known_identifiers,
    list_links,
    merge_links,
    names_of,
    read_links,
)
from scholarkg.linking.variants import propose_variants
from scholarkg.queries.engine import Engine

router = APIRouter(tags=["Links"])


class EvidenceModel(BaseModel):
    kind: str
    comment: str
    value: str | None = None
    ordinal: int | None = None
    line: int | None = None


class SourceModel(BaseModel):
    iri: str
    file_name: str | None = None
    sha256: str | None = None


class LinkModel(BaseModel):
    id: str
    subject: str
    subject_name: str | None = None
    predicate: str
    object: str
    object_name: str | None = None
    kind: str
    method: str
    score: float
    status: str
    generated: str
    decided: str | None = None
    evidence: list[EvidenceModel]
    sources: list[SourceModel]


class ReportModel(BaseModel):
    added: int
    updated: int
    unchanged: int
    kept_decided: int
    skipped_rejected: int
    links: int
    skipped_ids: list[str] = []


def _model(key: str, link: Link, names: dict[str, str]) -> LinkModel:
    return LinkModel(
        id=key,
        subject=link.subject,
        subject_name=names.get(link.subject),
        predicate=link.predicate.value,
        object=link.object,
        object_name=names.get(link.object),
        kind=link.kind,
        method=link.method,
        score=link.score,
        status=link.status,
        generated=link.generated.isoformat(),
        decided=None if link.decided is None else link.decided.isoformat(),
        evidence=[EvidenceModel(**vars(e)) for e in link.evidence],
        sources=[SourceModel(**vars(s)) for s in link.sources],
    )


def _report(report: MergeReport, links: int, skipped: list[str] | None = None) -> ReportModel:
    return ReportModel(**vars(report), links=links, skipped_ids=(skipped or [])[:100])


def _written(engine: Engine, action):  # type: ignore[no-untyped-def]
    """Run a write under the engine's write lock, then refresh the readers' snapshot."""
    with engine.write_lock:
        result = action()
        engine.changed()
        return result


@router.get("/links", response_model=list[LinkModel], summary="Links, best score first")
async def get_links(
    engine: EngineDep,
    settings: SettingsDep,
    status: Annotated[str | None, Query(description=f"One of {', '.join(STATUSES)}")] = None,
    kind: Annotated[str | None, Query(description=f"One of {', '.join(LINK_KINDS)}")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[LinkModel]:
    if status is not None and status not in STATUSES:
        raise ApiError.bad_parameter("status", f"status must be one of {', '.join(STATUSES)}")
    if kind is not None and kind not in LINK_KINDS:
        raise ApiError.bad_parameter("kind", f"kind must be one of {', '.join(LINK_KINDS)}")

    def read() -> list[LinkModel]:
        rows = list_links(engine.store, settings.base_iri, status=status, kind=kind)[:limit]
        names = names_of(engine.store, [i for _, link in rows for i in (link.subject, link.object)])
        return [_model(key, link, names) for key, link in rows]

    return await run_in_threadpool(read)


@router.get("/links/{identifier}", response_model=LinkModel, summary="One link with its evidence")
async def get_link(identifier: str, engine: EngineDep, settings: SettingsDep) -> LinkModel:
    def read() -> LinkModel:
        key, link = find_link(read_links(engine.store, settings.base_iri), identifier)
        return _model(key, link, names_of(engine.store, [link.subject, link.object]))

    try:
        return await run_in_threadpool(read)
    except UnknownLinkError as error:
        raise ApiError.not_found(str(error)) from None


async def _decide(identifier: str, status: str, request: Request, engine: Engine, settings: SettingsDep) -> LinkModel:
    require_update_token(request, settings)
    try:
        key, link = await run_in_threadpool(
            _written, engine, lambda: decide(engine.store, settings.base_iri, identifier, status)
        )
    except UnknownLinkError as error:
        raise ApiError.not_found(str(error)) from None
    return _model(key, link, {})


@router.post("/links/{identifier}/accept", response_model=LinkModel, summary="Accept a link (token)")
async def accept(identifier: str, request: Request, engine: EngineDep, settings: SettingsDep) -> LinkModel:
    return await _decide(identifier, "accepted", request, engine, settings)


@router.post("/links/{identifier}/reject", response_model=LinkModel, summary="Reject a link (token)")
async def reject(identifier: str, request: Request, engine: EngineDep, settings: SettingsDep) -> LinkModel:
    return await _decide(identifier, "rejected", request, engine, settings)


def _plain_name(name: str) -> str:
    if "/" in name or "\\" in name or name.startswith(".") or not name.strip():
        raise ApiError.bad_parameter("name", "name must be a plain file name")
    return name


@router.post("/links/import", response_model=ReportModel, summary="Import a CSV/TSV mapping (token)")
async def import_mapping(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    name: Annotated[str, Query(description="File name of the mapping, e.g. mapping.csv", max_length=255)],
) -> ReportModel:
    require_update_token(request, settings)
    name = _plain_name(name)
    data = await read_body(request, settings.max_request_bytes)

    def run() -> ReportModel:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            result = read_mapping(path, read_local(engine.store), settings.base_iri)
        report = _written(
            engine, lambda: merge_links(engine.store, settings.base_iri, result.links, override_decided=True)
        )
        return _report(report, len(result.links))

    try:
        return await run_in_threadpool(run)
    except MappingError as error:
        raise ApiError(422, "bad-mapping", f"{error}; nothing was written", parameter="body") from None


@router.post("/links/match", response_model=ReportModel, summary="Match an uploaded dump (token)")
async def match(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    name: Annotated[str, Query(description="File name of the dump", max_length=255)],
    dump_format: Annotated[str | None, Query(alias="format", description=f"One of {', '.join(DUMP_FORMATS)}")] = None,
) -> ReportModel:
    """For dumps up to the request size limit; match bigger ones on the server's disk with `scholarkg link match`."""
    require_update_token(request, settings)
    name = _plain_name(name)
    if dump_format is not None and dump_format not in DUMP_FORMATS:
        raise ApiError.bad_parameter("format", f"format must be one of {', '.join(DUMP_FORMATS)}")
    data = await read_body(request, settings.max_request_bytes)

    def run() -> ReportModel:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            sha = file_digest(path)
            known = known_identifiers(engine.store, settings.base_iri, exclude_sha256=sha)
            result = match_dump(
                path, read_local(engine.store), settings.base_iri, dump_format=dump_format, known=known, sha256=sha
            )
        report = _written(engine, lambda: merge_links(engine.store, settings.base_iri, result.links))
        return _report(report, len(result.links), result.invalid_ids)

    try:
        return await run_in_threadpool(run)
    except DumpError as error:
        raise ApiError(422, "bad-dump", f"{error}; nothing was written", parameter="body") from None


@router.post("/links/variants", response_model=ReportModel, summary="Propose name variants (token)")
async def variants(request: Request, engine: EngineDep, settings: SettingsDep) -> ReportModel:
    require_update_token(request, settings)

    def run() -> ReportModel:
        proposals = propose_variants(read_local(engine.store))
        report = _written(engine, lambda: merge_links(engine.store, settings.base_iri, proposals))
        return _report(report, len(proposals))

    return await run_in_threadpool(run)
