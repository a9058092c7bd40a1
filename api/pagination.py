"""Shared by the JSON resource routers (authors, papers, categories): paging, query rows, row → field helpers.

Every query runs through the engine (time limit, caps) with user values bound as RDF terms; only constant
query fragments are combined. Lists are paged: `{"items", "total", "limit", "offset", "next"}`; a page is
cut from the ordered result with the row cap (`max_rows = offset + limit`), so no number is pasted into a
query either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Generic, TypedDict, TypeVar

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode

from scholarkg.api.errors import ApiError
from scholarkg.api.query_responses import run_engine_query
from scholarkg.loader.identity import Iris
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Row = dict[str, object]
Term = NamedNode | Literal
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1–200)")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]
Search = Annotated[
    str,
    Query(
        max_length=200,
        description="Full-text search: every word must match the start of a word (accents and case folded); "
        "best matches first",
    ),
]
MAX_HITS = 2_000  # a search considers at most this many best-ranked matches


async def search_hits(engine: Engine, kind: str, text: str) -> list[str]:
    """IRIs of `kind` (person/paper) matching `text` in the full-text index, best first."""
    return await run_in_threadpool(engine.store.text.search, kind, text, MAX_HITS)


def ranked_values(variable: str, hits: list[str], first_rank: int = 1) -> str:
    """`{ SELECT * WHERE { VALUES (?variable ?rank) { (<iri> 1) … } } }`: the search hits as query text, each IRI
    written by its own serializer (`str(NamedNode(...))`, validated) and ranks as integers. The sub-query makes
    the hits the start of the join: a bare VALUES block beside `?paper a schema:ScholarlyArticle` was joined as
    a scan of every paper against the hit list (2,000 hits at 100k papers: 3.6 s instead of 77 ms)."""
    rows = " ".join(f"({NamedNode(iri)} {rank})" for rank, iri in enumerate(hits, start=first_rank))
    return f"{{ SELECT * WHERE {{ VALUES (?{variable} ?rank) {{ {rows} }} }} }}"


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the request, over all pages")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, null on the last")


class Entity(BaseModel):
    id: str = Field(description="IRI")
    path: str | None = Field(description="Path of the entity page on this server (/id/...)")


class Link(TypedDict):
    """The fields of `Entity`, to spread into any of its subclasses: `AuthorItem(**link(iri, base), ...)`."""

    id: str
    path: str | None


@dataclass(frozen=True)
class Queries:
    """A paged list's two queries: `count` yields `?n`, `select` the ordered rows."""

    count: str
    select: str


# -- row → field helpers ------------------------------------------------------------------------------
def link(iri: object, base: str) -> Link:
    """`id` and `path` of an entity: the path only for IRIs under this server's base."""
    path = "/" + iri[len(base) :] if isinstance(iri, str) and iri.startswith(base) else None
    return {"id": str(iri), "path": path}


def opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def count(value: object) -> int:
    """A count the query computed (`COUNT(...)`)."""
    number: int = int(value)  # type: ignore[call-overload]
    return number


def with_papers(model: type[M], ref: Callable[[Row, str], BaseModel], base: str) -> Callable[[Row], M]:
    """A row → `model` builder: the reference `ref` makes of the row, plus the row's `?papers` count."""

    def build(row: Row) -> M:
        return model(**ref(row, base).model_dump(), papers=count(row["papers"]))

    return build


# -- queries --------------------------------------------------------------------------------------------
async def rows(engine: Engine, text: str, bindings: Mapping[str, Term], max_rows: int | None = None) -> list[Row]:
    overrides: dict[str, object] = {"solution_format": ROWS_FORMAT, "bindings": dict(bindings)}
    if max_rows is not None:
        overrides["max_rows"] = max_rows
    result = await run_engine_query(engine, engine.request(text, **overrides))
    found: list[Row] = json.loads(result.body)["rows"]
    return found


def entity_key(engine: Engine, kind: str, key: str, label: str) -> NamedNode:
    """The IRI `{base}id/{kind}/{key}`; a key that cannot be part of an IRI names nothing (404)."""
    try:
        return Iris(engine.settings.base_iri).of(kind, key)
    except ValueError:
        raise ApiError.not_found(f"no {label} {key!r}") from None


async def hits_page(
    request: Request,
    engine: Engine,
    select: str,
    *,
    total: int,
    limit: int,
    offset: int,
    build: Callable[[Row], T],
) -> Page[T]:
    """A page of full-text hits whose `total` is known (the index mirrors the view: every hit is an entity of
    its kind), so only the page's own hits are read: `select` is written for `hits[offset:offset + limit]`."""
    found = await rows(engine, select, {}, max_rows=limit) if offset < total else []
    following = offset + limit
    next_url = str(request.url.include_query_params(limit=limit, offset=following)) if following < total else None
    return Page(items=[build(r) for r in found], total=total, limit=limit, offset=offset, next=next_url)


async def page(
    request: Request,
    engine: Engine,
    queries: Queries,
    bindings: Mapping[str, Term],
    *,
    limit: int,
    offset: int,
    build: Callable[[Row], T],
) -> Page[T]:
    counted = await rows(engine, queries.count, bindings)
    total = count(counted[0]["n"]) if counted else 0
    found = await rows(engine, queries.select, bindings, max_rows=offset + limit) if offset < total else []
    following = offset + limit
    next_url = str(request.url.include_query_params(limit=limit, offset=following)) if following < total else None
    return Page(
        items=[build(r) for r in found[offset:following]], total=total, limit=limit, offset=offset, next=next_url
    )
