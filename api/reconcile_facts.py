"""Facts about a few entities at once (reconciliation candidates, data-extension rows, preview cards).

Two rounds of small queries, each naming its entities in a `VALUES` block (so the store starts from them):
first the papers of the persons / organisations / categories asked about (and a person's co-authors, a
paper's authors), then the dates, categories and organisations of all those papers. Names and titles come
from the name index (`ReconcileIndex.load`: one query per batch of IRIs). The IRIs written into `VALUES` are
the store's own (from the index), each through its serializer `str(NamedNode(iri))`, never raw text; every
query runs through the engine (time limit, caps). Rows are DISTINCT: the union default graph repeats a fact
per page stating it.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool
from pyoxigraph import NamedNode

from scholarkg.api.query_responses import run_engine_query
from scholarkg.api.reconcile_index import ReconcileIndex
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT

Row = dict[str, object]
FACT_MAX_ROWS = 500_000
CHUNK = 2_000  # IRIs per VALUES block

# A person's or tagged entity's papers with their dates (only when a list is asked for).
_PAPER_LISTS = """
SELECT ?x ?paper (MAX(STR(?d)) AS ?date) WHERE {
  VALUES ?x { %s }
  { ?paper schema:author ?x } UNION { ?paper schema:sourceOrganization ?x } UNION { ?paper schema:about ?x }
  OPTIONAL { ?paper schema:datePublished ?d }
} GROUP BY ?x ?paper"""
# Papers per publication year (unbound: undated), per category, per organisation — aggregated in the store.
_YEARS = """
SELECT ?x ?y (COUNT(?paper) AS ?n) WHERE {
  { SELECT ?x ?paper (MAX(SUBSTR(STR(?d), 1, 4)) AS ?y) WHERE {
      VALUES ?x { %s }
      { ?paper schema:author ?x } UNION { ?paper schema:sourceOrganization ?x } UNION { ?paper schema:about ?x }
      OPTIONAL { ?paper schema:datePublished ?d }
  } GROUP BY ?x ?paper }
} GROUP BY ?x ?y"""
_CATEGORIES = """
SELECT ?x ?notation (COUNT(DISTINCT ?paper) AS ?n) WHERE {
  VALUES ?x { %s } ?paper schema:author ?x ; schema:about ?c . ?c skos:notation ?notation
} GROUP BY ?x ?notation"""
_ORGANIZATIONS = """
SELECT ?x ?org ?slug (COUNT(DISTINCT ?paper) AS ?n) WHERE {
  VALUES ?x { %s } ?paper schema:author ?x ; schema:sourceOrganization ?org . ?org schema:identifier ?slug
} GROUP BY ?x ?org ?slug"""
_COAUTHORS = """
SELECT ?x ?c (COUNT(DISTINCT ?paper) AS ?n) WHERE {
  VALUES ?x { %s } ?paper schema:author ?x . ?paper schema:author ?c FILTER(?c != ?x)
} GROUP BY ?x ?c"""
_PAIRS = """
SELECT DISTINCT ?x ?c WHERE {
  VALUES ?x { %s } VALUES ?c { %s } ?paper schema:author ?x . ?paper schema:author ?c FILTER(?c != ?x)
}"""
# A paper's own facts.
_PAPER_DATES = "SELECT ?x (MAX(STR(?d)) AS ?date) WHERE { VALUES ?x { %s } ?x schema:datePublished ?d } GROUP BY ?x"
_PAPER_CATEGORIES = """
SELECT DISTINCT ?x ?notation WHERE { VALUES ?x { %s } ?x schema:about ?c . ?c skos:notation ?notation }"""
_PAPER_ORGANIZATIONS = """
SELECT DISTINCT ?x ?org ?slug WHERE {
  VALUES ?x { %s } ?x schema:sourceOrganization ?org . ?org schema:identifier ?slug
}"""
_AUTHORS = "SELECT DISTINCT ?x ?c WHERE { VALUES ?x { %s } ?x schema:author ?c }"
_POSITIONS = """
SELECT ?x ?c (MIN(?pos) AS ?position) WHERE {
  VALUES ?x { %s } ?entry skg:describes ?x ; skg:authorship ?a . ?a skg:person ?c ; skg:position ?pos
} GROUP BY ?x ?c"""


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
    paper_count: int | None = None  # papers of an organisation or category (when `papers` was not fetched)

    @property
    def count(self) -> int:
        return len(self.papers) if self.paper_count is None else self.paper_count


def values_block(iris: Iterable[str]) -> str:
    return " ".join(str(NamedNode(iri)) for iri in iris)


def year_of(date: object) -> int | None:
    text = str(date or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


async def _rows(engine: Engine, template: str, iris: list[str]) -> list[Row]:
    found: list[Row] = []
    for start in range(0, len(iris), CHUNK):
        text = template.replace("%s", values_block(iris[start : start + CHUNK]), 1)  # the first %s: VALUES ?x
        request = engine.request(text, solution_format=ROWS_FORMAT, max_rows=FACT_MAX_ROWS)
        result = await run_engine_query(engine, request)
        found.extend(json.loads(result.body)["rows"])
    return found


async def _none() -> list[Row]:
    return []


def _query(engine: Engine, template: str, iris: list[str]) -> asyncio.Future[list[Row]] | object:
    return _rows(engine, template, iris) if iris else _none()


async def load_facts(
    engine: Engine, index: ReconcileIndex, iris: Iterable[str], *, people: bool = False, lists: bool = False
) -> dict[str, Facts]:
    """Facts for every IRI of `iris` that the index knows, in one round of concurrent queries; `people` also
    fetches a person's co-authors, `lists` the papers of persons, organisations and categories (else counts)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    iris = list(dict.fromkeys(iris))
    await run_in_threadpool(index.load, iris)
    for iri in iris:
        entry = index.entry(iri)
        if entry is not None:
            by_kind[entry.kind].append(iri)
    papers = by_kind["paper"]
    persons = by_kind["person"]
    holders = persons + by_kind["organization"] + by_kind["category"]
    plan = {
        "years": (_YEARS, holders),
        "categories": (_CATEGORIES, persons),
        "organizations": (_ORGANIZATIONS, persons),
        "coauthors": (_COAUTHORS, persons if people else []),
        "lists": (_PAPER_LISTS, holders if lists else []),
        "dates": (_PAPER_DATES, papers),
        "paper_categories": (_PAPER_CATEGORIES, papers),
        "paper_organizations": (_PAPER_ORGANIZATIONS, papers),
        "authors": (_AUTHORS, papers),
        "positions": (_POSITIONS, papers),
    }
    found = dict(zip(plan, await asyncio.gather(*(_query(engine, t, i) for t, i in plan.values())), strict=True))  # type: ignore[arg-type]
    named = [str(r["c"]) for r in found["coauthors"]] + [str(r["paper"]) for r in found["lists"]]
    named += [str(r["c"]) for r in found["authors"]]
    await run_in_threadpool(index.load, named)  # names of the co-authors, papers and authors: one round
    facts: dict[str, Facts] = defaultdict(Facts)
    for iri in holders:
        facts[iri].paper_count = 0
    for row in found["years"]:
        fact = facts[str(row["x"])]
        n = int(row["n"])  # type: ignore[call-overload]
        fact.paper_count = (fact.paper_count or 0) + n
        if row.get("y") is not None and str(row["y"]).isdigit():
            fact.years.append(int(str(row["y"])))
    for row in found["categories"]:
        facts[str(row["x"])].categories[str(row["notation"])] += int(row["n"])  # type: ignore[call-overload]
    for row in found["organizations"]:
        slug = str(row["slug"])
        facts[str(row["x"])].organizations[slug] = Ref(str(row["org"]), slug, int(row["n"]))  # type: ignore[call-overload]
    for row in sorted(found["coauthors"], key=lambda r: (-int(r["n"]), _name(index, str(r["c"])))):  # type: ignore[call-overload]
        facts[str(row["x"])].coauthors.append(Ref(str(row["c"]), _name(index, str(row["c"])), int(row["n"])))  # type: ignore[call-overload]
    for row in sorted(
        found["lists"], key=lambda r: (str(r.get("date") or ""), _name(index, str(r["paper"]))), reverse=True
    ):
        facts[str(row["x"])].papers.append(Ref(str(row["paper"]), _name(index, str(row["paper"]))))
    for row in found["dates"]:
        fact = facts[str(row["x"])]
        fact.date = str(row["date"])
        year = year_of(fact.date)
        fact.years = [] if year is None else [year]
    for row in found["paper_categories"]:
        facts[str(row["x"])].categories[str(row["notation"])] += 1
    for row in found["paper_organizations"]:
        slug = str(row["slug"])
        facts[str(row["x"])].organizations[slug] = Ref(str(row["org"]), slug, 1)
    position = {(str(r["x"]), str(r["c"])): int(r["position"]) for r in found["positions"]}  # type: ignore[call-overload]

    def printed(row: Row) -> tuple[bool, int, str]:
        at = position.get((str(row["x"]), str(row["c"])))
        return (at is None, at or 0, _name(index, str(row["c"])))

    for row in sorted(found["authors"], key=printed):
        facts[str(row["x"])].authors.append(Ref(str(row["c"]), _name(index, str(row["c"]))))
    return facts


def _name(index: ReconcileIndex, iri: str) -> str:
    entry = index.entry(iri)
    if entry is None:
        return iri
    return f"{entry.name} {entry.homonym}" if entry.homonym else entry.name


async def coauthor_pairs(engine: Engine, persons: list[str], others: list[str]) -> dict[str, set[str]]:
    """For each of `persons`, which of `others` wrote a paper with them."""
    linked: dict[str, set[str]] = defaultdict(set)
    persons, others = list(dict.fromkeys(persons)), list(dict.fromkeys(others))
    if not persons or not others:
        return linked
    for start in range(0, len(others), CHUNK):
        block = values_block(others[start : start + CHUNK])
        for row in await _rows(engine, _PAIRS.replace("VALUES ?c { %s }", "VALUES ?c { " + block + " }"), persons):
            linked[str(row["x"])].add(str(row["c"]))
    return linked
