"""Facts about a few entities at once (reconciliation candidates, data-extension rows), one query per kind of fact.

Each query names its entities in a `VALUES` block. The IRIs written there come from the name index (the
store's own IRIs), each through its own serializer `str(NamedNode(iri))`, never as raw text; every query
runs through the engine (time limit, caps).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from scholarkg.api.query_responses import run_engine_query
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT

Row = dict[str, object]
FACT_MAX_ROWS = 200_000

_PERSON_PAPERS = """
SELECT ?x ?paper (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) WHERE {
  VALUES ?x { %s }
  ?paper schema:author ?x .
  OPTIONAL { ?paper schema:name ?t }
  OPTIONAL { ?paper schema:datePublished ?published BIND(STR(?published) AS ?d) }
} GROUP BY ?x ?paper"""
_PERSON_CATEGORIES = """
SELECT DISTINCT ?x ?paper ?notation WHERE {
  VALUES ?x { %s }
  ?paper schema:author ?x ; schema:about ?category . ?category skos:notation ?notation .
}"""
_PERSON_ORGANIZATIONS = """
SELECT DISTINCT ?x ?paper ?org ?slug WHERE {
  VALUES ?x { %s }
  ?paper schema:author ?x ; schema:sourceOrganization ?org . ?org schema:identifier ?slug .
}"""
_PERSON_COAUTHORS = """
SELECT ?x ?c (SAMPLE(?n) AS ?name) (COUNT(DISTINCT ?paper) AS ?joint) WHERE {
  VALUES ?x { %s }
  ?paper schema:author ?x , ?c . FILTER(?c != ?x)
  OPTIONAL { ?c schema:name ?n }
} GROUP BY ?x ?c"""
_PAPER_CORE = """
SELECT ?x (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) WHERE {
  VALUES ?x { %s }
  OPTIONAL { ?x schema:name ?t }
  OPTIONAL { ?x schema:datePublished ?published BIND(STR(?published) AS ?d) }
} GROUP BY ?x"""
_PAPER_AUTHORS = """
SELECT ?x ?c (SAMPLE(?n) AS ?name) (MIN(?pos) AS ?position) WHERE {
  VALUES ?x { %s }
  ?x schema:author ?c .
  OPTIONAL { ?c schema:name ?n }
  OPTIONAL { ?entry skg:describes ?x ; skg:authorship ?a . ?a skg:person ?c ; skg:position ?pos }
} GROUP BY ?x ?c"""
_PAPER_CATEGORIES = """
SELECT DISTINCT ?x ?notation WHERE {
  VALUES ?x { %s }
  ?x schema:about ?category . ?category skos:notation ?notation .
}"""
_PAPER_ORGANIZATIONS = """
SELECT DISTINCT ?x ?org ?slug WHERE {
  VALUES ?x { %s }
  ?x schema:sourceOrganization ?org . ?org schema:identifier ?slug .
}"""
_TAGGED_PAPERS = """
SELECT ?x ?paper (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date) WHERE {
  VALUES ?x { %s }
  { ?paper schema:sourceOrganization ?x } UNION { ?paper schema:about ?x }
  OPTIONAL { ?paper schema:name ?t }
  OPTIONAL { ?paper schema:datePublished ?published BIND(STR(?published) AS ?d) }
} GROUP BY ?x ?paper"""


@dataclass
class Ref:
    iri: str
    name: str
    count: int = 0


@dataclass
class Facts:
    """What reconciliation and data extension need about one entity."""

    papers: list[Ref] = field(default_factory=list)  # newest first (a person's or tagged papers)
    years: list[int] = field(default_factory=list)  # publication years (a paper's own, or its papers')
    categories: Counter[str] = field(default_factory=Counter)  # notation → papers
    organizations: dict[str, Ref] = field(default_factory=dict)  # slug → org (count = papers)
    coauthors: list[Ref] = field(default_factory=list)  # a person's co-authors (count = joint papers)
    authors: list[Ref] = field(default_factory=list)  # a paper's authors in printed order
    date: str | None = None


def values_block(iris: Iterable[str]) -> str:
    return " ".join(str(NamedNode(iri)) for iri in iris)


def year_of(date: object) -> int | None:
    text = str(date or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


async def _rows(engine: Engine, template: str, iris: list[str]) -> list[Row]:
    text = template % values_block(iris)
    request = engine.request(text, solution_format=ROWS_FORMAT, max_rows=FACT_MAX_ROWS)
    result = await run_engine_query(engine, request)
    found: list[Row] = json.loads(result.body)["rows"]
    return found


def _papers(rows: list[Row], facts: dict[str, Facts]) -> None:
    for row in sorted(rows, key=lambda r: (str(r.get("date") or ""), str(r.get("title") or "")), reverse=True):
        fact = facts[str(row["x"])]
        fact.papers.append(Ref(str(row["paper"]), str(row.get("title") or row["paper"])))
        year = year_of(row.get("date"))
        if year is not None:
            fact.years.append(year)


async def person_facts(engine: Engine, iris: list[str], *, coauthors: bool) -> dict[str, Facts]:
    facts: dict[str, Facts] = defaultdict(Facts)
    if not iris:
        return facts
    templates = [_PERSON_PAPERS, _PERSON_CATEGORIES, _PERSON_ORGANIZATIONS] + ([_PERSON_COAUTHORS] if coauthors else [])
    papers, categories, organizations, *rest = await asyncio.gather(*(_rows(engine, t, iris) for t in templates))
    _papers(papers, facts)
    for row in categories:
        facts[str(row["x"])].categories[str(row["notation"])] += 1
    _organizations(organizations, facts)
    for row in sorted(rest[0] if rest else [], key=lambda r: (-int(r["joint"]), str(r.get("name") or ""))):  # type: ignore[call-overload]
        facts[str(row["x"])].coauthors.append(Ref(str(row["c"]), str(row.get("name") or row["c"]), int(row["joint"])))  # type: ignore[call-overload]
    return facts


def _organizations(rows: list[Row], facts: dict[str, Facts]) -> None:
    for row in rows:
        found = facts[str(row["x"])].organizations
        slug = str(row["slug"])
        ref = found.setdefault(slug, Ref(str(row["org"]), slug))
        ref.count += 1


async def paper_facts(engine: Engine, iris: list[str]) -> dict[str, Facts]:
    facts: dict[str, Facts] = defaultdict(Facts)
    if not iris:
        return facts
    templates = [_PAPER_CORE, _PAPER_AUTHORS, _PAPER_CATEGORIES, _PAPER_ORGANIZATIONS]
    core, authors, categories, organizations = await asyncio.gather(*(_rows(engine, t, iris) for t in templates))
    for row in core:
        fact = facts[str(row["x"])]
        fact.date = None if row.get("date") is None else str(row["date"])
        year = year_of(fact.date)
        fact.years = [] if year is None else [year]
    for row in sorted(authors, key=lambda r: (r.get("position") is None, r.get("position") or 0, str(r.get("name")))):
        facts[str(row["x"])].authors.append(Ref(str(row["c"]), str(row.get("name") or row["c"])))
    for row in categories:
        facts[str(row["x"])].categories[str(row["notation"])] += 1
    _organizations(organizations, facts)
    return facts


async def tagged_facts(engine: Engine, iris: list[str]) -> dict[str, Facts]:
    """An organisation's or a category's papers."""
    facts: dict[str, Facts] = defaultdict(Facts)
    if iris:
        _papers(await _rows(engine, _TAGGED_PAPERS, iris), facts)
    return facts
