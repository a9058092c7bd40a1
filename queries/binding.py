"""Bind parameters by writing validated RDF terms into the query text, so the optimizer can start from them.

pyoxigraph's `Store.query(substitutions=…)` binds only projected variables and joins them after the whole
pattern is evaluated (the plan never sees the value). Here each variable that is a parameter is replaced, in
the query text, by its term as the term's own serializer writes it (`str(NamedNode(…))`, `str(Literal(…))`:
validated, escaped, never a raw user string). Where the grammar needs a variable the term is wrapped:

- a plain projected `?x` (SELECT clause, outside parentheses) becomes `(<term> AS ?x)`, so the column keeps
  its name (the engine hides it from canned-query results); in a sub-query's SELECT it is dropped (the value
  is a constant there, and re-binding it in the outer SELECT would be an error);
- a bare `?x` in GROUP BY / ORDER BY becomes `(<term>)`;
- `DESCRIBE ?x` becomes `DESCRIBE <term>`.

A parameter used where only a variable can stand (the target of `AS`, a `VALUES` header) cannot be bound:
`BindingError`. The scan is lexical but complete for SPARQL tokens that can hide a `?`: strings (all four
quotings), comments and IRIs are skipped, so `"?x"` or `<http://e/?x>` are never touched. The result is parsed
by the store like any query, so a term can only ever be a term.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode

Term = NamedNode | Literal

_TOKEN = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<comment>\#[^\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<word>[A-Za-z_][\w-]*(?::[\w.\-]*)?|:[\w.\-]*)
    | (?P<var>[?$]\w+)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)
_CLAUSE_END = {"WHERE", "FROM", "HAVING", "LIMIT", "OFFSET", "VALUES", "GROUP", "ORDER"}


class BindingError(ValueError):
    """A parameter stands where the grammar allows only a variable (`AS ?x`, `VALUES ?x`)."""

    def __init__(self, name: str, where: str) -> None:
        self.name = name
        super().__init__(f"parameter ?{name} is used {where}, where only a variable can stand")


def term_text(term: Term) -> str:
    """A term as SPARQL text, through the term's own serializer (validated and escaped by pyoxigraph)."""
    if not isinstance(term, NamedNode | Literal):
        raise TypeError(f"only IRIs and literals can be bound, not {type(term).__name__}")
    return str(term)


def bind_terms(text: str, bindings: Mapping[str, Term]) -> str:
    """`text` with every parameter variable (`?name` / `$name`) replaced by its bound term."""
    if not bindings:
        return text
    terms = {name: term_text(term) for name, term in bindings.items()}
    out: list[str] = []
    last = 0
    depth = 0  # parentheses
    braces = 0  # `{` nesting: a SELECT inside a group is a sub-query
    subquery = False
    mode = ""  # "select", "modifier" (GROUP/ORDER BY), "describe", "values" (VALUES header)
    mode_depth = 0
    previous = ""  # the previous significant token, upper-cased for words
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group(0)
        if kind in ("string", "comment"):
            continue
        upper = token.upper() if kind == "word" else token
        if kind == "word":
            if upper in ("SELECT", "DESCRIBE"):
                mode, mode_depth = upper.lower(), depth
                subquery = braces > 0
            elif upper == "BY" and previous in ("GROUP", "ORDER"):
                mode, mode_depth = "modifier", depth
            elif upper == "VALUES":
                mode, mode_depth = "values", depth
            elif upper in _CLAUSE_END and depth == mode_depth:
                mode = ""
        elif token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token in ("{", "}"):
            braces += 1 if token == "{" else -1
            mode = ""
        elif kind == "var" and token[1:] in terms:
            name = token[1:]
            if previous == "AS":
                raise BindingError(name, "as the target of AS")
            if mode == "values":
                raise BindingError(name, "in a VALUES header")
            term = terms[name]
            if mode == "select" and depth == mode_depth:
                replacement = "" if subquery else f"({term} AS ?{name})"
            elif mode == "modifier" and depth == mode_depth:
                replacement = f"({term})"
            else:
                replacement = term
            out.append(text[last : match.start()])
            out.append(replacement)
            last = match.end()
        previous = upper
    out.append(text[last:])
    return "".join(out)
