"""Refuse SERVICE / LOAD targets outside the allow-list before a query or update runs (no SSRF).

The decision is made on the parsed query: rdflib's SPARQL 1.1 parser (`parseQuery` / `parseUpdate`) yields
every `ServiceGraphPattern` (nested, in sub-queries, in `EXISTS`, in update `WHERE`s) and every `Load`; their
targets are resolved through the PREFIX and BASE declarations and the request's base IRI. A second,
independent reading — the grammar-exact tokenizer in `sparql_lexer` — must find as many SERVICE/LOAD keywords,
and every target either reading finds must be allowed. Whenever the guard cannot decide, it refuses:

- the text mentions `service` or `load` (anywhere, in any case) but rdflib cannot parse it (rdflib lacks some
  of Oxigraph's extensions, and is slow or recursive on deeply nested text — hence the size/nesting caps that
  `query_limits` applies first);
- the two readings disagree on the number of SERVICE/LOAD keywords;
- a target is a variable (`SERVICE ?x`), an unknown prefix, relative without a base, or not a plain
  http(s) URL (user info, dot segments, …).

A text in which neither word occurs at all cannot reach the network (Oxigraph expands `\\u` escapes only
inside strings and IRIs, so a keyword is always spelt out) and is passed without parsing.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urljoin

from scholarkg.queries.allowlist import BadEndpointError, Endpoint, parse_allowlist_entry, parse_endpoint
from scholarkg.queries.sparql_lexer import TOKEN as _TOKEN  # noqa: F401  (re-exported: used by other scanners)
from scholarkg.queries.sparql_lexer import tokens, unescape_local

_MENTIONS_REMOTE = re.compile(r"service|load", re.IGNORECASE)
_KEYWORDS = ("SERVICE", "LOAD")
UNRESOLVABLE = "?"
# rdflib's parser (pyparsing) takes about half a millisecond per character and recurses per triple and per
# group, so the parse that checks remote targets is bounded: a text that mentions SERVICE/LOAD may have at most
# this many characters, and the parse runs in a thread with a large stack under a raised recursion limit.
MAX_CHECKED_CHARS = 8_000
_PARSE_STACK_BYTES = 512 * 1024 * 1024
_PARSE_RECURSION_LIMIT = 60_000
T = TypeVar("T")


class ForbiddenServiceError(ValueError):
    """A SERVICE or LOAD target that the configuration does not allow (or a query the guard cannot check)."""


class UndecidableQueryError(ForbiddenServiceError):
    """The guard cannot tell which endpoints the text would contact, so it refuses it."""


def mentions_remote(text: str) -> bool:
    return _MENTIONS_REMOTE.search(text) is not None


def _resolve(base: str, iri: str) -> str:
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        return iri
    return urljoin(base, iri) if base else UNRESOLVABLE


class _Prologue:
    def __init__(self, base: str) -> None:
        self.base = base
        self.prefixes: dict[str, str] = {}

    def set_base(self, iri: str) -> None:
        self.base = _resolve(self.base, iri)

    def set_prefix(self, prefix: str, iri: str) -> None:
        self.prefixes[prefix] = _resolve(self.base, iri)

    def expand(self, prefix: str, local: str) -> str:
        namespace = self.prefixes.get(prefix)
        if namespace is None or namespace == UNRESOLVABLE:
            return UNRESOLVABLE
        return namespace + unescape_local(local)


# -- reading 1: rdflib's parse tree ------------------------------------------------------------------------
def _walk(node: Any) -> Iterator[Any]:
    """Every CompValue under `node`, iteratively (deep nesting must not hit the recursion limit)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)


def _apply_prologue(prologue: _Prologue, declarations: Iterable[Any]) -> None:
    for declaration in declarations:
        if declaration.name == "Base":
            prologue.set_base(str(declaration.iri))
        elif declaration.name == "PrefixDecl":
            prologue.set_prefix(declaration.prefix or "", str(declaration.iri))


def _target(prologue: _Prologue, term: Any) -> str:
    from rdflib.term import URIRef, Variable  # rdflib loads lazily: query workers import this module too

    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return _resolve(prologue.base, str(term))
    if getattr(term, "name", None) == "pname":
        return prologue.expand(term.prefix or "", term.localname or "")
    return UNRESOLVABLE


