"""Records → RDF: every fact of one parsed page as quads in that page's named graph."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import Iris
from scholarkg.loader.records import AuthorName, Entry, Page
from scholarkg.loader.text import normalize_key
from scholarkg.loader.vocab import RDF_TYPE, foaf, prov, schema, skg, xsd
from scholarkg.ontology.taxonomy import resolve_code

LOADER_VERSION = "0.1.0"


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=xsd.integer)


def _bool(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=xsd.boolean)


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=xsd.date)


def _decimal(value: Decimal) -> Literal:
    return Literal(str(value), datatype=xsd.decimal)


class PageMapper:
    """Maps one page; collects quads for the page's graph (no blank nodes: reloads are identical)."""

    def __init__(self, iris: Iris, file_name: str, label: str, graph: NamedNode) -> None:
        self.iris = iris
        self.file_name = file_name
        self.label = label
        self.graph = graph
        self._quads: dict[Quad, None] = {}

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self._quads[Quad(s, p, o, self.graph)] = None

    def quads(self) -> list[Quad]:
        return list(self._quads)

    def category(self, code: str, line: int) -> NamedNode:
        notation = resolve_code(code)
        if notation is None:
            raise PageError(self.label, f"unknown arXiv category code {code!r}", line)
        return self.iris.category(notation)

    def person(self, name: AuthorName) -> NamedNode:
        node = self.iris.person(name.name, name.homonym)
        self.add(node, RDF_TYPE, schema.Person)
        self.add(node, schema.name, Literal(name.name))
        self.add(node, skg.normalizedName, Literal(normalize_key(name.name)))
        if name.homonym:
            self.add(node, skg.homonymNumber, Literal(name.homonym))
        return node


def page_quads(page: Page, *, file_name: str, label: str, sha256: str, as_of: dt.date, iris: Iris) -> list[Quad]:
    """All quads for `page`, in the named graph of its source (`iris.source(file_name)`)."""
    source = iris.source(file_name)
    m = PageMapper(iris, file_name, label, source)
    m.add(source, RDF_TYPE, skg.SourcePage)
    m.add(source, RDF_TYPE, prov.Entity)
    m.add(source, skg.fileName, Literal(file_name))
    m.add(source, skg.pageFormat, Literal(page.format))
    m.add(source, skg.sha256, Literal(sha256))
    m.add(source, skg.retrievedOn, _date(as_of))
    m.add(source, skg.loaderVersion, Literal(LOADER_VERSION))
    m.add(source, skg.entryCount, _int(len(page.entries)))
    if page.declared_paper_count is not None:
        m.add(source, skg.declaredPaperCount, _int(page.declared_paper_count))
    if page.author_row_count is not None:
        m.add(source, skg.authorRowCount, _int(page.author_row_count))
    if page.listing_date is not None:
        m.add(source, skg.listingDate, _date(page.listing_date))

    owner: NamedNode | None = None
    if page.owner is not None:
        owner = m.person(page.owner)
        m.add(source, foaf.primaryTopic, owner)
        if page.primary_category_code:
            m.add(owner, skg.primaryCategory, m.category(page.primary_category_code, page.primary_category_line or 1))
    if page.metrics is not None and owner is not None:
        for field, metric in (
            ("h_index", "hIndex"),
            ("paper_count", "paperCount"),
            ("citation_count", "citationCount"),
            ("novelty_percent", "noveltyPercent"),
            ("ai_score", "aiScore"),
        ):
            observation = iris.observation(file_name, metric)
            m.add(observation, RDF_TYPE, skg.MetricObservation)
            m.add(observation, RDF_TYPE, schema.Observation)
            m.add(observation, schema.observationAbout, owner)
            m.add(observation, schema.measuredProperty, skg[metric])
            m.add(observation, schema.value, _int(getattr(page.metrics, field)))
            m.add(observation, schema.observationDate, _date(as_of))
            m.add(observation, prov.wasDerivedFrom, source)

    for entry in page.entries:
        _entry_quads(m, entry, source, owner)
    return m.quads()


def _entry_quads(m: PageMapper, entry: Entry, source: NamedNode, owner: NamedNode | None) -> None:
    iris = m.iris
    paper = iris.paper(entry.title)
    m.add(paper, RDF_TYPE, schema.ScholarlyArticle)
    m.add(paper, schema.name, Literal(entry.title))
    m.add(paper, skg.normalizedTitle, Literal(normalize_key(entry.title)))
    if entry.abstract:
        m.add(paper, schema.abstract, Literal(entry.abstract))
    if entry.published is not None:
        m.add(paper, schema.datePublished, _date(entry.published))
    elif entry.year is not None:
        m.add(paper, schema.datePublished, Literal(f"{entry.year:04d}", datatype=xsd.gYear))
    if entry.category_code:
        m.add(paper, schema.about, m.category(entry.category_code, entry.line))
    if entry.has_code is not None:
        m.add(paper, skg.hasCode, _bool(entry.has_code))
    for url in entry.code_repositories:
        m.add(paper, schema.codeRepository, NamedNode(url))
    for slug in entry.organizations:
        org = iris.organization(slug)
        m.add(org, RDF_TYPE, schema.Organization)
        m.add(org, schema.identifier, Literal(slug))
        m.add(paper, schema.sourceOrganization, org)
    if entry.venue is not None:
        venue = entry.venue
        series = iris.venue_series(venue.series)
        edition = iris.venue_edition(venue.series, venue.year)
        m.add(series, RDF_TYPE, skg.VenueSeries)
        m.add(series, schema.name, Literal(venue.series))
        m.add(series, skg.venueType, Literal(venue.venue_type))
        m.add(edition, RDF_TYPE, skg.VenueEdition)
        m.add(edition, schema.name, Literal(venue.edition))
        m.add(edition, schema.superEvent, series)
        m.add(edition, skg.year, Literal(f"{venue.year:04d}", datatype=xsd.gYear))
        m.add(paper, skg.presentedAt, edition)
        m.add(paper, skg.publicationType, Literal(venue.publication_type))

    node = iris.entry(m.file_name, entry.index)
    m.add(node, RDF_TYPE, skg.PageEntry)
    m.add(node, RDF_TYPE, prov.Entity)
    m.add(source, skg.entry, node)
    m.add(node, skg.entryOf, source)
    m.add(node, skg.entryIndex, _int(entry.index))
    m.add(node, skg.describes, paper)
    m.add(node, skg.authorListComplete, _bool(entry.author_list_complete))
    if entry.author_count is not None:
        m.add(node, skg.authorCount, _int(entry.author_count))
    elif entry.author_list_complete:
        m.add(node, skg.authorCount, _int(len(entry.authors)))
    if entry.trending_score is not None:
        m.add(node, skg.trendingScore, _decimal(entry.trending_score))
    if entry.upvotes is not None:
        m.add(node, skg.upvotes, _int(entry.upvotes))

    for position, name in enumerate(entry.authors, start=1):
        person = m.person(name)
        m.add(paper, schema.author, person)
        authorship = iris.authorship(m.file_name, entry.index, position)
        m.add(authorship, RDF_TYPE, skg.Authorship)
        m.add(node, skg.authorship, authorship)
        m.add(authorship, skg.position, _int(position))
        m.add(authorship, skg.printedName, Literal(name.printed))
        m.add(authorship, skg.person, person)
    if owner is not None:
        # The page owner wrote every paper on their page, even when hidden behind "et al.".
        m.add(paper, schema.author, owner)
