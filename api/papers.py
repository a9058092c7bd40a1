"""`/papers` (searchable, filtered by arXiv category and year) and `/papers/{key}` (authors as printed, links)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode

from api.categories import CategoryRef, OrganizationRef, category_ref, organization_ref
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
    Term,
    count,
    entity_key,
    link,
    opt_int,
    opt_str,
    page,
    rows,
)
from loader.identity import Iris
from loader.vocab import XSD
from ontology.taxonomy import resolve_code

router = APIRouter(tags=["Resources"])


class PaperItem(Entity):
    title: str
    date: str | None = Field(description="xsd:date (YYYY-MM-DD) or xsd:gYear (YYYY)")
    authors: int = Field(description="Number of known authors")
    categories: list[str] = Field(description="arXiv notations")


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


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


# -- /papers --------------------------------------------------------------------------------------------
_PAPER_MATCH = """
  ?paper a schema:ScholarlyArticle ; schema:name ?title .
  FILTER(CONTAINS(LCASE(?title), LCASE(?q)))
"""
_BY_CATEGORY = "?paper schema:about ?category .\n"
_BY_YEAR = "?paper schema:datePublished ?published . FILTER(YEAR(?published) = ?year)\n"


def _papers_queries(bound: list[str]) -> Queries:
    """The count and select for the bound variables (`q`, and `category` / `year` when filtered by them)."""
    match = (
        _PAPER_MATCH
        + ("  " + _BY_CATEGORY if "category" in bound else "")
        + ("  " + _BY_YEAR if "year" in bound else "")
    )
    keys = " ".join(f"?{name}" for name in bound)
    return Queries(
        count=f"SELECT {keys} (COUNT(DISTINCT ?paper) AS ?n) WHERE {{ {match} }} GROUP BY {keys}",
        select=f"""
SELECT {keys} ?paper ?title ?date (COUNT(DISTINCT ?author) AS ?authors)
       (GROUP_CONCAT(DISTINCT ?notation; separator=" ") AS ?categories) WHERE {{
  {match}
  OPTIONAL {{ ?paper schema:datePublished ?date }}
  OPTIONAL {{ ?paper schema:author ?author }}
  OPTIONAL {{ ?paper schema:about ?about . ?about skos:notation ?notation }}
}}
GROUP BY {keys} ?paper ?title ?date
ORDER BY DESC(STR(?date)) LCASE(?title) ?paper
""",
    )


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

    def build(row: Row) -> PaperItem:
        return PaperItem(
            **link(row["paper"], base),
            title=str(row["title"]),
            date=opt_str(row.get("date")),
            authors=count(row["authors"]),
            categories=sorted(str(row.get("categories") or "").split()),
        )

    return await page(
        request, engine, _papers_queries(list(bindings)), bindings, limit=limit, offset=offset, build=build
    )


# -- /papers/{key} --------------------------------------------------------------------------------------
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


def _author_lists(found: list[Row], base: str) -> tuple[list[AuthorList], list[SourceRef]]:
    """The printed author list of each entry describing the paper, and the sources of those entries."""
    lists: dict[str, AuthorList] = {}
    sources: dict[str, SourceRef] = {}
    for row in found:
        source_iri = str(row["source"])
        source = sources.setdefault(
            source_iri,
            SourceRef(
                **link(source_iri, base),
                file_name=opt_str(row.get("fileName")),
                page_format=opt_str(row.get("pageFormat")),
            ),
        )
        entry = str(row["entry"])
        listing = lists.setdefault(
            entry,
            AuthorList(
                source=source,
                entry=entry,
                complete=_bool(row.get("complete")),
                author_count=opt_int(row.get("count")),
                authors=[],
            ),
        )
        position = opt_int(row.get("position"))
        if position is not None and all(a.position != position for a in listing.authors):
            person = row.get("person")
            listing.authors.append(
                PrintedAuthor(
                    position=position,
                    printed_name=str(row["printed"]),
                    person=None if person is None else Entity(**link(person, base)),
                    name=opt_str(row.get("name")),
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
    bindings = {"paper": entity_key(engine, "paper", key, "paper")}
    core, authors, links = await asyncio.gather(
        *(rows(engine, text, bindings) for text in (_PAPER, _PAPER_AUTHORS, _PAPER_LINKS))
    )
    if not core:
        raise ApiError.not_found(f"no paper {key!r}")
    paper = core[0]
    author_lists, sources = _author_lists(authors, base)
    venue = paper.get("venue")
    return PaperDetail(
        **link(paper["paper"], base),
        title=opt_str(paper.get("title")),
        date=opt_str(paper.get("date")),
        abstract=opt_str(paper.get("abstract")),
        has_code=_bool(paper.get("hasCode")),
        publication_type=opt_str(paper.get("publicationType")),
        authors=author_lists,
        categories=[category_ref(r, base, "item", "a", "b") for r in links if r["kind"] == "category"],
        venue=None
        if venue is None
        else Venue(
            **link(venue, base),
            name=opt_str(paper.get("venueName")),
            year=opt_str(paper.get("venueYear")),
            series=opt_str(paper.get("series")),
            series_name=opt_str(paper.get("seriesName")),
            venue_type=opt_str(paper.get("venueType")),
        ),
        organizations=[organization_ref(r, base, "item", "a") for r in links if r["kind"] == "organization"],
        code_repositories=[str(r["item"]) for r in links if r["kind"] == "code"],
        sources=sources,
    )
