"""Turn raw parameter strings (URL query, CLI key=value) into RDF terms for a canned query."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping

from pyoxigraph import Literal, NamedNode

from scholarkg.loader.identity import Iris
from scholarkg.loader.text import normalize_key
from scholarkg.loader.vocab import XSD
from scholarkg.ontology.taxonomy import concept_iri, resolve_concept
from scholarkg.queries.catalog import Parameter, StoredQuery

Term = NamedNode | Literal
# Runs a lookup SELECT (bound variables as terms) and returns its first column's values.
Lookup = Callable[[str, Mapping[str, Term]], list[str]]
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
MAX_VALUE_LENGTH = 2_000

_LOOKUPS: dict[str, tuple[str, str]] = {
    # type: (query finding IRIs for ?key, what the key is). ?key is written into the text as a literal
    # (queries.binding), so each lookup is an index hit on the normalized key, not a scan.
    "person": ("SELECT DISTINCT ?x WHERE { ?x skg:normalizedName ?key ; a schema:Person } ORDER BY ?x", "name"),
    "paper": (
        "SELECT DISTINCT ?x WHERE { ?x skg:normalizedTitle ?key ; a schema:ScholarlyArticle } ORDER BY ?x",
        "title",
    ),
    # An organization's IRI is minted from its case-folded identifier (Iris.organization): ?key is that IRI.
    "organization": ("SELECT DISTINCT ?x WHERE { BIND(?key AS ?x) ?x a schema:Organization }", "identifier"),
}


class ParameterError(ValueError):
    """A missing or ill-typed parameter; `name` says which."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"parameter {name!r}: {message}")


def bind_parameters(query: StoredQuery, raw: Mapping[str, str], lookup: Lookup, *, base_iri: str) -> dict[str, Term]:
    unknown = sorted(set(raw) - {p.name for p in query.parameters})
    if unknown:
        allowed = ", ".join(p.name for p in query.parameters) or "none"
        raise ParameterError(unknown[0], f"unknown parameter for {query.name!r} (parameters: {allowed})")
    bound: dict[str, Term] = {}
    for param in query.parameters:
        value = raw.get(param.name, param.default)
        if value is None or value.strip() == "":
            raise ParameterError(param.name, f"is required ({param.type}: {param.description or 'no default'})")
        if len(value) > MAX_VALUE_LENGTH:
            raise ParameterError(param.name, f"is longer than {MAX_VALUE_LENGTH} characters")
        bound[param.name] = to_term(param, value.strip(), lookup, base_iri=base_iri)
    for name, key in query.graphs:  # `# graph NAME: KEY`: the store's own graph, never a client's value
        bound[name] = NamedNode(f"{base_iri}id/graph/{key}")
    return bound


def to_term(param: Parameter, value: str, lookup: Lookup, *, base_iri: str) -> Term:
    kind = param.type
    if kind == "string":
        return Literal(value)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", value):
            raise ParameterError(param.name, f"expected an integer, got {json.dumps(value)}")
        return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ParameterError(param.name, f"expected a four-digit year, got {json.dumps(value)}")
        return Literal(value, datatype=NamedNode(XSD + "gYear"))
    if kind == "date":
        try:
            return Literal(dt.date.fromisoformat(value).isoformat(), datatype=NamedNode(XSD + "date"))
        except ValueError:
            raise ParameterError(param.name, f"expected a date YYYY-MM-DD, got {json.dumps(value)}") from None
    if kind == "iri":
        return _iri(param, value)
    if kind == "category":
        if _IRI.match(value):
            return _iri(param, value)
        # An archive (cs, astro-ph) covers its categories; a category code is canonicalised ("cs.lg" → "cs.LG").
        concept = resolve_concept(value)
        if concept is None or not re.fullmatch(r"[A-Za-z_-]+(\.[A-Za-z-]+)?", concept[1]):
            raise ParameterError(
                param.name, f"unknown arXiv category {json.dumps(value)} (e.g. cs.LG, LG, or an archive: cs)"
            )
        return concept_iri(base_iri, *concept)
    # person, paper, organization: an IRI, or a key looked up in the store (case-insensitive)
    if _IRI.match(value):
        return _iri(param, value)
    query, what = _LOOKUPS[kind]
    key: Term = Iris(base_iri).organization(value) if kind == "organization" else Literal(normalize_key(value))
    found = lookup(query, {"key": key})
    if not found:
        raise ParameterError(param.name, f"no {kind} with {what} {json.dumps(value)}")
    if len(found) > 1:
        raise ParameterError(
            param.name, f"{json.dumps(value)} names {len(found)} {kind}s; pass one IRI: {', '.join(found)}"
        )
    return NamedNode(found[0])


def _iri(param: Parameter, value: str) -> NamedNode:
    if not _IRI.match(value):
        raise ParameterError(param.name, f"expected an http(s) IRI, got {json.dumps(value)}")
    return NamedNode(value)
