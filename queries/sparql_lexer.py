"""A SPARQL 1.1 tokenizer that follows the grammar's terminals exactly (SPARQL 1.1 Query §19.8).

Not a parser: it tells code that needs to find keywords (FROM, USING, WITH, SERVICE, LOAD) which parts of a
text are strings, comments, IRIs, prefixed names, variables, blank nodes and language tags, so a keyword is
never looked for inside one of them — and, the other way round, a legal escape in a prefixed name
(`PN_LOCAL_ESC`: `ex:a\\#`, `ex:a\\'`) is never mistaken for the start of a comment or string.

Group names: `string`, `comment`, `iri`, `word` (a keyword or a prefixed name — prefixed names contain ':'),
`var`, `blank`, `langtag`, `number`, `other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# [164] PN_CHARS_BASE, [165] PN_CHARS_U, [167] PN_CHARS
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
# [170] PLX ::= PERCENT | PN_LOCAL_ESC
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
# [168] PN_PREFIX, [169] PN_LOCAL
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
# [159] ECHAR; [156]-[159] the four string forms
_ECHAR = r"\\[tbnrf\\\"']"
_STRING = (
    rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''"
    rf'|"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*"""'
    rf"|'(?:[^'\\\n\r]|{_ECHAR})*'"
    rf'|"(?:[^"\\\n\r]|{_ECHAR})*"'
)

TOKEN = re.compile(
    rf"""
      (?P<string>{_STRING})
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$]{_VARNAME})
    | (?P<blank>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<word>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?|[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of every token that is not a comment or whitespace."""
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "comment":
            yield kind, match.group(0)


def unescape_local(local: str) -> str:
    """The local part of a prefixed name as an IRI part: `PN_LOCAL_ESC` escapes drop their backslash
    (percent escapes stay as written, as the grammar says)."""
    return re.sub(r"\\(.)", r"\1", local)
