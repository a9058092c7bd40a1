"""The arXiv category taxonomy: parse `arxiv-taxonomy.tsv`, publish it as SKOS, resolve page category codes.

Regenerate the committed Turtle with `python -m scholarkg.ontology.taxonomy`.
"""

from __future__ import annotations

import argparse
import csv
import functools
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from scholarkg.loader.vocab import DCTERMS, OWL, RDF, SKOS, XSD
from scholarkg.ontology import TAXONOMY_TSV, TAXONOMY_TTL

DEFAULT_BASE = "https://w3id.org/scholarkg/"
SOURCE = "https://arxiv.org/category_taxonomy"
# Tie-break order (by group) when a code matches several categories, e.g. "CV" → cs.CV before math.CV.
GROUP_ORDER = ("cs", "eess", "stat", "math", "econ", "q-bio", "q-fin", "physics")

Kind = typing.Literal["group", "archive", "category"]
KINDS: tuple[Kind, ...] = ("group", "archive", "category")


@dataclass(frozen=True)
class TaxonomyRow:
    """One row of the TSV. `parent`: a group id for archives, an archive id for categories, "" for groups."""

    kind: Kind
    id: str
    name: str
    parent: str
    active: bool
    canonical: str
    description: str


@functools.cache
def load_taxonomy(path: Path = TAXONOMY_TSV) -> tuple[TaxonomyRow, ...]:
    """Parse the TSV (tab-delimited, CSV quoting) into rows, in file order."""
    rows: list[TaxonomyRow] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, record in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            kind, active = record["kind"], record["active"]
            if kind not in KINDS or active not in ("True", "False"):
                raise ValueError(f"{path}:{line}: bad kind {kind!r} or active {active!r}")
            rows.append(
                TaxonomyRow(
                    kind=typing.cast(Kind, kind),
                    id=record["id"],
                    name=record["name"],
                    parent=record["parent"],
                    active=active == "True",
                    canonical=record["canonical"],
                    description=record["description"],
                )
            )
    return tuple(rows)


@functools.cache
def _by_id(kind: Kind) -> dict[str, TaxonomyRow]:
    return {row.id: row for row in load_taxonomy() if row.kind == kind}


def concept_iri(base: str, kind: Kind, concept_id: str) -> NamedNode:
    """IRI of a taxonomy concept; kinds are kept apart because an archive and a category can share an id."""
    return NamedNode(f"{base}id/{kind}/{quote(concept_id, safe='')}")


def _skos(name: str) -> NamedNode:
    return NamedNode(SKOS + name)


def scheme_iri(base: str) -> NamedNode:
    return NamedNode(f"{base}id/scheme/arxiv")


def taxonomy_triples(base: str = DEFAULT_BASE) -> Iterator[Triple]:
    """The taxonomy as a SKOS concept scheme (groups → archives → categories), in TSV order.

    A parent or canonical id the TSV does not define (the retired `bad-arch` archive names a group
    `grp_bad`) gets no link rather than a dangling one.
    """
    scheme = scheme_iri(base)
    parent_kind: dict[Kind, Kind] = {"archive": "group", "category": "archive"}
    known = {kind: _by_id(kind) for kind in KINDS}

    rdf_type, true = NamedNode(RDF + "type"), Literal("true", datatype=NamedNode(XSD + "boolean"))
    yield Triple(scheme, rdf_type, _skos("ConceptScheme"))
    yield Triple(scheme, _skos("prefLabel"), Literal("arXiv category taxonomy", language="en"))
    yield Triple(scheme, NamedNode(DCTERMS + "source"), NamedNode(SOURCE))
    for row in load_taxonomy():
        concept = concept_iri(base, row.kind, row.id)
        yield Triple(concept, rdf_type, _skos("Concept"))
        yield Triple(concept, _skos("inScheme"), scheme)
        yield Triple(concept, _skos("notation"), Literal(row.id))
        yield Triple(concept, _skos("prefLabel"), Literal(row.name, language="en"))
        if row.description:
            yield Triple(concept, _skos("definition"), Literal(row.description, language="en"))
        if not row.active:
            yield Triple(concept, NamedNode(OWL + "deprecated"), true)
        if row.kind == "group":
            yield Triple(concept, _skos("topConceptOf"), scheme)
            yield Triple(scheme, _skos("hasTopConcept"), concept)
        elif row.parent in known[parent_kind[row.kind]]:
            parent = concept_iri(base, parent_kind[row.kind], row.parent)
            yield Triple(concept, _skos("broader"), parent)
            yield Triple(parent, _skos("narrower"), concept)
        if row.canonical in known["category"]:
            canonical = concept_iri(base, "category", row.canonical)
            # An alias category is the same subject; a retired archive was replaced by a category.
            link = _skos("exactMatch") if row.kind == "category" else NamedNode(DCTERMS + "isReplacedBy")
            yield Triple(concept, link, canonical)