def in_big_stack(function: Callable[[], T]) -> T:
    """Run `function` in a fresh thread with a large stack (rdflib's parser recurses deeply)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", function()))
        except BaseException as error:
            outcome.append(("error", error))

    with _STACK_LOCK:
        previous = threading.stack_size(_PARSE_STACK_BYTES)
        try:
            thread = threading.Thread(target=run, name="scholarkg-guard-parse", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    status, value = outcome[0]
    if status == "error":
        raise value
    return value  # type: ignore[no-any-return]


_STACK_LOCK = threading.Lock()
_PARSER_LOCK = threading.Lock()
# Raised once, on import (only the guard's big-stack thread recurses this deep).
if sys.getrecursionlimit() < _PARSE_RECURSION_LIMIT:
    sys.setrecursionlimit(_PARSE_RECURSION_LIMIT)


def _parsed_targets(text: str, base: str) -> list[tuple[str, str]]:
    return in_big_stack(lambda: _parsed_targets_here(text, base))


def _service_without_text(self: Any, instring: str, loc: int, tokens: Any) -> Any:
    """rdflib's `ServiceGraphPattern` parse action, minus its `service_string` (kept for rdflib's own SERVICE
    evaluation, which the guard never does): that one searches the whole text again for a SERVICE pattern, which
    costs a re-parse per SERVICE and never ends for a SERVICE nested in another (the search finds the outer one)."""
    from rdflib.plugins.sparql.parserutils import Comp

    self.name = "ServiceGraphPatternForGuard"
    try:
        result = Comp.postParse(self, instring, loc, tokens)
    finally:
        self.name = "ServiceGraphPattern"
    result.name = "ServiceGraphPattern"
    return result


@contextmanager
def rdflib_parser() -> Iterator[Any]:
    """rdflib's SPARQL parser module, for the project's own parses (guard, `queries.update_effects`): one parse at a
    time, SERVICE patterns without rdflib's whole-text re-search (`_service_without_text`)."""
    from types import MethodType

    from rdflib.plugins.sparql import parser

    service = parser.ServiceGraphPattern
    with _PARSER_LOCK:  # the patch below is visible to every thread: only these parses use rdflib's parser
        service.postParse = MethodType(_service_without_text, service)  # type: ignore[method-assign]
        try:
            yield parser
        finally:
            del service.postParse


def _parsed_targets_here(text: str, base: str) -> list[tuple[str, str]]:
    with rdflib_parser() as parser:
        try:
            try:
                parsed = parser.parseQuery(text)
                sections = [(parsed[0], parsed[1:])]
            except Exception:
                update = parser.parseUpdate(text)
                sections = list(
                    zip(update.get("prologue") or [], ([r] for r in update.get("request") or []), strict=False)
                )
        except Exception as error:
            raise UndecidableQueryError(
                "the text mentions SERVICE or LOAD but the SPARQL 1.1 parser that checks remote targets "
                f"does not accept it ({type(error).__name__}), so it is refused"
            ) from None
    prologue = _Prologue(base)
    targets: list[tuple[str, str]] = []
    for declarations, body in sections:
        _apply_prologue(prologue, declarations)
        for node in _walk(body):
            if node.name == "ServiceGraphPattern":
                targets.append(("SERVICE", _target(prologue, node.get("term"))))
            elif node.name == "Load":
                targets.append(("LOAD", _target(prologue, node.get("iri"))))
    return targets


