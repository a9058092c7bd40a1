"""`/papers` (searchable, filtered by arXiv category and year) and `/papers/{key}` (authors as printed, links).

`paper_detail` is the one data layer for a paper: the JSON route returns it, the HTML page renders it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from pyoxigraph import Literal, NamedNode

from scholarkg.api.categories import (
    CategoryRef,
    OrganizationRef,
    PersonRef,
    SourcePage,
    SourceRef,
    VenueRef,
    category_ref,
    organization_ref,
    person_ref,
    source_page,
)
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.pagination import (
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
    hits_page,
    link,
    opt_int,
    opt_str,
    page,
    ranked_values,
    rows,
    search_hits,
)
from scholarkg.loader.identity import Iris
from scholarkg.loader.vocab import XSD
from scholarkg.ontology.taxonomy import resolve_code
from scholarkg.queries.engine import Engine

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


class AuthorList(BaseModel):
    source: SourcePage
    entry: str
    complete: bool | None = Field(description="False when the page cut the list ('et al.', count only)")
    author_count: int | None = Field(description="Number of authors the page states")
    authors: list[PrintedAuthor]
    entry_index: int | None = Field(description="1-based position of the entry on its page")
    trending_score: int | float | None
    upvotes: int | None


class Venue(VenueRef):
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
    known_authors: list[PersonRef] = Field(description="Every schema:author of the paper, by name")


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: object) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- /papers --------------------------------------------------------------------------------------------
_PAPER_MATCH = "  ?paper a schema:ScholarlyArticle ; schema:name ?title .\n"
_BY_CATEGORY = "?paper schema:about ?category .\n"
_BY_YEAR = "?paper schema:datePublished ?published . FILTER(YEAR(?published) = ?year)\n"


def _papers_queries(bound: list[str], hits: list[str] | None, first_rank: int = 1) -> Queries:
    """The count and select for the bound variables (`category` / `year` when filtered by them), restricted to
    the full-text `hits` (ranked from `first_rank`) when searching."""
    match = (
        ("  " + ranked_values("paper", hits, first_rank) + "\n" if hits is not None else "")
        + _PAPER_MATCH
        + ("  " + _BY_CATEGORY if "category" in bound else "")
        + ("  " + _BY_YEAR if "year" in bound else "")
    )
    keys = " ".join(f"?{name}" for name in bound)
    rank = "?rank" if hits is not None else ""
    group = f"GROUP BY {keys}" if keys else ""
    return Queries(
        count=f"SELECT {keys} (COUNT(DISTINCT ?paper) AS ?n) WHERE {{ {match} }} {group}",
        select=f"""
SELECT {keys} ?paper ?title (MAX(?published) AS ?date) (COUNT(DISTINCT ?author) AS ?authors)
       (GROUP_CONCAT(DISTINCT ?notation; separator=" ") AS ?categories) {rank} WHERE {{
  {match}
  OPTIONAL {{ ?paper schema:datePublished ?published }}
  OPTIONAL {{ ?paper schema:author ?author }}
  OPTIONAL {{ ?paper schema:about ?about . ?about skos:notation ?notation }}
}}
GROUP BY {keys} ?paper ?title {rank}
ORDER BY {rank} DESC(STR(MAX(?published))) LCASE(?title) ?paper
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
    bindings: dict[str, Term] = {}
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

    hits = await search_hits(engine, "paper", q) if q.strip() else None
    if hits == []:
        return Page(items=[], total=0, limit=limit, offset=offset, next=None)
    if hits is not None and not bindings:  # a plain search: the hits are the papers, read only this page's
        window = _papers_queries([], hits[offset : offset + limit], first_rank=offset + 1)
        return await hits_page(request, engine, window.select, total=len(hits), limit=limit, offset=offset, build=build)
    return await page(
        request, engine, _papers_queries(list(bindings), hits), bindings, limit=limit, offset=offset, build=build
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
SELECT DISTINCT ?paper ?entry ?index ?source ?fileName ?pageFormat ?retrieved ?listing ?complete ?count ?trending
       ?upvotes ?position ?printed ?person ?name WHERE {
  ?entry skg:describes ?paper ; skg:entryOf ?source .
  OPTIONAL { ?source skg:fileName ?fileName }
  OPTIONAL { ?source skg:pageFormat ?pageFormat }
  OPTIONAL { ?source skg:retrievedOn ?retrieved }
  OPTIONAL { ?source skg:listingDate ?listing }
  OPTIONAL { ?entry skg:entryIndex ?index }
  OPTIONAL { ?entry skg:authorListComplete ?complete }
  OPTIONAL { ?entry skg:authorCount ?count }
  OPTIONAL { ?entry skg:trendingScore ?trending }
  OPTIONAL { ?entry skg:upvotes ?upvotes }
  OPTIONAL {
    ?entry skg:authorship ?authorship .
    ?authorship skg:position ?position ; skg:printedName ?printed .
    OPTIONAL { ?authorship skg:person ?person . OPTIONAL { ?person schema:name ?name } }
  }
}
ORDER BY ?fileName ?entry ?position
"""
_KNOWN_AUTHORS = """
SELECT ?paper ?person ?name ?homonym WHERE {
  ?paper schema:author ?person .
  OPTIONAL { ?person schema:name ?name }
  OPTIONAL { ?person skg:homonymNumber ?homonym }
}
ORDER BY ?name ?person
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
        page = source_page(row, base)
        sources.setdefault(page.id, SourceRef(**page.model_dump(include=set(SourceRef.model_fields))))
        entry = str(row["entry"])
        listing = lists.setdefault(
            entry,
            AuthorList(
                source=page,
                entry=entry,
                complete=_bool(row.get("complete")),
                author_count=opt_int(row.get("count")),
                authors=[],
                entry_index=opt_int(row.get("index")),
                trending_score=_number(row.get("trending")),
                upvotes=opt_int(row.get("upvotes")),
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


async def paper_detail(engine: Engine, iri: NamedNode, base: str) -> PaperDetail | None:
    """Everything known about the paper `iri`, or None when it is no schema:ScholarlyArticle."""
    bindings = {"paper": iri}
    core, authors, links, known = await asyncio.gather(
        *(rows(engine, text, bindings) for text in (_PAPER, _PAPER_AUTHORS, _PAPER_LINKS, _KNOWN_AUTHORS))
    )
    if not core:
        return None
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
        known_authors=[person_ref(r, base) for r in known],
    )


@router.get(
    "/papers/{key}",
    response_model=PaperDetail,
    summary="One paper: authors as printed per source, categories, venue, organisations, code, sources",
    responses={404: {"description": "No such paper"}},
)
async def get_paper(key: str, engine: EngineDep, settings: SettingsDep) -> PaperDetail:
    detail = await paper_detail(engine, entity_key(engine, "paper", key, "paper"), settings.base_iri)
    if detail is None:
        raise ApiError.not_found(f"no paper {key!r}")
    return detail
