"""`/authors` (searchable list) and `/authors/{key}` (papers, co-authors, categories, metrics).

`author_detail` is the one data layer for a person: the JSON route returns it, the HTML page renders it.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from pyoxigraph import NamedNode

from scholarkg.api.categories import CategoryRef, PersonRef, SourcePage, VenueRef, category_ref, person_ref, source_page
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
    count,
    entity_key,
    link,
    opt_int,
    opt_str,
    page,
    ranked_values,
    rows,
    search_hits,
)
from scholarkg.linking.identifiers import IdentifierError, parse_identifier
from scholarkg.queries.engine import Engine

router = APIRouter(tags=["Resources"])


class AuthorItem(Entity):
    name: str
    homonym: str | None = Field(description="dblp homonym number, e.g. '0006'")
    papers: int


class AuthorPaper(Entity):
    title: str | None
    date: str | None
    position: int | None = Field(description="1-based position in the printed author list (first listing)")
    venue: VenueRef | None = Field(description="Event the paper was presented at")
    categories: list[CategoryRef] = Field(description="arXiv categories of the paper, by notation")


class Coauthor(PersonRef):
    papers: int = Field(description="Papers written together")


class AuthorCategory(CategoryRef):
    papers: int


class Metric(BaseModel):
    metric: str = Field(description="Local name of the measured property, e.g. hIndex")
    property: str
    value: int | float | str
    date: str | None
    source: str | None
    label: str | None = Field(description="Label of the measured property, e.g. h-index")


class YearCount(BaseModel):
    year: int
    papers: int


class ExternalId(BaseModel):
    scheme: str = Field(description="orcid, dblp-person, wikidata or openalex")
    label: str = Field(description="e.g. ORCID 0000-0002-1825-0097")
    iri: str


class AuthorDetail(Entity):
    name: str
    homonym: str | None
    primary_category: CategoryRef | None
    papers: list[AuthorPaper]
    coauthors: list[Coauthor]
    categories: list[AuthorCategory]
    metrics: list[Metric]
    papers_per_year: list[YearCount] = Field(description="Dated papers per publication year, oldest first")
    profile_pages: list[SourcePage] = Field(description="Source pages about this author")
    external_ids: list[ExternalId] = Field(
        default_factory=list, description="Accepted owl:sameAs links to ORCID, dblp, Wikidata, OpenAlex (links graph)"
    )


# -- /authors -------------------------------------------------------------------------------------------
def _authors_queries(hits: list[str] | None) -> Queries:
    """All persons by name, or the full-text `hits` (ranked) when searching."""
    match = ("  " + ranked_values("person", hits) + "\n" if hits is not None else "") + (
        "  ?person a schema:Person ; schema:name ?name .\n"
    )
    rank = "?rank" if hits is not None else ""
    return Queries(
        count=f"SELECT (COUNT(DISTINCT ?person) AS ?n) WHERE {{ {match} }}",
        select=f"""
