"""JSON resources for applications: `/authors`, `/papers`, `/categories`, `/organizations` (lists and details).

Every query runs through the engine (time limit, caps) with user values bound as RDF terms; only constant
query fragments are combined. Lists are paged: `{"items", "total", "limit", "offset", "next"}`; a page is
cut from the ordered result with the row cap (`max_rows = offset + limit`), so no number is pasted into a
query either.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode

from api.deps import EngineDep, SettingsDep
from api.errors import ApiError
from api.query_responses import run_engine_query
from loader.identity import Iris
from loader.vocab import XSD
from ontology.taxonomy import resolve_code
from queries.engine import Engine
from queries.execute import ROWS_FORMAT

router = APIRouter(tags=["Resources"])

T = TypeVar("T")
Row = dict[str, object]
Term = NamedNode | Literal
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1–200)")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]
Search = Annotated[str, Query(max_length=200, description="Case-insensitive substring")]


# -- response models ----------------------------------------------------------------------------------
class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the request, over all pages")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, null on the last")


class Entity(BaseModel):
    id: str = Field(description="IRI")
    path: str | None = Field(description="Path of the entity page on this server (/id/...)")


class AuthorItem(Entity):
    name: str
    homonym: str | None = Field(description="dblp homonym number, e.g. '0006'")
    papers: int


class CategoryRef(Entity):
    notation: str | None = Field(description="arXiv id, e.g. cs.LG")
    label: str | None


class CategoryItem(CategoryRef):
    papers: int


class OrganizationRef(Entity):
    identifier: str | None


class OrganizationItem(OrganizationRef):
    papers: int


class PaperItem(Entity):
    title: str
    date: str | None = Field(description="xsd:date (YYYY-MM-DD) or xsd:gYear (YYYY)")
    authors: int = Field(description="Number of known authors")
    categories: list[str] = Field(description="arXiv notations")


class AuthorPaper(Entity):
    title: str | None
    date: str | None
    position: int | None = Field(description="1-based position in the printed author list (first listing)")


class Coauthor(Entity):
    name: str | None
    homonym: str | None
    papers: int = Field(description="Papers written together")


class AuthorCategory(CategoryRef):
    papers: int


class Metric(BaseModel):
    metric: str = Field(description="Local name of the measured property, e.g. hIndex")
    property: str
    value: int | float | str
    date: str | None
    source: str | None


class AuthorDetail(Entity):
    name: str
    homonym: str | None
    primary_category: CategoryRef | None
    papers: list[AuthorPaper]
    coauthors: list[Coauthor]
    categories: list[AuthorCategory]
    metrics: list[Metric]


class PrintedAuthor(BaseModel):
    position: int
    printed_name: str
    person: Entity | None
    name: str | None


class SourceRef(Entity):
    file_name: str | None
    page_format: str | None


class AuthorList(BaseModel):
    source: SourceRef
    entry: str
    complete: bool | None = Field(description="False when the page cut the list ('et al.', count only)")
    author_count: int | None = Field(description="Number of authors the page states")
    authors: list[PrintedAuthor]


class Venue(Entity):
    name: str | None
    year: str | None
    series: str | None
    series_name: str | None
    venue_type: str | None


class PaperDetail(Entity):
    title: str | None
    date: str | None
    abstract: str | None
    has_code: bool | None
    publication_type: str | None
    authors: list[AuthorList]
    categories: list[CategoryRef]
    venue: Venue | None
    organizations: list[OrganizationRef]
    code_repositories: list[str]
    sources: list[SourceRef]


# -- helpers ----------------------------------------------------------------------------------------
def _path(iri: object, base: str) -> str | None:
    return "/" + iri[len(base) :] if isinstance(iri, str) and iri.startswith(base) else None


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _rows(engine: Engine, text: str, bindings: Mapping[str, Term], max_rows: int | None = None) -> list[Row]:
    overrides: dict[str, object] = {"solution_format": ROWS_FORMAT, "bindings": dict(bindings)}
    if max_rows is not None:
        overrides["max_rows"] = max_rows
    result = await run_engine_query(engine, engine.request(text, **overrides))
    rows: list[Row] = json.loads(result.body)["rows"]
    return rows


def _entity_key(engine: Engine, kind: str, key: str, label: str) -> NamedNode:
    """The IRI `{base}id/{kind}/{key}`; a key that cannot be part of an IRI names nothing (404)."""
    try:
        return Iris(engine.settings.base_iri).of(kind, key)
    except ValueError:
        raise ApiError.not_found(f"no {label} {key!r}") from None


async def _page(
    request: Request,
    engine: Engine,
    *,
    count: str,
    select: str,
    bindings: Mapping[str, Term],
    limit: int,
    offset: int,
    build: Callable[[Row], T],
) -> Page[T]:
    counted = await _rows(engine, count, bindings)
    total = int(counted[0]["n"]) if counted else 0  # type: ignore[call-overload]
    rows = await _rows(engine, select, bindings, max_rows=offset + limit) if offset < total else []
    following = offset + limit
    next_url = str(request.url.include_query_params(limit=limit, offset=following)) if following < total else None
    return Page(
        items=[build(r) for r in rows[offset:following]], total=total, limit=limit, offset=offset, next=next_url
    )


def _project(names: list[str]) -> str:
    return " ".join(f"?{name}" for name in names)


# -- authors ----------------------------------------------------------------------------------------
_AUTHOR_MATCH = """
  ?person a schema:Person ; schema:name ?name .
  FILTER(CONTAINS(LCASE(?name), LCASE(?q)))
