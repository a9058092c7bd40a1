"""Which full-text index rows a SPARQL Update may change, decided on the parsed update.

The full-text index (`loader/text_index.py`) is a function of the store's **default graph** only — the
deduplicated view: a row per IRI typed `schema:Person` / `schema:ScholarlyArticle` there with a `schema:name`
there. A SPARQL Update or Graph Store write acts on the graphs it names only (`loader/store.py`: a triple put in a
page graph does not enter the view), so a row can change only when the update writes a `schema:name` or
`rdf:type` triple of the default graph. rdflib's parser and algebra (`parseUpdate` / `translateUpdate`, prefixes
and the base resolved) tell, per operation:

- `INSERT DATA` / `DELETE DATA`, and `DELETE/INSERT … WHERE` / `DELETE WHERE` templates: the default-graph
  triples (outside `GRAPH`, and only without `WITH <g>`, which sends them to `<g>`) whose predicate is
  `schema:name`, `rdf:type` or a variable touch their subject's row: an IRI is refreshed after the update; a
  variable subject cannot be known without evaluating the WHERE → `everything`. A template `GRAPH ?g { … }`
  writes named graphs only (`?g` never binds the default graph), so it changes no row;
- `CLEAR`/`DROP` of `DEFAULT` or `ALL`, `LOAD` without `INTO`, `ADD`/`COPY`/`MOVE … TO DEFAULT` and
  `MOVE DEFAULT TO …` rewrite the default graph wholesale → `everything`; the same on named graphs, and
  `CREATE`, change no row.

`everything` also stands for "cannot tell": a text rdflib does not parse (Oxigraph extensions), an operation it
does not know, or a text longer than `MAX_ANALYSED_CHARS` (rdflib parses ~25-50 µs per character). The caller
then compares the view's names and types before and after (`GraphStore.text_write`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyoxigraph import NamedNode

from scholarkg.loader.text_index import EVERYTHING, NOTHING, TextEffect
from scholarkg.queries.guard import in_big_stack, rdflib_parser

_SCHEMA_NAME = "http://schema.org/name"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_ANALYSED_CHARS = 16_000


def update_effect(text: str, *, base_iri: str | None = None) -> TextEffect:
    """The rows a SPARQL Update `text` may change (`EVERYTHING` when that cannot be told)."""
    if len(text) > MAX_ANALYSED_CHARS:
        return EVERYTHING
    try:
        algebra = in_big_stack(lambda: _translate(text, base_iri))
    except Exception:  # rdflib rejects it (e.g. an Oxigraph extension): Oxigraph may still run it
        return EVERYTHING
    effect = NOTHING
    for operation in algebra:
        effect = effect | _operation_effect(operation)
        if effect.everything:
            return EVERYTHING
    return effect


def _translate(text: str, base_iri: str | None) -> list[Any]:
    from rdflib.plugins.sparql.algebra import translateUpdate

    with rdflib_parser() as parser:
        parsed = parser.parseUpdate(text)
    return list(translateUpdate(parsed, base=base_iri).algebra)


def _operation_effect(op: Any) -> TextEffect:
    name = op.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template_effect(_field(op, "triples") or ())
    if name == "Modify":
        if _field(op, "withClause") is not None:  # unqualified template triples go to the WITH graph
            return NOTHING
        return _template_effect(
            [*(_clause_triples(_field(op, "delete"))), *(_clause_triples(_field(op, "insert")))],
        )
    if name in ("Clear", "Drop"):
        return EVERYTHING if _field(op, "graphiri") in ("DEFAULT", "ALL") else NOTHING
    if name == "Create":
        return NOTHING
    if name == "Load":
        return EVERYTHING if _field(op, "graphiri") is None else NOTHING
    if name in ("Add", "Copy", "Move"):
        source, target = _field(op, "graph")
        if source == target:
            return NOTHING
        if target == "DEFAULT" or (name == "Move" and source == "DEFAULT"):
            return EVERYTHING
        return NOTHING
    return EVERYTHING


def _field(node: Any, key: str) -> Any:
    """A parsed node's field, or None (rdflib's `CompValue.get` answers a missing key with the key itself)."""
    return dict.get(node, key)


def _clause_triples(clause: Any) -> Iterable[Any]:
    return (_field(clause, "triples") or ()) if clause is not None else ()


def _template_effect(triples: Iterable[Any]) -> TextEffect:
    """Default-graph triples (or patterns) written by an operation → the rows they may touch."""
    from rdflib.term import BNode, URIRef

    subjects: set[NamedNode] = set()
    for subject, predicate, _ in triples:
        if isinstance(predicate, URIRef) and str(predicate) not in (_SCHEMA_NAME, _RDF_TYPE):
            continue  # neither a name nor a type: no row reads it
        if isinstance(subject, URIRef):
            subjects.add(NamedNode(str(subject)))
        elif isinstance(subject, BNode):
            continue  # a blank node never has a row (rows are IRIs)
        else:
            return EVERYTHING  # a variable subject: which ones, only the WHERE knows
    return TextEffect(frozenset(subjects))
