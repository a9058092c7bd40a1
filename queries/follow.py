"""`follow_links`: run a person-taking canned query treating accepted owl:sameAs between local persons as one.

The canned query's person parameter `?a` stays bound (and projected) as given (`queries.binding` writes the
term wherever `?a` remains); inside the query's outer WHERE block every `?a` becomes `?a__same`, which ranges
over the person itself and every local person linked to it by accepted `owl:sameAs` statements in the links
graph (in either direction, transitively):

    { SELECT DISTINCT ?a__same WHERE {
        { BIND(<person> AS ?a__same) } UNION { GRAPH <links> { <person> (owl:sameAs|^owl:sameAs)+ ?a__same }
                                               FILTER(STRSTARTS(STR(?a__same), "{base}id/person/")) } } }

(DISTINCT: the path reaches the person itself again through the cycle p → q → p; each alias must count once.)

The rewrite works on tokens (strings, IRIs and comments are never touched) and only renames variables; the
IRIs written into the text are serialised RDF terms (pyoxigraph's `substitutions` only filter a projected
variable at the end, too late for the closure). Only accepted links are asserted as owl:sameAs, so
candidates and rejected links never merge anybody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode

_TOKEN = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?P<other>\s+|.)",
    re.S,
)
SUFFIX = "__same"
TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off", ""}


class FollowError(ValueError):
    """The query has no WHERE block to rewrite."""


def parse_flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUTHY:
        return True
    if lowered in FALSY:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(match.lastgroup or "other", match.group()) for match in _TOKEN.finditer(text)]


def follow_links_text(text: str, bound: Mapping[str, NamedNode], links_graph: str, person_prefix: str) -> str:
    """`text` with each person parameter in `bound` widened to its accepted owl:sameAs persons."""
    names = set(bound)
    tokens = _tokens(text)
    start = None
    seen_where = False
    for index, (kind, value) in enumerate(tokens):
        if kind == "word" and value.upper() == "WHERE":
            seen_where = True
        elif kind == "open" and (seen_where or start is None):
            start = index
            break
    if start is None:
        raise FollowError("the query has no WHERE block")
    depth, end = 0, None
    for index in range(start, len(tokens)):
        kind = tokens[index][0]
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                end = index
                break
    if end is None:
        raise FollowError("the query's WHERE block is not closed")
    graph = str(NamedNode(links_graph))
    prefix = str(Literal(person_prefix))
    same_as = "<http://www.w3.org/2002/07/owl#sameAs>"
    closures = "".join(
        f"\n  {{ SELECT DISTINCT ?{name}{SUFFIX} WHERE {{ {{ BIND({bound[name]} AS ?{name}{SUFFIX}) }} UNION "
        f"{{ GRAPH {graph} {{ {bound[name]} ({same_as}|^{same_as})+ ?{name}{SUFFIX} }} "
        f"FILTER(STRSTARTS(STR(?{name}{SUFFIX}), {prefix})) }} }} }}"
        for name in sorted(names)
    )
    out: list[str] = []
    for index, (kind, value) in enumerate(tokens):
        if start < index < end and kind == "var" and value[1:] in names:
            out.append(f"?{value[1:]}{SUFFIX}")
        else:
            out.append(value)
        if index == start:
            out.append(closures)
    return "".join(out)
