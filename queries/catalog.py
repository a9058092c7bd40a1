"""Canned queries are data: `queries/*.rq` files whose comment header parses into a `StoredQuery`.

    # title: Shared co-authors
    # description: People who wrote papers with both a and b, with joint-paper counts.
    # param a: person -- the first author (IRI or name)
    # param limit: integer = 50 -- rows to return
    SELECT ...

Parameter values are bound as RDF terms written into the query text by the term's own serializer
(`queries.binding`: validated and escaped, never a raw string), so the optimizer starts from them.
Types: person, paper, category, organization (each an IRI or a human key, resolved against the store), iri,
string, integer, year, date.

    # graph index: coauthors

binds `?index` to one of the store's own graphs, `{base}id/graph/KEY` (KEY in `STORE_GRAPHS`), like a parameter
that nobody passes: the query names the graph without knowing the store's base IRI, and the optimizer starts
from it (with `GRAPH ?index` unbound, every graph is a candidate: 5.3 s vs 63 ms for `shared-coauthors` at
100k papers).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal as TypingLiteral

from pydantic import BaseModel, ConfigDict
from pyoxigraph import Literal, NamedNode, Store

from scholarkg.loader.vocab import PREFIXES, XSD
from scholarkg.queries.binding import BindingError, bind_terms
from scholarkg.queries.guard import ForbiddenServiceError, remote_calls

QUERIES_DIR = Path(__file__).parent
STORE_GRAPHS = ("coauthors", "links")  # `# graph NAME: KEY` → {base}id/graph/KEY
ParamType = TypingLiteral["person", "paper", "category", "organization", "iri", "string", "integer", "year", "date"]
PARAM_TYPES: tuple[str, ...] = ParamType.__args__  # type: ignore[attr-defined]
_HEADER = re.compile(
    r"^#\s*(?P<key>title|description|param\s+[A-Za-z_]\w*|service-values\s+[A-Za-z_]\w*|graph\s+[A-Za-z_]\w*)"
    r"\s*:\s*(?P<value>.*)$"
)


class CatalogError(ValueError):
    """A `.rq` file whose header cannot be read (names the file and line)."""


class Parameter(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: ParamType
    default: str | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None


class StoredQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    text: str
    read_only: bool = True
    # `# service-values NAME: SELECT …` — a local lookup whose ?NAME values fill `VALUES ?NAME { }` inside a
    # SERVICE group before the query runs (queries/federation.py `fill_service_values`)
    service_values: tuple[tuple[str, str], ...] = ()
    # `# graph NAME: KEY` — ?NAME bound to the store's graph {base}id/graph/KEY
    graphs: tuple[tuple[str, str], ...] = ()
    # The file holds no SERVICE or LOAD (decided once, on the parse, when the catalogue is read): bound terms
    # cannot add one, so runs skip the per-request remote-target check (a parse when the text merely mentions
    # "service" or "load", e.g. in a comment: ~20-100 ms).
    remote_free: bool = False


def parse_stored_query(path: Path) -> StoredQuery:
    title: str | None = None
    description: list[str] = []
    params: list[Parameter] = []
    param_lines: dict[str, int] = {}
    service_values: list[tuple[str, str]] = []
    graphs: list[tuple[str, str]] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match is None:
            if re.match(r"#\s*param\b", line):
                raise CatalogError(f"{path}:{number}: expected '# param NAME: TYPE [= default] -- doc'")
            continue
        key, value = match["key"], match["value"].strip()
        if key == "title":
            title = value
        elif key == "description":
            description.append(value)
        elif key.startswith("service-values"):
            name = key.split()[1]
            if not re.search(rf"VALUES\s+[?$]{name}\s*\{{\s*\}}", text):
                raise CatalogError(f"{path}:{number}: service values {name!r} need an empty 'VALUES ?{name} {{ }}'")
            service_values.append((name, value))
        elif key.startswith("graph"):
            name = key.split()[1]
            if value not in STORE_GRAPHS:
                raise CatalogError(f"{path}:{number}: graph {name!r} needs a key among {', '.join(STORE_GRAPHS)}")
            if not re.search(rf"[?$]{name}\b", text):
                raise CatalogError(f"{path}:{number}: graph {name!r} is not used as ?{name} in the query")
            graphs.append((name, value))
        else:
            name = key.split()[1]
            if name in param_lines:
                raise CatalogError(f"{path}:{number}: parameter {name!r} is declared twice")
            spec, _, doc = value.partition(" -- ")
            kind, has_default, default = (part.strip() for part in spec.partition("="))
            if kind not in PARAM_TYPES:
                raise CatalogError(f"{path}:{number}: parameter {name!r} needs a type among {', '.join(PARAM_TYPES)}")
            if not re.search(rf"[?$]{name}\b", text):
                raise CatalogError(f"{path}:{number}: parameter {name!r} is not used as ?{name} in the query")
            param_lines[name] = number
            params.append(
                Parameter(
                    name=name,
                    type=kind,  # type: ignore[arg-type]
                    default=default if has_default else None,
                    description=doc.strip(),
                )
            )
    if title is None:
        raise CatalogError(f"{path}:1: missing '# title:' header line")
    update = re.search(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", text, re.I | re.M)
    if update:
        line = text.count("\n", 0, update.start(1)) + 1
        raise CatalogError(f"{path}:{line}: canned queries are read-only; updates are not allowed")
    clash = sorted({name for name, _ in graphs} & set(param_lines))
    if clash:
        raise CatalogError(f"{path}:{param_lines[clash[0]]}: {clash[0]!r} is both a parameter and a graph")
    _check_runnable(path, text, params, param_lines)
    return StoredQuery(
        name=path.stem,
        title=title,
        description=" ".join(description),
        parameters=tuple(params),
        text=text,
        service_values=tuple(service_values),
        graphs=tuple(graphs),
        remote_free=_remote_free(path, text),
    )


def _remote_free(path: Path, text: str) -> bool:
    try:
        return not remote_calls(text)
    except ForbiddenServiceError as error:
        raise CatalogError(f"{path}:1: {error}") from None


_SAMPLE_TERMS: dict[str, NamedNode | Literal] = {
    "string": Literal("x"),
    "integer": Literal("1", datatype=NamedNode(XSD + "integer")),
    "year": Literal("2020", datatype=NamedNode(XSD + "gYear")),
    "date": Literal("2020-01-01", datatype=NamedNode(XSD + "date")),
}


def _check_runnable(path: Path, text: str, params: list[Parameter], param_lines: dict[str, int]) -> None:
    """The query parses, and each parameter can be bound: written into the text as a term of its type
    (`queries.binding`), which fails where only a variable may stand (`AS ?a`, `VALUES ?a`)."""
    empty = Store()
    try:
        empty.query(text, prefixes=dict(PREFIXES))
    except SyntaxError as error:  # the parser's "error at LINE:COL" counts the header lines too
        at = re.match(r"error at (\d+):", str(error))
        raise CatalogError(f"{path}:{at[1] if at else 1}: the query does not parse: {error}") from None
    for param in params:
        term = _SAMPLE_TERMS.get(param.type, NamedNode("https://example.org/sample"))
        try:
            empty.query(bind_terms(text, {param.name: term}), prefixes=dict(PREFIXES))
        except (BindingError, RuntimeError, SyntaxError) as error:
            raise CatalogError(
                f"{path}:{param_lines[param.name]}: parameter {param.name!r} cannot be bound ({error})"
            ) from None


@cache
def load_catalog(directory: Path = QUERIES_DIR) -> dict[str, StoredQuery]:
    """Every `*.rq` in `directory`, by name (the file stem), sorted."""
    return {path.stem: parse_stored_query(path) for path in sorted(directory.glob("*.rq"), key=lambda p: p.stem)}
