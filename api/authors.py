"""`/authors` (searchable list) and `/authors/{key}` (papers, co-authors, categories, metrics)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from pyoxigraph import Literal

from api.categories import CategoryRef, category_ref
from api.deps import EngineDep, SettingsDep
from api.errors import ApiError
from api.pagination import (
    Entity,
    Limit,
    Offset,
    Page,
    Queries,
    Row,
    Search,
    count,
    entity_key,
    link,
    opt_int,
    opt_str,
    page,
    rows,
    with_papers,
)

router = APIRouter(tags=["Resources"])


class AuthorItem(Entity):
    name: str
    homonym: str | None = Field(description="dblp homonym number, e.g. '0006'")
    papers: int


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


# -- /authors -------------------------------------------------------------------------------------------
_AUTHOR_MATCH = """
  ?person a schema:Person ; schema:name ?name .
  FILTER(CONTAINS(LCASE(?name), LCASE(?q)))
"""
_AUTHORS = Queries(
    count=f"SELECT ?q (COUNT(DISTINCT ?person) AS ?n) WHERE {{ {_AUTHOR_MATCH} }} GROUP BY ?q",
    select=f"""
SELECT ?q ?person ?name ?homonym (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{
  {_AUTHOR_MATCH}
  OPTIONAL {{ ?person skg:homonymNumber ?homonym }}
  OPTIONAL {{ ?paper schema:author ?person }}
}}
GROUP BY ?q ?person ?name ?homonym
ORDER BY LCASE(?name) ?homonym ?person
""",
)


@router.get("/authors", response_model=Page[AuthorItem], summary="Authors, searchable by name")
async def list_authors(
    request: Request, engine: EngineDep, settings: SettingsDep, q: Search = "", limit: Limit = 50, offset: Offset = 0
) -> Page[AuthorItem]:
    def build(row: Row) -> AuthorItem:
        return AuthorItem(
            **link(row["person"], settings.base_iri),
            name=str(row["name"]),
            homonym=opt_str(row.get("homonym")),
            papers=count(row["papers"]),
        )

    return await page(request, engine, _AUTHORS, {"q": Literal(q)}, limit=limit, offset=offset, build=build)


# -- /authors/{key} -------------------------------------------------------------------------------------
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


@router.get(
    "/authors/{key}",
    response_model=AuthorDetail,
    summary="One author: papers, co-authors, categories, metrics",
    responses={404: {"description": "No such author"}},
)
async def get_author(key: str, engine: EngineDep, settings: SettingsDep) -> AuthorDetail:
    base = settings.base_iri
    bindings = {"person": entity_key(engine, "person", key, "author")}
    core, papers, coauthors, categories, metrics = await asyncio.gather(
        *(rows(engine, text, bindings) for text in (_AUTHOR, _AUTHOR_PAPERS, _COAUTHORS, _AUTHOR_CATEGORIES, _METRICS))
    )
    if not core:
        raise ApiError.not_found(f"no author {key!r}")
    person = core[0]
    return AuthorDetail(
        **link(person["person"], base),
        name=str(person["name"]),
        homonym=opt_str(person.get("homonym")),
        primary_category=(
            category_ref(person, base, "primary", "primaryNotation", "primaryLabel")
            if person.get("primary") is not None
            else None
        ),
        papers=[
            AuthorPaper(
                **link(r["paper"], base),
                title=opt_str(r.get("title")),
                date=opt_str(r.get("date")),
                position=opt_int(r.get("position")),
            )
            for r in papers
        ],
        coauthors=[
            Coauthor(
                **link(r["coauthor"], base),
                name=opt_str(r.get("name")),
                homonym=opt_str(r.get("homonym")),
                papers=count(r["papers"]),
            )
            for r in coauthors
        ],
        categories=list(map(with_papers(AuthorCategory, category_ref, base), categories)),
        metrics=[
            Metric(
                metric=str(r["property"]).rpartition("#")[2],
                property=str(r["property"]),
                value=r["value"],  # type: ignore[arg-type]
                date=opt_str(r.get("date")),
                source=opt_str(r.get("source")),
            )
            for r in metrics
        ],
    )
