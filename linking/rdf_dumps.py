"""Streaming readers for dblp RDF and Wikidata RDF extracts: triples → `ExtWork` / `ExtPerson`, bounded memory.

pyoxigraph parses the dump as a stream of triples. Works are assembled in a window of recently seen
subjects (an LRU of at most `WINDOW` nodes): a publication and its author signatures (dblp) or author
statements (Wikidata `p:P50` / `p:P2093`) are written next to each other in both dumps, so the window holds
them together; a node is finalised when it leaves the window or at the end. Only works whose title or
identifier the caller wants are kept, so memory is the window plus the matches, whatever the dump's size.
Person facts (name, ORCID, Wikidata/dblp ids) are read in a second pass for the persons of interest only.

dblp (https://dblp.org/rdf/schema#): `dblp:title` (ends with a period), `dblp:yearOfPublication` (xsd:gYear),
`dblp:doi` (IRI), `dblp:hasSignature` → `dblp:AuthorSignature` with `dblp:signatureOrdinal`,
`dblp:signatureDblpName` (with the homonym number, `Sehoon Kim 0001`), `dblp:signatureCreator` (the pid),
`dblp:signatureOrcid`, `dblp:signaturePublication`; persons: `dblp:primaryCreatorName`, `dblp:orcid` (IRI),
`dblp:wikidata`.

Wikidata (RDF dump format): truthy `wdt:P1476` title, `wdt:P577` publication date, `wdt:P356` DOI (upper
case), `wdt:P818` arXiv id, `wdt:P496` ORCID, `wdt:P2456` dblp author id, `rdfs:label`; full statements
`p:P50` → `ps:P50` (author item) with the qualifier `pq:P1545` (series ordinal), and `p:P2093` → `ps:P2093`
(author name string) with `pq:P1545`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from scholarkg.linking.dumps import DumpError, ExtAuthor, ExtPerson, ExtWork, open_dump

WINDOW = 50_000
DBLP = "https://dblp.org/rdf/schema#"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PQ = "http://www.wikidata.org/prop/qualifier/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA_NAME = "http://schema.org/name"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


@dataclass(frozen=True)
class Roles:
    """Which predicates carry which facts, per dump format."""

    title: frozenset[str]
    year: frozenset[str]
    doi: frozenset[str]
    arxiv: frozenset[str]
    signature: frozenset[str]  # work → signature / statement node
    signature_of: frozenset[str]  # signature → work
    ordinal: frozenset[str]
    name: frozenset[str]  # name on the signature
    creator: frozenset[str]
    signature_orcid: frozenset[str]
    person_name: frozenset[str]
    person_orcid: frozenset[str]
    person_wikidata: frozenset[str]
    person_dblp: frozenset[str]

    @property
    def work_predicates(self) -> frozenset[str]:
        return (
            self.title
            | self.year
            | self.doi
            | self.arxiv
            | self.signature
            | self.signature_of
            | self.ordinal
            | self.name
            | self.creator
            | self.signature_orcid
        )

    @property
    def person_predicates(self) -> frozenset[str]:
        return self.person_name | self.person_orcid | self.person_wikidata | self.person_dblp


def _f(*items: str) -> frozenset[str]:
    return frozenset(items)


DBLP_ROLES = Roles(
    title=_f(DBLP + "title"),
    year=_f(DBLP + "yearOfPublication"),
    doi=_f(DBLP + "doi"),
    arxiv=_f(),
    signature=_f(DBLP + "hasSignature"),
    signature_of=_f(DBLP + "signaturePublication"),
    ordinal=_f(DBLP + "signatureOrdinal"),
    name=_f(DBLP + "signatureDblpName"),
    creator=_f(DBLP + "signatureCreator"),
    signature_orcid=_f(DBLP + "signatureOrcid"),
    person_name=_f(DBLP + "primaryCreatorName"),
    person_orcid=_f(DBLP + "orcid"),
    person_wikidata=_f(DBLP + "wikidata"),
    person_dblp=_f(),
)
WIKIDATA_ROLES = Roles(
    title=_f(WDT + "P1476"),
    year=_f(WDT + "P577"),
    doi=_f(WDT + "P356"),
    arxiv=_f(WDT + "P818"),
    signature=_f(P + "P50", P + "P2093"),
    signature_of=_f(),
    ordinal=_f(PQ + "P1545"),
    name=_f(PS + "P2093"),
    creator=_f(PS + "P50"),
    signature_orcid=_f(),
    person_name=_f(RDFS_LABEL, SCHEMA_NAME, SKOS_PREF),
    person_orcid=_f(WDT + "P496"),
    person_wikidata=_f(),
    person_dblp=_f(WDT + "P2456"),
)
ROLES = {"dblp": DBLP_ROLES, "wikidata": WIKIDATA_ROLES}


@dataclass
class _Node:
    title: str | None = None
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    signatures: list[str] = field(default_factory=list)
    attached: list[_Node] = field(default_factory=list)
    work: str | None = None
    ordinal: int | None = None
    name: str | None = None
    creator: str | None = None
    orcid: str | None = None


def _key(term: object) -> str:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return str(term)


def _year(text: str) -> int | None:
    digits = text.lstrip("+")[:4]
    return int(digits) if digits.isdigit() else None


def _ordinal(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else None


def _triples(path: Path, syntax: str) -> Iterator[tuple[object, NamedNode, object]]:
    rdf_format = RdfFormat.N_TRIPLES if syntax == "ntriples" else RdfFormat.TURTLE
    try:
        with open_dump(path) as handle:
            for quad in parse(handle, rdf_format, lenient=True):
                yield quad.subject, quad.predicate, quad.object
    except SyntaxError as error:
        raise DumpError(f"{path.name}: not valid {rdf_format.name} ({error})") from None
    except (OSError, EOFError) as error:
        raise DumpError(f"{path.name}: cannot read ({error})") from None


def read_works(
    path: Path, dump_format: str, syntax: str, wanted: Callable[[ExtWork], bool], counter: list[int]
) -> Iterator[ExtWork]:
    """Works whose title or identifiers `wanted` accepts, with their authors; `counter[0]` counts works seen."""
    roles = ROLES[dump_format]
    window: OrderedDict[str, _Node] = OrderedDict()

    def node(key: str) -> _Node:
        found = window.get(key)
        if found is None:
            found = window[key] = _Node()
        else:
            window.move_to_end(key)
        return found

    def finish(key: str, item: _Node) -> ExtWork | None:
        if item.title is None:
            if item.work is not None and item.work in window:  # a signature leaving before its work
                window[item.work].attached.append(item)
            return None
        counter[0] += 1
        work = ExtWork(key, item.title, item.year, item.doi, item.arxiv, where=path.name)
        if not wanted(work):
            for signature in item.signatures:
                window.pop(signature, None)
            return None
        signatures = [window.pop(s) for s in item.signatures if s in window] + item.attached
        seen: set[int] = set()
        for sig in signatures:
            if id(sig) in seen or (sig.name is None and sig.creator is None):
                continue
            seen.add(id(sig))
            work.authors.append(ExtAuthor(sig.ordinal, sig.name, sig.creator, sig.orcid))
        work.authors.sort(key=lambda a: (a.ordinal is None, a.ordinal or 0))
        return work

    relevant = roles.work_predicates
    for subject, predicate, obj in _triples(path, syntax):
        p = predicate.value
        if p not in relevant:
            continue
        s = _key(subject)
        if p in roles.title and isinstance(obj, Literal):
            node(s).title = obj.value
        elif p in roles.year and isinstance(obj, Literal):
            node(s).year = _year(obj.value)
        elif p in roles.doi:
            node(s).doi = obj.value if isinstance(obj, (Literal, NamedNode)) else None
        elif p in roles.arxiv and isinstance(obj, Literal):
            node(s).arxiv = obj.value
        elif p in roles.signature:
            node(s).signatures.append(_key(obj))
        elif p in roles.signature_of:
            node(s).work = _key(obj)
        elif p in roles.ordinal and isinstance(obj, Literal):
            node(s).ordinal = _ordinal(obj.value)
        elif p in roles.name and isinstance(obj, Literal):
            node(s).name = obj.value
        elif p in roles.creator:
            node(s).creator = _key(obj)
        elif p in roles.signature_orcid and isinstance(obj, (Literal, NamedNode)):
            node(s).orcid = obj.value
        else:
            continue
        while len(window) > WINDOW:
            key, item = window.popitem(last=False)
            done = finish(key, item)
            if done is not None:
                yield done
    while window:
        key, item = window.popitem(last=False)
        done = finish(key, item)
        if done is not None:
            yield done


def read_persons(path: Path, dump_format: str, syntax: str, wanted: set[str]) -> dict[str, ExtPerson]:
    """Name, ORCIDs and cross ids of the `wanted` persons (a second pass; memory is the wanted set)."""
    roles = ROLES[dump_format]
    persons: dict[str, ExtPerson] = {}
    if not wanted:
        return persons
    relevant = roles.person_predicates
    for subject, predicate, obj in _triples(path, syntax):
        p = predicate.value
        if p not in relevant:
            continue
        s = _key(subject)
        if s not in wanted:
            continue
        person = persons.get(s) or persons.setdefault(s, ExtPerson(s))
        if p in roles.person_name and isinstance(obj, Literal):
            if person.name is None or obj.language in (None, "en"):  # English or untagged first
                person.name = obj.value
        elif p in roles.person_orcid and isinstance(obj, (Literal, NamedNode)):
            person.orcids.append(obj.value)
        elif p in roles.person_wikidata and isinstance(obj, NamedNode):
            person.wikidata = obj.value
        elif p in roles.person_dblp and isinstance(obj, Literal):
            person.dblp = obj.value
    return persons