"""
_AUTHORS_COUNT = f"SELECT ?q (COUNT(DISTINCT ?person) AS ?n) WHERE {{ {_AUTHOR_MATCH} }} GROUP BY ?q"
_AUTHORS = f"""
SELECT ?q ?person ?name ?homonym (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{
  {_AUTHOR_MATCH}
  OPTIONAL {{ ?person skg:homonymNumber ?homonym }}
  OPTIONAL {{ ?paper schema:author ?person }}
}}
GROUP BY ?q ?person ?name ?homonym
ORDER BY LCASE(?name) ?homonym ?person
"""


@router.get("/authors", response_model=Page[AuthorItem], summary="Authors, searchable by name")
async def list_authors(
    request: Request, engine: EngineDep, settings: SettingsDep, q: Search = "", limit: Limit = 50, offset: Offset = 0
) -> Page[AuthorItem]:
    base = settings.base_iri

    def build(row: Row) -> AuthorItem:
        return AuthorItem(
            id=str(row["person"]),
            path=_path(row["person"], base),
            name=str(row["name"]),
            homonym=_str(row.get("homonym")),
            papers=int(row["papers"]),  # type: ignore[call-overload]
        )

    bindings = {"q": Literal(q)}
    return await _page(
        request,
        engine,
        count=_AUTHORS_COUNT,
        select=_AUTHORS,
        bindings=bindings,
        limit=limit,
        offset=offset,
        build=build,
    )


_AUTHOR = """
SELECT ?person ?name ?homonym ?primary ?primaryNotation ?primaryLabel WHERE {
  ?person a schema:Person ; schema:name ?name .
  OPTIONAL { ?person skg:homonymNumber ?homonym }
  OPTIONAL {
    ?person skg:primaryCategory ?primary .
    OPTIONAL { ?primary skos:notation ?primaryNotation }
    OPTIONAL { ?primary skos:prefLabel ?primaryLabel }
  }
}
LIMIT 1
"""
_AUTHOR_PAPERS = """
SELECT ?person ?paper ?title ?date (MIN(?pos) AS ?position) WHERE {
  ?paper schema:author ?person .
  OPTIONAL { ?paper schema:name ?title }
  OPTIONAL { ?paper schema:datePublished ?date }
  OPTIONAL {
    ?entry skg:describes ?paper ; skg:authorship ?authorship .
    ?authorship skg:person ?person ; skg:position ?pos
  }
}
GROUP BY ?person ?paper ?title ?date
ORDER BY DESC(STR(?date)) ?title ?paper
"""
_COAUTHORS = """
SELECT ?person ?coauthor ?name ?homonym (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:author ?person , ?coauthor .
  FILTER(?coauthor != ?person)
  OPTIONAL { ?coauthor schema:name ?name }
  OPTIONAL { ?coauthor skg:homonymNumber ?homonym }
}
GROUP BY ?person ?coauthor ?name ?homonym
ORDER BY DESC(?papers) LCASE(?name) ?coauthor
"""
_AUTHOR_CATEGORIES = """
SELECT ?person ?category ?notation ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:author ?person ; schema:about ?category .
  OPTIONAL { ?category skos:notation ?notation }
  OPTIONAL { ?category skos:prefLabel ?label }
}
GROUP BY ?person ?category ?notation ?label
ORDER BY DESC(?papers) ?notation
"""
_METRICS = """
SELECT DISTINCT ?person ?property ?value ?date ?source WHERE {
  ?observation schema:observationAbout ?person ; schema:measuredProperty ?property ; schema:value ?value .
  OPTIONAL { ?observation schema:observationDate ?date }
  OPTIONAL { ?observation prov:wasDerivedFrom ?source }
}
ORDER BY ?property DESC(?date) ?source
"""


def _category_ref(
    row: Row, base: str, iri: str = "category", notation: str = "notation", label: str = "label"
) -> CategoryRef:
    return CategoryRef(
        id=str(row[iri]), path=_path(row[iri], base), notation=_str(row.get(notation)), label=_str(row.get(label))
    )


@router.get(
    "/authors/{key}",
    response_model=AuthorDetail,
    summary="One author: papers, co-authors, categories, metrics",
    responses={404: {"description": "No such author"}},
)
async def get_author(key: str, engine: EngineDep, settings: SettingsDep) -> AuthorDetail:
    base = settings.base_iri
    bindings = {"person": _entity_key(engine, "person", key, "author")}
    core, papers, coauthors, categories, metrics = await asyncio.gather(
        *(_rows(engine, text, bindings) for text in (_AUTHOR, _AUTHOR_PAPERS, _COAUTHORS, _AUTHOR_CATEGORIES, _METRICS))
    )
    if not core:
        raise ApiError.not_found(f"no author {key!r}")
    person = core[0]
    primary = person.get("primary")
    return AuthorDetail(
        id=str(person["person"]),
        path=_path(person["person"], base),
        name=str(person["name"]),
        homonym=_str(person.get("homonym")),
        primary_category=(
            _category_ref(person, base, "primary", "primaryNotation", "primaryLabel") if primary is not None else None
        ),
        papers=[
            AuthorPaper(
                id=str(r["paper"]),
                path=_path(r["paper"], base),
                title=_str(r.get("title")),
                date=_str(r.get("date")),
                position=_int(r.get("position")),
            )
            for r in papers
        ],
        coauthors=[
            Coauthor(
                id=str(r["coauthor"]),
                path=_path(r["coauthor"], base),
                name=_str(r.get("name")),
                homonym=_str(r.get("homonym")),
                papers=int(r["papers"]),  # type: ignore[call-overload]
            )
            for r in coauthors
        ],
        categories=[
            AuthorCategory(**_category_ref(r, base).model_dump(), papers=int(r["papers"]))  # type: ignore[call-overload]
            for r in categories
        ],
        metrics=[
            Metric(
                metric=str(r["property"]).rpartition("#")[2],
                property=str(r["property"]),
                value=r["value"],  # type: ignore[arg-type]
                date=_str(r.get("date")),
                source=_str(r.get("source")),
            )
            for r in metrics
        ],
    )


# -- papers -----------------------------------------------------------------------------------------
_PAPER_MATCH = """
  ?paper a schema:ScholarlyArticle ; schema:name ?title .
  FILTER(CONTAINS(LCASE(?title), LCASE(?q)))
