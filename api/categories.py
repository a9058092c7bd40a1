"""`/categories` and `/organizations`: what papers are about and where they come from, with paper counts.

Also the reference models (and their row builders) that authors and papers embed: `CategoryRef`, `OrganizationRef`,
`PersonRef`, `VenueRef`, `SourceRef` and `SourcePage`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.pagination import Entity, Limit, Offset, Page, Queries, Row, link, opt_str, page, with_papers

router = APIRouter(tags=["Resources"])


class CategoryRef(Entity):
    notation: str | None = Field(description="arXiv id, e.g. cs.LG")
    label: str | None


class CategoryItem(CategoryRef):
    papers: int


class OrganizationRef(Entity):
    identifier: str | None


class OrganizationItem(OrganizationRef):
    papers: int


class PersonRef(Entity):
    name: str | None
    homonym: str | None = Field(description="dblp homonym number, e.g. '0006'")


class VenueRef(Entity):
    name: str | None


class SourceRef(Entity):
    file_name: str | None
    page_format: str | None


class SourcePage(SourceRef):
    retrieved_on: str | None = Field(description="Date the page was retrieved")
    listing_date: str | None = Field(description="Date of the listing the page shows, if any")


def category_ref(
    row: Row, base: str, iri: str = "category", notation: str = "notation", label: str = "label"
) -> CategoryRef:
    return CategoryRef(**link(row[iri], base), notation=opt_str(row.get(notation)), label=opt_str(row.get(label)))


def organization_ref(row: Row, base: str, iri: str = "org", identifier: str = "identifier") -> OrganizationRef:
    return OrganizationRef(**link(row[iri], base), identifier=opt_str(row.get(identifier)))


def person_ref(row: Row, base: str, iri: str = "person") -> PersonRef:
    return PersonRef(**link(row[iri], base), name=opt_str(row.get("name")), homonym=opt_str(row.get("homonym")))


def source_page(row: Row, base: str) -> SourcePage:
    """From `?source ?fileName ?pageFormat ?retrieved ?listing`."""
    return SourcePage(
        **link(row["source"], base),
        file_name=opt_str(row.get("fileName")),
        page_format=opt_str(row.get("pageFormat")),
        retrieved_on=opt_str(row.get("retrieved")),
        listing_date=opt_str(row.get("listing")),
    )


_CATEGORIES = Queries(
    count="SELECT (COUNT(DISTINCT ?category) AS ?n) WHERE { ?paper schema:about ?category }",
    select="""
SELECT ?category ?notation ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:about ?category .
  OPTIONAL { ?category skos:notation ?notation }
  OPTIONAL { ?category skos:prefLabel ?label }
}
GROUP BY ?category ?notation ?label
ORDER BY DESC(?papers) ?notation ?category
""",
)
_ORGANIZATIONS = Queries(
    count="SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE { ?paper schema:sourceOrganization ?org }",
    select="""
SELECT ?org ?identifier (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:sourceOrganization ?org .
  OPTIONAL { ?org schema:identifier ?identifier }
}
GROUP BY ?org ?identifier
ORDER BY DESC(?papers) ?identifier ?org
""",
)


@router.get("/categories", response_model=Page[CategoryItem], summary="arXiv categories in use, with paper counts")
async def list_categories(
    request: Request, engine: EngineDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[CategoryItem]:
    build = with_papers(CategoryItem, category_ref, settings.base_iri)
    return await page(request, engine, _CATEGORIES, {}, limit=limit, offset=offset, build=build)


@router.get("/organizations", response_model=Page[OrganizationItem], summary="Organisations, with paper counts")
async def list_organizations(
    request: Request, engine: EngineDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> Page[OrganizationItem]:
    build = with_papers(OrganizationItem, organization_ref, settings.base_iri)
    return await page(request, engine, _ORGANIZATIONS, {}, limit=limit, offset=offset, build=build)
