"""`scholarkg link match FILE…`: link our papers and persons to a dblp, OpenAlex or Wikidata dump.

Order of evidence:
1. exact identifiers: a dump work whose DOI or arXiv id is already linked (accepted) to one of our papers;
   a dump author whose ORCID is already linked to one of our persons;
2. papers by normalized title (case, accents, punctuation and dblp's trailing period ignored) with the
   publication years within one (score 0.95; a title shared by several of our papers, or without a year on
   either side, only makes candidates);
3. persons, only through accepted matched papers they share: for each shared paper, 0.9 when the author
   sits at the same ordinal on both lists with a compatible name, 0.5 when the name is compatible at another
   position; combined as 1 − Π(1 − pᵢ), times (0.5 + 0.5 × name compatibility) and 0.95 when only one side
   prints a dblp homonym number (`Sehoon Kim` vs `Sehoon Kim 0001`; two different numbers never match);
4. the identifiers of a linked external person or work (dblp's `dblp:orcid`, OpenAlex's `orcid`, Wikidata's
   P496/P2456, a work's DOI and arXiv id) are linked too, once validated, with the same score and status.

A link scoring at least `ACCEPT_THRESHOLD` (0.9) is accepted (owl:sameAs); below it is a candidate
(skos:closeMatch) for review. An external person matched to two of our persons (or two dump persons to one
of ours) is only ever a candidate: two local persons are never merged without a person's decision. A
namesake who shares no matched paper is never linked. Re-running a match proposes the same links
(`linking.store.merge_links` keeps them unchanged, and keeps rejected pairs rejected).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scholarkg.linking.dumps import DUMP_FORMATS, DumpError, ExtPerson, ExtWork, detect, peek, rdf_syntax
from scholarkg.linking.identifiers import Identifier, IdentifierError, parse_identifier
from scholarkg.linking.importer import file_digest
from scholarkg.linking.local import LocalGraph
from scholarkg.linking.model import Evidence, Link, LinkSource, now, source_node
from scholarkg.linking.names import name_compatibility, normalize_title, split_homonym

ACCEPT_THRESHOLD = 0.9
TITLE_YEAR_SCORE = 0.95
SAME_ORDINAL = 0.9
OTHER_ORDINAL = 0.5
MAX_EVIDENCE_PAPERS = 10

__all__ = ["ACCEPT_THRESHOLD", "DUMP_FORMATS", "DumpError", "MatchResult", "match_dump"]


@dataclass
class MatchResult:
    format: str
    records: int
    papers: int
    persons: int
    links: list[Link]
    invalid_ids: list[str] = field(default_factory=list)


@dataclass
class _PaperMatch:
    local: str
    work: ExtWork
    score: float
    method: str
    evidence: tuple[Evidence, ...]


@dataclass
class _PersonEvidence:
    papers: list[tuple[str, ExtWork, int | None, bool, float]] = field(default_factory=list)
    homonym_factor: float = 1.0


def _scheme(iri: str) -> str | None:
    try:
        return parse_identifier(iri).scheme
    except IdentifierError:
        return None


def _status(score: float) -> str:
    return "accepted" if score >= ACCEPT_THRESHOLD else "candidate"


class _Matcher:
    def __init__(
        self, path: Path, local: LocalGraph, base: str, dump_format: str, known: Mapping[str, str], sha: str
    ) -> None:
        self.path, self.local, self.base, self.format, self.known = path, local, base, dump_format, known
        self.source = LinkSource(source_node(base, sha).value, path.name, sha)
        self.generated = now()
        self.invalid: list[str] = []
        self.links: list[Link] = []

    # -- helpers ------------------------------------------------------------------------------------------
    def identifier(self, text: str | None, scheme: str | None = None) -> Identifier | None:
        if not text:
            return None
        try:
            return parse_identifier(text, scheme)
        except IdentifierError as error:
            self.invalid.append(str(error))
            return None

    def link(self, subject: str, obj: str, kind: str, method: str, score: float, evidence: list[Evidence]) -> Link:
        made = Link(
            subject=subject,
            object=obj,
            kind=kind,
            method=method,
            score=round(min(score, 1.0), 3),
            status=_status(score),
            evidence=tuple(evidence),
            sources=(self.source,),
            generated=self.generated,
        )
        self.links.append(made)
        return made

    def wanted(self, work: ExtWork) -> bool:
        if normalize_title(work.title) in self.local.by_title:
            return True
        for text, scheme in ((work.doi, "doi"), (work.arxiv, "arxiv")):
            if text:
                try:
                    if parse_identifier(text, scheme).iri in self.known:
                        return True
                except IdentifierError:
                    continue
        return False

    # -- papers -------------------------------------------------------------------------------------------
    def match_paper(self, work: ExtWork) -> list[_PaperMatch]:
        matches: list[_PaperMatch] = []
        for text, scheme in ((work.doi, "doi"), (work.arxiv, "arxiv")):
            ident = self.identifier(text, scheme)
            if ident is not None and ident.iri in self.known and self.known[ident.iri] in self.local.papers:
                evidence = Evidence("identifier", f"{ident.label} of {work.iri} is linked to our paper", ident.iri)
                matches.append(_PaperMatch(self.known[ident.iri], work, 1.0, "identifier", (evidence,)))
        if matches:
            return matches[:1]
        title = normalize_title(work.title)
        found = self.local.by_title.get(title, [])
        for local in found:
            year = self.local.papers[local].year
            if work.year is not None and year is not None and abs(work.year - year) > 1:
                continue
            score = TITLE_YEAR_SCORE
            why = f"same normalized title “{title}”, years {year} and {work.year}"
            if work.year is None or year is None:
                score, why = 0.75, f"same normalized title “{title}”, a year is missing"
            if len(found) > 1:
                score, why = min(score, 0.6), why + f"; {len(found)} of our papers share this title"
            matches.append(_PaperMatch(local, work, score, "title+year", (Evidence("title+year", why, title),)))
        return matches

    def paper_links(self, match: _PaperMatch) -> None:
        ident = self.identifier(match.work.iri)
        if ident is None:
            return
        self.link(match.local, ident.iri, "paper", match.method, match.score, list(match.evidence))
        for text, scheme in ((match.work.doi, "doi"), (match.work.arxiv, "arxiv")):
            other = self.identifier(text, scheme)
            if other is not None:
                evidence = [Evidence("identifier", f"{other.label} stated by {ident.iri}", ident.iri), *match.evidence]
                self.link(match.local, other.iri, "paper", f"identifier-via-{self.format}", match.score, evidence)

    # -- persons ------------------------------------------------------------------------------------------
    def person_pairs(self, matches: list[_PaperMatch]) -> dict[tuple[str, str], _PersonEvidence]:
        pairs: dict[tuple[str, str], _PersonEvidence] = defaultdict(_PersonEvidence)
        for match in matches:
            if _status(match.score) != "accepted":
                continue
            authors = self.local.papers[match.local].authors
            for author in match.work.authors:
                if author.iri is None or author.name is None:
                    continue
                name, homonym = split_homonym(author.name)
                chosen = self._local_author(authors, author.ordinal, name, homonym)
                if chosen is None:
                    continue
                person, same_ordinal, compatibility, factor = chosen
                evidence = pairs[(person, author.iri)]
                evidence.papers.append((match.local, match.work, author.ordinal, same_ordinal, compatibility))
                evidence.homonym_factor = min(evidence.homonym_factor, factor)
        return pairs

    def _local_author(
        self, authors: dict[int, str], ordinal: int | None, name: str, homonym: str | None
    ) -> tuple[str, bool, float, float] | None:
        def fit(person_iri: str) -> tuple[float, float]:
            person = self.local.persons[person_iri]
            if person.homonym and homonym and person.homonym != homonym:
                return 0.0, 0.0  # dblp says these are two different people
            factor = 1.0 if person.homonym == homonym else 0.95
            return name_compatibility(person.name, name), factor

        if ordinal is not None and ordinal in authors:
            compatibility, factor = fit(authors[ordinal])
            if compatibility > 0:
                return authors[ordinal], True, compatibility, factor
        scored = [(fit(p), p) for p in set(authors.values())]
        scored = [(c, f, p) for (c, f), p in scored if c > 0]
        if not scored:
            return None
        best = max(c for c, _, _ in scored)
        top = [(c, f, p) for c, f, p in scored if c == best]
        if len(top) > 1:
            return None  # two of our co-authors fit the name equally: no guess
        compatibility, factor, person = top[0]
        return person, False, compatibility, factor

    def person_links(self, pairs: dict[tuple[str, str], _PersonEvidence], persons: dict[str, ExtPerson]) -> None:
        scores: dict[tuple[str, str], float] = {}
        for (local, external), evidence in pairs.items():
            per_paper: dict[str, float] = {}  # two dump records of one of our papers count once
            for paper, _, _, same, _ in evidence.papers:
                per_paper[paper] = max(per_paper.get(paper, 0.0), SAME_ORDINAL if same else OTHER_ORDINAL)
            miss = 1.0
            for chance in per_paper.values():
                miss *= 1 - chance
            name = max(c for *_, c in evidence.papers)
            scores[(local, external)] = round((1 - miss) * (0.5 + 0.5 * name) * evidence.homonym_factor, 3)
        by_external: dict[str, list[str]] = defaultdict(list)
        by_local: dict[str, list[str]] = defaultdict(list)
        for local, external in scores:
            by_external[external].append(local)
            by_local[local].append(external)
        for (local, external), score in sorted(scores.items()):
            ident = self.identifier(external)
            if ident is None:
                continue
            evidence = self._person_evidence(local, external, pairs, scores)
            rivals = [(o, external) for o in by_external[external] if o != local]
            rivals += [(local, o) for o in by_local[local] if o != external]
            if rivals:
                names = sorted({r for pair in rivals for r in pair} - {local, external})
                evidence.append(Evidence("conflict", f"also matched: {', '.join(names)}", names[0]))
                if any(scores[r] >= score for r in rivals):  # not clearly the best: a person decides
                    score = min(score, ACCEPT_THRESHOLD - 0.01)
            made = self.link(local, ident.iri, "person", "coauthors", score, evidence)
            self._person_identifiers(made, external, pairs[(local, external)], persons.get(external))

    def _person_evidence(
        self,
        local: str,
        external: str,
        pairs: dict[tuple[str, str], _PersonEvidence],
        scores: dict[tuple[str, str], float],
    ) -> list[Evidence]:
        evidence: list[Evidence] = []
        found = pairs[(local, external)]
        person = self.local.persons[local]
        for paper, work, ordinal, same, _ in found.papers[:MAX_EVIDENCE_PAPERS]:
            title = self.local.papers[paper].title
            evidence.append(Evidence("shared-paper", f"author of “{title}” here and of {work.iri}", paper))
            if same and ordinal is not None:
                evidence.append(Evidence("ordinal", f"author {ordinal} on both lists of “{title}”", work.iri, ordinal))
        names = {a.name for _, w, _, _, _ in found.papers for a in w.authors if a.iri == external and a.name}
        best = max(c for *_, c in found.papers)
        evidence.append(
            Evidence("name", f"name compatibility {best:.2f}: “{person.printed}” ~ “{' / '.join(sorted(names))}”")
        )
        shared = {p for p, *_ in found.papers}
        coauthors = sorted(
            other
            for (other, other_external) in scores
            if other != local and other_external != external and shared & self.local.persons[other].papers
        )
        for other in coauthors[:5]:
            evidence.append(
                Evidence("shared-coauthor", f"co-author {self.local.persons[other].printed} matched too", other)
            )
        return evidence

    def _person_identifiers(self, made: Link, external: str, found: _PersonEvidence, person: ExtPerson | None) -> None:
        stated: list[tuple[str, str]] = []
        for _, work, _, _, _ in found.papers:
            stated += [(a.orcid, "orcid") for a in work.authors if a.iri == external and a.orcid]
        if person is not None:
            stated += [(orcid, "orcid") for orcid in person.orcids]
            if person.wikidata:
                stated.append((person.wikidata, "wikidata"))
            if person.dblp:
                stated.append((person.dblp, "dblp-person"))
        done: set[str] = set()
        for text, scheme in stated:
            ident = self.identifier(text, scheme)
            if ident is None or ident.iri in done:
                continue
            done.add(ident.iri)
            owner = self.known.get(ident.iri)
            if owner is not None and owner != made.subject:
                self.invalid.append(f"{ident.label} of {external} is already linked to {owner}; not linked again")
                continue
            evidence = [Evidence("identifier", f"{ident.label} stated by {external} (validated)", external)]
            evidence += [e for e in made.evidence if e.kind in ("shared-paper", "ordinal")][:4]
            score = made.score
            held = sorted(
                other
                for other, owner in self.known.items()
                if owner == made.subject and other != ident.iri and _scheme(other) == ident.scheme
            )
            if held:  # one person, two ORCIDs (or Wikidata items): a person decides
                evidence.append(Evidence("conflict", f"already linked to {', '.join(held)}", held[0]))
                score = min(score, ACCEPT_THRESHOLD - 0.01)
            self.link(made.subject, ident.iri, "person", f"identifier-via-{self.format}", score, evidence)

    def known_orcid_links(self, matches: list[_PaperMatch]) -> None:
        """Exact identifiers first: a dump author whose ORCID is already linked to one of our persons."""
        for match in matches:
            for author in match.work.authors:
                ident = self.identifier(author.orcid, "orcid") if author.orcid else None
                if ident is None or author.iri is None or ident.iri not in self.known:
                    continue
                local = self.known[ident.iri]
                target = self.identifier(author.iri)
                if local in self.local.persons and target is not None:
                    evidence = [
                        Evidence("identifier", f"{ident.label} is linked to our person and to {author.iri}", ident.iri)
                    ]
                    self.link(local, target.iri, "person", "identifier", 1.0, evidence)


def match_dump(
    path: Path,
    local: LocalGraph,
    base: str,
    *,
    dump_format: str | None = None,
    known: Mapping[str, str] | None = None,
    sha256: str | None = None,
) -> MatchResult:
    """Stream `path` (two passes: works, then the facts of the persons matched) and propose links.

    `known`: identifier IRI → local IRI, from accepted links already in the links graph; `sha256` of the file
    when the caller has it."""
    if dump_format is None:
        dump_format, syntax = detect(path)
    else:
        if dump_format not in DUMP_FORMATS:
            raise DumpError(f"unknown dump format {dump_format!r} (one of {', '.join(DUMP_FORMATS)})")
        syntax = "jsonl" if dump_format == "openalex" else rdf_syntax(peek(path).decode("utf-8", errors="replace"))
    matcher = _Matcher(path, local, base, dump_format, known or {}, sha256 or file_digest(path))
    counter = [0]
    matches: list[_PaperMatch] = []
    if dump_format == "openalex":
        from scholarkg.linking import openalex

        works = openalex.read_works(path, matcher.wanted, counter)
    else:
        from scholarkg.linking import rdf_dumps

        works = rdf_dumps.read_works(path, dump_format, syntax, matcher.wanted, counter)
    for work in works:
        matches.extend(matcher.match_paper(work))
    for match in matches:
        matcher.paper_links(match)
    matcher.known_orcid_links(matches)
    wanted = {a.iri for m in matches if _status(m.score) == "accepted" for a in m.work.authors if a.iri}
    if dump_format == "openalex":
        persons = openalex.read_persons(path, wanted)
    else:
        persons = rdf_dumps.read_persons(path, dump_format, syntax, wanted)
    for match in matches:  # Wikidata's p:P50 statements name the author item only: its label is the name
        for author in match.work.authors:
            if author.name is None and author.iri in persons:
                author.name = persons[author.iri].name
    pairs = matcher.person_pairs(matches)
    matcher.person_links(pairs, persons)
    return MatchResult(
        format=dump_format,
        records=counter[0],
        papers=len({m.local for m in matches}),
        persons=len({local for local, _ in pairs}),
        links=matcher.links,
        invalid_ids=matcher.invalid,
    )