"""
_BY_CATEGORY = "?paper schema:about ?category .\n"
_BY_YEAR = "?paper schema:datePublished ?published . FILTER(YEAR(?published) = ?year)\n"


def _papers_queries(bound: list[str]) -> tuple[str, str]:
    match = (
        _PAPER_MATCH
        + ("  " + _BY_CATEGORY if "category" in bound else "")
        + ("  " + _BY_YEAR if "year" in bound else "")
    )
    keys = _project(bound)
    count = f"SELECT {keys} (COUNT(DISTINCT ?paper) AS ?n) WHERE {{ {match} }} GROUP BY {keys}"
    select = f"""
SELECT {keys} ?paper ?title ?date (COUNT(DISTINCT ?author) AS ?authors)
       (GROUP_CONCAT(DISTINCT ?notation; separator=" ") AS ?categories) WHERE {{
  {match}
  OPTIONAL {{ ?paper schema:datePublished ?date }}
  OPTIONAL {{ ?paper schema:author ?author }}
  OPTIONAL {{ ?paper schema:about ?about . ?about skos:notation ?notation }}
}}
GROUP BY {keys} ?paper ?title ?date
ORDER BY DESC(STR(?date)) LCASE(?title) ?paper
"""
    return count, select


@router.get(
    "/papers",
    response_model=Page[PaperItem],
    summary="Papers, searchable by title and filtered by arXiv category and year",
)
async def list_papers(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    q: Search = "",
    category: Annotated[
        str | None, Query(max_length=40, description="arXiv category, e.g. cs.LG or LG (page code)")
    ] = None,
    year: Annotated[int | None, Query(ge=1, le=9999, description="Publication year")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PaperItem]:
    base = settings.base_iri
    bindings: dict[str, Term] = {"q": Literal(q)}
    if category is not None:
        notation = resolve_code(category)
        if notation is None:
            raise ApiError.bad_parameter("category", f"unknown arXiv category {category!r}")
        bindings["category"] = Iris(base).category(notation)
    if year is not None:
        bindings["year"] = Literal(str(year), datatype=NamedNode(XSD + "integer"))
    count, select = _papers_queries(list(bindings))

    def build(row: Row) -> PaperItem:
        return PaperItem(
            id=str(row["paper"]),
            path=_path(row["paper"], base),
            title=str(row["title"]),
            date=_str(row.get("date")),
            authors=int(row["authors"]),  # type: ignore[call-overload]
            categories=sorted(str(row.get("categories") or "").split()),
        )

    return await _page(
        request, engine, count=count, select=select, bindings=bindings, limit=limit, offset=offset, build=build
    )


_PAPER = """
SELECT ?paper ?title ?date ?abstract ?hasCode ?publicationType
       ?venue ?venueName ?venueYear ?series ?seriesName ?venueType WHERE {
  ?paper a schema:ScholarlyArticle .
  OPTIONAL { ?paper schema:name ?title }
  OPTIONAL { ?paper schema:datePublished ?date }
  OPTIONAL { ?paper schema:abstract ?abstract }
  OPTIONAL { ?paper skg:hasCode ?hasCode }
  OPTIONAL { ?paper skg:publicationType ?publicationType }
  OPTIONAL {
    ?paper skg:presentedAt ?venue .
    OPTIONAL { ?venue schema:name ?venueName }
    OPTIONAL { ?venue skg:year ?venueYear }
    OPTIONAL {
      ?venue schema:superEvent ?series .
      OPTIONAL { ?series schema:name ?seriesName }
      OPTIONAL { ?series skg:venueType ?venueType }
    }
  }
}
LIMIT 1
"""
_PAPER_AUTHORS = """
SELECT DISTINCT ?paper ?entry ?source ?fileName ?pageFormat ?complete ?count ?position ?printed ?person ?name WHERE {
  ?entry skg:describes ?paper ; skg:entryOf ?source .
  OPTIONAL { ?source skg:fileName ?fileName }
  OPTIONAL { ?source skg:pageFormat ?pageFormat }
  OPTIONAL { ?entry skg:authorListComplete ?complete }
  OPTIONAL { ?entry skg:authorCount ?count }
  OPTIONAL {
    ?entry skg:authorship ?authorship .
    ?authorship skg:position ?position ; skg:printedName ?printed .
    OPTIONAL { ?authorship skg:person ?person . OPTIONAL { ?person schema:name ?name } }
  }
}
ORDER BY ?fileName ?entry ?position
"""
_PAPER_LINKS = """
SELECT DISTINCT ?paper ?kind ?item ?a ?b WHERE {
  { ?paper schema:about ?item . BIND("category" AS ?kind)
    OPTIONAL { ?item skos:notation ?a } OPTIONAL { ?item skos:prefLabel ?b } }
  UNION { ?paper schema:sourceOrganization ?item . BIND("organization" AS ?kind)
    OPTIONAL { ?item schema:identifier ?a } }
  UNION { ?paper schema:codeRepository ?item . BIND("code" AS ?kind) }
}
ORDER BY ?kind ?a ?item
"""


def _author_lists(rows: list[Row], base: str) -> tuple[list[AuthorList], list[SourceRef]]:
    lists: dict[str, AuthorList] = {}
    sources: dict[str, SourceRef] = {}
    for row in rows:
        source_iri = str(row["source"])
        source = sources.setdefault(
            source_iri,
            SourceRef(
                id=source_iri,
                path=_path(source_iri, base),
                file_name=_str(row.get("fileName")),
                page_format=_str(row.get("pageFormat")),
            ),
        )
        entry = str(row["entry"])
        complete = row.get("complete")
        listing = lists.setdefault(
            entry,
            AuthorList(
                source=source,
                entry=entry,
                complete=complete if isinstance(complete, bool) else None,
                author_count=_int(row.get("count")),
                authors=[],
            ),
        )
        position = _int(row.get("position"))
        if position is not None and all(a.position != position for a in listing.authors):
            person = row.get("person")
            listing.authors.append(
                PrintedAuthor(
                    position=position,
                    printed_name=str(row["printed"]),
                    person=None if person is None else Entity(id=str(person), path=_path(person, base)),
                    name=_str(row.get("name")),
                )
            )
    for listing in lists.values():
        listing.authors.sort(key=lambda a: a.position)
    return list(lists.values()), list(sources.values())


@router.get(
    "/papers/{key}",
    response_model=PaperDetail,
    summary="One paper: authors as printed per source, categories, venue, organisations, code, sources",
    responses={404: {"description": "No such paper"}},
)
async def get_paper(key: str, engine: EngineDep, settings: SettingsDep) -> PaperDetail:
    base = settings.base_iri
    bindings = {"paper": _entity_key(engine, "paper", key, "paper")}
    core, authors, links = await asyncio.gather(
        *(_rows(engine, text, bindings) for text in (_PAPER, _PAPER_AUTHORS, _PAPER_LINKS))
    )
    if not core:
        raise ApiError.not_found(f"no paper {key!r}")
    paper = core[0]
    author_lists, sources = _author_lists(authors, base)
    venue = paper.get("venue")
    has_code = paper.get("hasCode")
    return PaperDetail(
        id=str(paper["paper"]),
        path=_path(paper["paper"], base),
        title=_str(paper.get("title")),
        date=_str(paper.get("date")),
        abstract=_str(paper.get("abstract")),
        has_code=has_code if isinstance(has_code, bool) else None,
        publication_type=_str(paper.get("publicationType")),
        authors=author_lists,
        categories=[_category_ref(r, base, "item", "a", "b") for r in links if r["kind"] == "category"],
        venue=None
        if venue is None
        else Venue(
            id=str(venue),
            path=_path(venue, base),
            name=_str(paper.get("venueName")),
            year=_str(paper.get("venueYear")),
            series=_str(paper.get("series")),
            series_name=_str(paper.get("seriesName")),
            venue_type=_str(paper.get("venueType")),
        ),
        organizations=[
            OrganizationRef(id=str(r["item"]), path=_path(r["item"], base), identifier=_str(r.get("a")))
            for r in links
            if r["kind"] == "organization"
        ],
        code_repositories=[str(r["item"]) for r in links if r["kind"] == "code"],
        sources=sources,
    )


# -- categories and organisations -------------------------------------------------------------------
_CATEGORIES_COUNT = "SELECT (COUNT(DISTINCT ?category) AS ?n) WHERE { ?paper schema:about ?category }"
_CATEGORIES = """
SELECT ?category ?notation ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:about ?category .
  OPTIONAL { ?category skos:notation ?notation }
  OPTIONAL { ?category skos:prefLabel ?label }
}
GROUP BY ?category ?notation ?label
ORDER BY DESC(?papers) ?notation ?category
"""


@router.get("/categories", response_model=Page[CategoryItem], summary="arXiv categories in use, with paper counts")
async def list_categories(
    request: Request, engine: EngineDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[CategoryItem]:
    base = settings.base_iri

    def build(row: Row) -> CategoryItem:
        return CategoryItem(**_category_ref(row, base).model_dump(), papers=int(row["papers"]))  # type: ignore[call-overload]

    return await _page(
        request,
        engine,
        count=_CATEGORIES_COUNT,
        select=_CATEGORIES,
        bindings={},
        limit=limit,
        offset=offset,
        build=build,
    )


_ORGANIZATIONS_COUNT = "SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE { ?paper schema:sourceOrganization ?org }"
_ORGANIZATIONS = """
SELECT ?org ?identifier (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:sourceOrganization ?org .
  OPTIONAL { ?org schema:identifier ?identifier }
}
GROUP BY ?org ?identifier
ORDER BY DESC(?papers) ?identifier ?org
"""


@router.get("/organizations", response_model=Page[OrganizationItem], summary="Organisations, with paper counts")
async def list_organizations(
    request: Request, engine: EngineDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[OrganizationItem]:
    base = settings.base_iri

    def build(row: Row) -> OrganizationItem:
        return OrganizationItem(
            id=str(row["org"]),
            path=_path(row["org"], base),
            identifier=_str(row.get("identifier")),
            papers=int(row["papers"]),  # type: ignore[call-overload]
        )

    return await _page(
        request,
        engine,
        count=_ORGANIZATIONS_COUNT,
        select=_ORGANIZATIONS,
        bindings={},
        limit=limit,
        offset=offset,
        build=build,
    )