SELECT ?person ?name ?homonym (COUNT(DISTINCT ?paper) AS ?papers) {rank} WHERE {{
  {match}
  OPTIONAL {{ ?person skg:homonymNumber ?homonym }}
  OPTIONAL {{ ?paper schema:author ?person }}
}}
GROUP BY ?person ?name ?homonym {rank}
ORDER BY {rank} LCASE(?name) ?homonym ?person
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

    hits = await search_hits(engine, "person", q) if q.strip() else None
    if hits == []:
        return Page(items=[], total=0, limit=limit, offset=offset, next=None)
    return await page(request, engine, _authors_queries(hits), {}, limit=limit, offset=offset, build=build)


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
SELECT ?person ?paper ?title ?date (MIN(?pos) AS ?position) (SAMPLE(?v) AS ?venue) (SAMPLE(?vn) AS ?venueName) WHERE {
  ?paper schema:author ?person .
  OPTIONAL { ?paper schema:name ?title }
  OPTIONAL { ?paper schema:datePublished ?date }
  OPTIONAL {
    ?entry skg:describes ?paper ; skg:authorship ?authorship .
    ?authorship skg:person ?person ; skg:position ?pos
  }
  OPTIONAL { ?paper skg:presentedAt ?v . OPTIONAL { ?v schema:name ?vn } }
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
# One row per (paper, category, notation, label): both each paper's categories and the author's category counts.
_PAPER_CATEGORIES = """
SELECT DISTINCT ?person ?paper ?category ?notation ?label WHERE {
  ?paper schema:author ?person ; schema:about ?category .
  OPTIONAL { ?category skos:notation ?notation }
  OPTIONAL { ?category skos:prefLabel ?label }
}
"""
_METRICS = """
SELECT ?person ?property (SAMPLE(?l) AS ?label) ?value ?date ?source WHERE {
  ?observation schema:observationAbout ?person ; schema:measuredProperty ?property ; schema:value ?value .
  OPTIONAL { ?property rdfs:label ?l }
  OPTIONAL { ?observation schema:observationDate ?date }
  OPTIONAL { ?observation prov:wasDerivedFrom ?source }
}
GROUP BY ?person ?property ?value ?date ?source
ORDER BY ?property DESC(?date) ?source
"""
_PROFILE_PAGES = """
SELECT DISTINCT ?person ?source ?fileName ?pageFormat ?retrieved ?listing WHERE {
  ?source foaf:primaryTopic ?person .
  OPTIONAL { ?source skg:fileName ?fileName }
  OPTIONAL { ?source skg:pageFormat ?pageFormat }
  OPTIONAL { ?source skg:retrievedOn ?retrieved }
  OPTIONAL { ?source skg:listingDate ?listing }
}
ORDER BY ?fileName ?source
"""


_EXTERNAL_SCHEMES = ("orcid", "dblp-person", "wikidata", "openalex")


def _external_ids_query(base: str) -> str:
    graph = NamedNode(f"{base}id/graph/links")  # a serialised term written into the text
    return f"SELECT DISTINCT ?person ?same WHERE {{ GRAPH {graph} {{ ?person owl:sameAs ?same }} }} ORDER BY ?same"


def _external_ids(found: list[Row]) -> list[ExternalId]:
    ids: list[ExternalId] = []
    for row in found:
        try:
            ident = parse_identifier(str(row["same"]))
        except IdentifierError:
            continue  # a local person (accepted name variant) or an IRI of another kind
        if ident.scheme in _EXTERNAL_SCHEMES:
            ids.append(ExternalId(scheme=ident.scheme, label=ident.label, iri=ident.iri))
    return sorted(ids, key=lambda x: (_EXTERNAL_SCHEMES.index(x.scheme), x.iri))


def _year(date: str | None) -> int | None:
    text = date or ""
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _venue(row: Row, base: str) -> VenueRef | None:
    return (
        None if row.get("venue") is None else VenueRef(**link(row["venue"], base), name=opt_str(row.get("venueName")))
    )


def _categories(found: list[Row], base: str) -> tuple[dict[str, list[CategoryRef]], list[AuthorCategory]]:
    """Each paper's categories (by notation), and the author's categories ranked by their papers."""
    of_paper: dict[str, dict[str, CategoryRef]] = defaultdict(dict)
    papers_in: dict[tuple[object, ...], set[str]] = defaultdict(set)
    for row in found:
        ref = category_ref(row, base)
        of_paper[str(row["paper"])].setdefault(ref.id, ref)
        papers_in[(ref.id, ref.path, ref.notation, ref.label)].add(str(row["paper"]))
    ranked = sorted(papers_in.items(), key=lambda item: (-len(item[1]), item[0][2] is not None, item[0][2] or ""))
    return (
        {paper: sorted(refs.values(), key=lambda c: c.notation or "") for paper, refs in of_paper.items()},
        [
            AuthorCategory(id=iri, path=path, notation=notation, label=label, papers=len(papers))  # type: ignore[arg-type]
            for (iri, path, notation, label), papers in ranked
        ],
    )


async def author_detail(engine: Engine, iri: NamedNode, base: str) -> AuthorDetail | None:
    """Everything known about the person `iri`, or None when it is no named schema:Person."""
    bindings = {"person": iri}
    queries = (_AUTHOR, _AUTHOR_PAPERS, _COAUTHORS, _PAPER_CATEGORIES, _METRICS, _PROFILE_PAGES)
    queries += (_external_ids_query(base),)
    core, papers, coauthors, paper_categories, metrics, pages, same = await asyncio.gather(
        *(rows(engine, text, bindings) for text in queries)
    )
    if not core:
        return None
    person = core[0]
    categories_of, categories = _categories(paper_categories, base)
    author_papers = [
        AuthorPaper(
            **link(r["paper"], base),
            title=opt_str(r.get("title")),
            date=opt_str(r.get("date")),
            position=opt_int(r.get("position")),
            venue=_venue(r, base),
            categories=categories_of.get(str(r["paper"]), []),
        )
        for r in papers
    ]
    years = Counter(year for year in (_year(p.date) for p in author_papers) if year is not None)
    return AuthorDetail(
        **link(person["person"], base),
        name=str(person["name"]),
        homonym=opt_str(person.get("homonym")),
        primary_category=(
            category_ref(person, base, "primary", "primaryNotation", "primaryLabel")
            if person.get("primary") is not None
            else None
        ),
        papers=author_papers,
        coauthors=[
            Coauthor(**person_ref(r, base, "coauthor").model_dump(), papers=count(r["papers"])) for r in coauthors
        ],
        categories=categories,
        metrics=[
            Metric(
                metric=str(r["property"]).rpartition("#")[2],
                property=str(r["property"]),
                value=r["value"],  # type: ignore[arg-type]
                date=opt_str(r.get("date")),
                source=opt_str(r.get("source")),
                label=opt_str(r.get("label")),
            )
            for r in metrics
        ],
        papers_per_year=[YearCount(year=year, papers=n) for year, n in sorted(years.items())],
        profile_pages=[source_page(r, base) for r in pages],
        external_ids=_external_ids(same),
    )


@router.get(
    "/authors/{key}",
    response_model=AuthorDetail,
    summary="One author: papers, co-authors, categories, metrics",
    responses={404: {"description": "No such author"}},
)
async def get_author(key: str, engine: EngineDep, settings: SettingsDep) -> AuthorDetail:
    detail = await author_detail(engine, entity_key(engine, "person", key, "author"), settings.base_iri)
    if detail is None:
        raise ApiError.not_found(f"no author {key!r}")
    return detail
