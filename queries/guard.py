"""Refuse SERVICE / LOAD targets outside the allow-list before a query or update runs (no SSRF).

A lexical scan, not a parser: comments and string literals are skipped so a keyword inside a string is not
mistaken for an operation, and every `SERVICE` / `LOAD` target must be an IRI (or prefixed name) whose
host is allowed. A variable target (`SERVICE ?x`) is always refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

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


class ForbiddenServiceError(ValueError):
    """A SERVICE or LOAD target that the configuration does not allow."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("string", "comment"):
            out.append((kind, match.group(0)))
    return out


def remote_targets(text: str) -> list[str]:
    """IRIs named by SERVICE or LOAD in a query/update (variables come back as '?var')."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    targets: list[str] = []
    for i, (kind, value) in enumerate(tokens):
        upper = value.upper() if kind == "word" else ""
        if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":").lower()] = urljoin(base, tokens[i + 2][1][1:-1])
        elif upper == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = urljoin(base, tokens[i + 1][1][1:-1])
        elif upper in ("SERVICE", "LOAD"):
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            if j >= len(tokens):
                targets.append("?")
                continue
            t_kind, t_value = tokens[j]
            if t_kind == "iri":
                targets.append(urljoin(base, t_value[1:-1]))
            elif t_kind == "word" and ":" in t_value:
                prefix, _, local = t_value.partition(":")
                targets.append(prefixes.get(prefix.lower(), "?") + local if prefix.lower() in prefixes else "?")
            else:
                targets.append(t_value if t_kind == "var" else "?")
    return targets


def check_remote_targets(text: str, allowlist: Iterable[str]) -> None:
    """Raise ForbiddenServiceError unless every SERVICE/LOAD target's host is in `allowlist`."""
    allowed = {host.lower() for host in allowlist}
    for target in remote_targets(text):
        host = urlsplit(target).hostname if "://" in target else None
        if host is None or host.lower() not in allowed:
            shown = target if target != "?" else "an unresolvable target"
            raise ForbiddenServiceError(
                f"SERVICE/LOAD to {shown} is not allowed"
                + (
                    f" (allowed hosts: {', '.join(sorted(allowed))})"
                    if allowed
                    else " (no remote endpoints are allowed)"
                )
            )
