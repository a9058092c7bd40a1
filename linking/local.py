"""Our own entities as the linkers see them: persons and papers with their keys, authors and identifiers.

Read once per run from the store (the local graph is small next to a dump), then matched in memory.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from scholarkg.linking.names import normalize_title, split_homonym
from scholarkg.loader.store import GraphStore, term_value
from scholarkg.loader.text import normalize_key


@dataclass
class LocalPaper:
    iri: str
    title: str
    year: int | None
    authors: dict[int, str] = field(default_factory=dict)  # position → person IRI (first page that says so)


@dataclass
class LocalPerson:
    iri: str
    name: str
    homonym: str | None
    papers: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @property
    def printed(self) -> str:
        return f"{self.name} {self.homonym}" if self.homonym else self.name


@dataclass
class LocalGraph:
    papers: dict[str, LocalPaper]
    persons: dict[str, LocalPerson]
    by_title: dict[str, list[str]]
    by_name: dict[str, list[str]]  # normalize_key(name + homonym) → person IRIs
    by_base_name: dict[str, list[str]]  # normalize_key(name) → person IRIs, whatever their homonym number

    def persons_named(self, printed: str) -> list[str]:
        """`Sehoon Kim 0001` names one person; `Sehoon Kim` every Sehoon Kim (with or without a number)."""
        name, homonym = split_homonym(printed)
        if homonym:
            return list(self.by_name.get(normalize_key(printed), []))
        return list(self.by_base_name.get(normalize_key(name), []))

    def coauthors(self, person: str) -> set[str]:
        found: set[str] = set()
        for paper in self.persons[person].papers:
            found.update(self.papers[paper].authors.values())
        found.discard(person)
        return found


def read_local(store: GraphStore) -> LocalGraph:
    papers: dict[str, LocalPaper] = {}
    for row in store.select(
        """SELECT ?p (SAMPLE(?t) AS ?title) (MIN(?d) AS ?date) WHERE {
             ?p a schema:ScholarlyArticle ; schema:name ?t OPTIONAL { ?p schema:datePublished ?d } } GROUP BY ?p"""
    ):
        date = None if row["date"] is None else term_value(row["date"])
        year = int(date[:4]) if date and re.match(r"^\d{4}", date) else None
        papers[term_value(row["p"])] = LocalPaper(term_value(row["p"]), term_value(row["title"]), year)
    persons: dict[str, LocalPerson] = {}
    for row in store.select(
        """SELECT ?x (SAMPLE(?n) AS ?name) (SAMPLE(?h) AS ?homonym) WHERE {
             ?x a schema:Person ; schema:name ?n OPTIONAL { ?x skg:homonymNumber ?h } } GROUP BY ?x"""
    ):
        persons[term_value(row["x"])] = LocalPerson(
            term_value(row["x"]),
            term_value(row["name"]),
            None if row["homonym"] is None else term_value(row["homonym"]),
        )
    for row in store.select(
        """SELECT DISTINCT ?paper ?person ?pos WHERE {
             ?e skg:describes ?paper ; skg:authorship ?a . ?a skg:person ?person ; skg:position ?pos }"""
    ):
        paper, person, position = term_value(row["paper"]), term_value(row["person"]), int(term_value(row["pos"]))
        if paper in papers:
            papers[paper].authors.setdefault(position, person)
    for row in store.select("SELECT DISTINCT ?paper ?person WHERE { ?paper schema:author ?person }"):
        paper, person = term_value(row["paper"]), term_value(row["person"])
        if person in persons and paper in papers:
            persons[person].papers.add(paper)
    for row in store.select(
        """SELECT DISTINCT ?person ?c WHERE {
             { ?paper schema:author ?person ; schema:about ?c } UNION { ?person skg:primaryCategory ?c } }"""
    ):
        if term_value(row["person"]) in persons:
            persons[term_value(row["person"])].categories.add(term_value(row["c"]))
    for row in store.select(
        """SELECT DISTINCT ?person ?g WHERE { GRAPH ?g { ?person a schema:Person } ?g a skg:SourcePage }"""
    ):
        if term_value(row["person"]) in persons:
            persons[term_value(row["person"])].sources.add(term_value(row["g"]))
    by_title: dict[str, list[str]] = defaultdict(list)
    for paper in papers.values():
        by_title[normalize_title(paper.title)].append(paper.iri)
    by_name: dict[str, list[str]] = defaultdict(list)
    by_base_name: dict[str, list[str]] = defaultdict(list)
    for person in persons.values():
        by_name[normalize_key(person.printed)].append(person.iri)
        by_base_name[normalize_key(person.name)].append(person.iri)
    return LocalGraph(papers, persons, dict(by_title), dict(by_name), dict(by_base_name))