# -- reading 2: the grammar-exact tokenizer ------------------------------------------------------------------
def _lexed_targets(text: str, base: str) -> list[tuple[str, str]]:
    toks = list(tokens(text))
    prologue = _Prologue(base)
    targets: list[tuple[str, str]] = []
    for i, (kind, value) in enumerate(toks):
        if kind != "word":
            continue
        upper = value.upper()
        following = toks[i + 1 : i + 4]
        if upper == "BASE" and following and following[0][0] == "iri":
            prologue.set_base(following[0][1][1:-1])
        elif upper == "PREFIX" and len(following) >= 2 and following[0][1].endswith(":") and following[1][0] == "iri":
            prologue.set_prefix(following[0][1][:-1], following[1][1][1:-1])
        elif upper in _KEYWORDS:
            if following and following[0][1].upper() == "SILENT":
                following = following[1:]
            if not following:
                targets.append((upper, UNRESOLVABLE))
                continue
            t_kind, t_value = following[0]
            if t_kind == "iri":
                targets.append((upper, _resolve(prologue.base, t_value[1:-1])))
            elif t_kind == "word" and ":" in t_value:
                prefix, _, local = t_value.partition(":")
                targets.append((upper, prologue.expand(prefix, local)))
            elif t_kind == "var":
                targets.append((upper, "?" + t_value[1:]))
            else:
                targets.append((upper, UNRESOLVABLE))
    return targets


def remote_targets(text: str, *, base_iri: str | None = None) -> list[str]:
    """Every IRI a query/update would contact through SERVICE or LOAD, resolved (a variable comes back as
    '?name', anything unresolvable as '?'). Raises UndecidableQueryError when it cannot tell."""
    return list(dict.fromkeys(target for _, target in remote_calls(text, base_iri=base_iri)))


def remote_calls(text: str, *, base_iri: str | None = None) -> list[tuple[str, str]]:
    """Each (operation, target) pair — 'SERVICE' or 'LOAD', the target as in `remote_targets` — that either
    reading finds, once. Raises UndecidableQueryError when it cannot tell."""
    if not mentions_remote(text):
        return []
    if len(text) > MAX_CHECKED_CHARS:
        raise UndecidableQueryError(
            f"a query or update that mentions SERVICE or LOAD (even in a string or name) may have at most "
            f"{MAX_CHECKED_CHARS} characters, because it is parsed to check its remote targets; this one has "
            f"{len(text)}"
        )
    base = base_iri or ""
    parsed = _parsed_targets(text, base)
    lexed = _lexed_targets(text, base)
    if len(parsed) != len(lexed):
        raise UndecidableQueryError(
            f"the SPARQL parser finds {len(parsed)} SERVICE/LOAD operation(s) but the tokenizer finds "
            f"{len(lexed)}; the query cannot be checked, so it is refused"
        )
    return list(dict.fromkeys(parsed + lexed))


def parse_allowlist(entries: Iterable[str]) -> list[Endpoint]:
    return [parse_allowlist_entry(entry) for entry in entries]


def check_remote_targets(text: str, allowlist: Iterable[str | Endpoint], *, base_iri: str | None = None) -> None:
    """Raise ForbiddenServiceError unless every SERVICE/LOAD target is under an allow-listed endpoint URL."""
    allowed = [e if isinstance(e, Endpoint) else parse_allowlist_entry(e) for e in allowlist]
    for target in remote_targets(text, base_iri=base_iri):
        if target.startswith(UNRESOLVABLE):
            shown = "an unresolvable target" if target == UNRESOLVABLE else f"the variable {target}"
            raise ForbiddenServiceError(f"SERVICE/LOAD to {shown} is not allowed (targets must be fixed IRIs)")
        try:
            endpoint = parse_endpoint(target)
        except BadEndpointError as error:
            raise ForbiddenServiceError(f"SERVICE/LOAD to <{target}> is not allowed: {error}") from None
        if not any(entry.allows(endpoint) for entry in allowed):
            raise ForbiddenServiceError(
                f"SERVICE/LOAD to <{target}> is not allowed"
                + (
                    f" (allowed endpoints: {', '.join(str(e) for e in allowed)})"
                    if allowed
                    else " (no remote endpoints are allowed)"
                )
            )


_PAYLOAD = re.compile(r"\s*with payload:.*", re.DOTALL)


def scrub_remote_message(message: str) -> str:
    """An error message without what a remote endpoint answered: Oxigraph appends the response body of a
    failed SERVICE / LOAD request (`… returned by URL with payload:\n<body>`), and a parse error in a remote
    result can quote it. Keep the status line and the URL, drop the rest."""
    first = _PAYLOAD.sub(" (response body not shown)", message).splitlines()[0] if message else message
    return first[:300]
