"""Typed records: what a page says, before it becomes RDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PageFormat = Literal["author-profile", "daily-papers", "author-cluster"]
PAGE_FORMATS: tuple[PageFormat, ...] = ("author-profile", "daily-papers", "author-cluster")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuthorName(_Record):
    """An author name as printed; `name` drops the dblp homonym number ("Yao Lu 0006")."""

    printed: str
    name: str
    homonym: str | None = None


class Venue(_Record):
    """`NeurIPS Conference 2025 Conference Paper` → series NeurIPS, edition NeurIPS 2025."""

    series: str
    venue_type: str
    year: int
    publication_type: str

    @property
    def edition(self) -> str:
        return f"{self.series} {self.year}"


class Entry(_Record):
    """One paper as listed on a page."""

    index: int = Field(ge=1, description="1-based position on the page")
    line: int = Field(ge=1, description="line of the entry's first line in the page")
    title: str
    abstract: str | None = None
    published: dt.date | None = None
    year: int | None = None
    category_code: str | None = None
    trending_score: Decimal | None = None
    has_code: bool | None = None
    authors: tuple[AuthorName, ...] = ()
    author_list_complete: bool = False
    author_count: int | None = None
    organizations: tuple[str, ...] = ()
    upvotes: int | None = None
    venue: Venue | None = None
    code_repositories: tuple[str, ...] = ()


class ProfileMetrics(_Record):
    h_index: int
    paper_count: int
    citation_count: int
    novelty_percent: int
    ai_score: int


class Page(_Record):
    """A parsed source page."""

    format: PageFormat
    owner: AuthorName | None = None
    primary_category_code: str | None = None
    primary_category_line: int | None = Field(None, ge=1, description="line of the primary category code")
    metrics: ProfileMetrics | None = None
    declared_paper_count: int | None = None
    author_row_count: int | None = None
    listing_date: dt.date | None = None
    entries: tuple[Entry, ...]
