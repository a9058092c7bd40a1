"""Caps checked on a query or update text before anything parses it (the server process pays for parsing).

Length: at most `max_query_chars` characters for a query (an update is bounded by `max_request_bytes`).
Nesting: at most `max_query_depth` levels of `{`, `(` and `[`, counted on the raw text (brackets inside strings
count too, which only ever errs towards refusing). Both checks run in C (`bytes.translate`, `bytes.replace`:
each pass removes the innermost pairs, so `max_depth + 1` passes decide), so a 10 MB `ASK { {}{}{}… }` costs
milliseconds, not seconds.
"""

from __future__ import annotations

_TO_PARENS = bytes.maketrans(b"{[}]", b"(())")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"{([})]")


class QueryTooLargeError(ValueError):
    """The text is longer than allowed."""


class QueryTooDeepError(ValueError):
    """The text nests groups deeper than allowed."""


def deeper_than(text: str, limit: int) -> bool:
    """True when brackets nest more than `limit` levels somewhere in `text`.

    UTF-8 multi-byte sequences never contain these ASCII bytes, so the bytes are safe to scan."""
    parens = text.encode("utf-8", "surrogatepass").translate(_TO_PARENS, _NOT_BRACKETS)
    run = b"(" * (limit + 1)
    for _ in range(limit):
        if run in parens:
            return True
        reduced = parens.replace(b"()", b"")
        if len(reduced) == len(parens):
            return False
        parens = reduced
    return b"()" in parens


def check_text(text: str, *, max_chars: int | None, max_depth: int, what: str = "query") -> None:
    if max_chars is not None and len(text) > max_chars:
        raise QueryTooLargeError(f"the {what} has {len(text)} characters; at most {max_chars} are accepted")
    if deeper_than(text, max_depth):
        raise QueryTooDeepError(f"the {what} nests {{ ( [ more than {max_depth} levels deep; that is the limit")
