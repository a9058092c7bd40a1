"""`scholarkg link variants`: name variants of one person inside our own graph, as candidates for review.

Pairs of our persons whose names are compatible (`linking.names.name_compatibility`: `Michael Mahoney` ~
`Michael W. Mahoney`, `Joey Gonzalez` ~ `Joseph Gonzalez`, `Sehoon Kim` ~ `Sehoon Kim 0001`, case-only
`XINGYANG LI` ~ `Xingyang Li`) are proposed only with corroboration: at least one shared co-author, or the
same author slot of the same paper printed differently by two pages. Two different dblp homonym numbers are
two people and never proposed; two names at different positions of one author list are two people too.

Score (never accepted automatically — between two local persons a link is a proposal until a person accepts
it): 0.3 + 0.3 × name compatibility, + 0.1 per shared co-author (at most 0.3), + 0.05 for shared
categories, + 0.3 for a shared author slot; at most 0.99.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from scholarkg.linking.local import LocalGraph, LocalPerson
from scholarkg.linking.model import Evidence, Link, LinkSource, now
from scholarkg.linking.names import name_compatibility, name_tokens

MAX_BLOCK = 200  # persons sharing a family name compared pairwise; larger blocks are cut (and reported)


def _slots(local: LocalGraph, person: str) -> set[tuple[str, int]]:
    return {
        (paper, position)
        for paper in local.persons[person].papers
        for position, who in local.papers[paper].authors.items()
        if who == person
    }


def _same_list(local: LocalGraph, a: str, b: str) -> bool:
    """Both printed on one author list (one page's entry) at different positions: two people."""
    return any(
        {a, b} <= set(local.papers[paper].authors.values())
        for paper in local.persons[a].papers & local.persons[b].papers
    )


def _pair(local: LocalGraph, a: LocalPerson, b: LocalPerson, generated: object) -> Link | None:
    if a.homonym and b.homonym and a.homonym != b.homonym:
        return None
    compatibility = name_compatibility(a.name, b.name)
    if compatibility <= 0:
        return None
    shared_slots = {slot for slot in _slots(local, a.iri) & _slots(local, b.iri)}
    if not shared_slots and _same_list(local, a.iri, b.iri):
        return None
    coauthors = sorted(local.coauthors(a.iri) & local.coauthors(b.iri) - {a.iri, b.iri})
    if not coauthors and not shared_slots:
        return None  # a namesake without a shared co-author or paper is never proposed
    categories = sorted(a.categories & b.categories)
    score = 0.3 + 0.3 * compatibility + min(0.3, 0.1 * len(coauthors))
    score += 0.05 if categories else 0.0
    score += 0.3 if shared_slots else 0.0
    kind = "case-only" if a.printed.casefold() == b.printed.casefold() else "names"
    evidence = [
        Evidence(
            "name",
            f"name compatibility {compatibility:.2f} ({kind}): “{a.printed}” ~ “{b.printed}”",
            f"{a.printed} | {b.printed}",
        )
    ]
    for paper, position in sorted(shared_slots)[:5]:
        evidence.append(
            Evidence("shared-paper", f"author {position} of “{local.papers[paper].title}” on both", paper, position)
        )
    for other in coauthors[:10]:
        evidence.append(Evidence("shared-coauthor", f"both wrote with {local.persons[other].printed}", other))
    if len(coauthors) > 10:
        evidence.append(Evidence("shared-coauthor", f"and {len(coauthors) - 10} more shared co-authors"))
    for category in categories[:5]:
        evidence.append(Evidence("category", f"both publish in {category.rsplit('/', 1)[-1]}", category))
    first, second = sorted((a.iri, b.iri))
    sources = tuple(LinkSource(graph) for graph in sorted(a.sources | b.sources))
    if not sources:
        return None
    return Link(
        subject=first,
        object=second,
        kind="person",
        method="name-variant",
        score=round(min(score, 0.99), 3),
        status="candidate",
        evidence=tuple(evidence),
        sources=sources,
        generated=generated,  # type: ignore[arg-type]
    )


def propose_variants(local: LocalGraph) -> list[Link]:
    blocks: dict[str, list[LocalPerson]] = defaultdict(list)
    for person in local.persons.values():
        tokens = name_tokens(person.name)
        if tokens:
            blocks[tokens[-1]].append(person)
    generated = now()
    proposals: list[Link] = []
    for members in blocks.values():
        members = sorted(members, key=lambda p: p.iri)[:MAX_BLOCK]
        for a, b in combinations(members, 2):
            link = _pair(local, a, b, generated)
            if link is not None:
                proposals.append(link)
    return proposals