def _group_of(category_id: str) -> str:
    """Group of a category ("cs" for cs.LG, "physics" for quant-ph), "" when its chain is broken."""
    archive = _by_id("archive").get(_by_id("category")[category_id].parent)
    return archive.parent.removeprefix("grp_") if archive else ""


@functools.cache
def _candidates() -> dict[str, tuple[TaxonomyRow, ...]]:
    """Categories by lowercased full id and by lowercased part after the first '.'."""
    index: dict[str, list[TaxonomyRow]] = {}
    for row in load_taxonomy():
        if row.kind == "category":
            keys = {row.id.lower(), row.id.partition(".")[2].lower()} - {""}
            for key in keys:
                index.setdefault(key, []).append(row)
    return {key: tuple(rows) for key, rows in index.items()}


def resolve_code(code: str) -> str | None:
    """arXiv category id for a page's category code ("LG" → "cs.LG", "QUANT-PH" → "quant-ph"), or None.

    Candidates match the code case-insensitively on the whole id or on the part after the first '.'.
    Active candidates win over inactive ones; an alias resolves to its canonical category; remaining ties
    go by GROUP_ORDER (of the resolved category), then id.
    """
    categories = _by_id("category")
    ranked: list[tuple[bool, int, str]] = []
    for row in _candidates().get(code.strip().lower(), ()):
        resolved = row.canonical if row.canonical in categories else row.id
        group = _group_of(resolved)
        rank = GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
        ranked.append((not row.active, rank, resolved))
    return min(ranked)[2] if ranked else None


def resolve_concept(code: str) -> tuple[Kind, str] | None:
    """The taxonomy concept a parameter names: (kind, id), or None.

    An archive id (`cs`, `astro-ph`, `quant-ph`; case-insensitive) names the archive, which covers its
    categories through `skos:broader`; a retired archive (`cmp-lg`) names the category that replaced it; a group
    id (`grp_cs`) names the group; anything else is a category code for `resolve_code` (`LG`, `cs.lg`).
    """
    key = code.strip().lower()
    for kind in ("archive", "group"):
        for row in _by_id(kind).values():  # type: ignore[arg-type]
            if row.id.lower() == key:
                if kind == "archive" and not row.active and row.canonical in _by_id("category"):
                    return "category", row.canonical
                return kind, row.id  # type: ignore[return-value]
    category = resolve_code(code)
    return ("category", category) if category is not None else None


def taxonomy_turtle(base: str = DEFAULT_BASE) -> bytes:
    """Deterministic Turtle: triples sorted, fixed prefixes, a generated-file header."""
    triples = sorted(taxonomy_triples(base), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = {
        "dcterms": DCTERMS,
        "owl": OWL,
        "skos": SKOS,
        "xsd": XSD,
        "arxivscheme": f"{base}id/scheme/",
        "arxivgroup": f"{base}id/group/",
        "arxivarchive": f"{base}id/archive/",
        "arxivcat": f"{base}id/category/",
    }
    header = b"# Generated by `python -m scholarkg.ontology.taxonomy` from arxiv-taxonomy.tsv. Do not edit.\n"
    return header + serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the arXiv taxonomy as SKOS Turtle.")
    parser.add_argument("--base", default=DEFAULT_BASE, help="base IRI of the knowledge graph")
    parser.add_argument("--output", type=Path, default=TAXONOMY_TTL, help="Turtle file to write")
    args = parser.parse_args(argv)
    args.output.write_bytes(taxonomy_turtle(args.base))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
