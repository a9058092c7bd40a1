"""SPARQL 1.1 Protocol `using-graph-uri` / `using-named-graph-uri` for updates.

pyoxigraph's `Store.update` takes no dataset, so the protocol dataset is written into each
DELETE/INSERT … WHERE operation as `USING <g>` / `USING NAMED <g>` clauses just before its WHERE (the
`DELETE WHERE { P }` shorthand, which admits no USING, is first expanded to `DELETE { P } WHERE { P }`). An
operation that already has USING or WITH conflicts with a protocol dataset (protocol §2.2.3): error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scholarkg.queries.guard import _TOKEN


class UpdateDatasetConflictError(ValueError):
    """Protocol dataset given for an update that names its own (USING / WITH)."""


def _iri(value: str) -> str:
    if re.search(r"[<>\"{}|^`\\\s]", value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def apply_update_dataset(text: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    if not using and not using_named:
        return text
    clause = " ".join([f"USING {_iri(g)}" for g in using] + [f"USING NAMED {_iri(g)}" for g in using_named])
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text
    depth = 0
    op_words: list[str] = []
    previous = ""
    shorthand: list[int] = []  # [WHERE start, pattern start] of a pending `DELETE WHERE { … }`
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group(0)
        if kind in ("string", "comment"):
            continue
        if value == "{":
            if depth == 0 and len(shorthand) == 1:
                shorthand.append(match.start())
            depth += 1
        elif value == "}":
            depth -= 1
            if depth == 0 and len(shorthand) == 2:
                # DELETE WHERE { P } → DELETE { P } USING … WHERE { P } (the shorthand admits no USING)
                pattern = text[shorthand[1] : match.end()]
                edits.append((shorthand[0], match.end(), f"{pattern} {clause} WHERE {pattern}"))
                shorthand = []
        elif value == ";" and depth == 0:
            op_words = []
        elif kind == "word" and depth == 0:
            word = value.upper()
            if word in ("USING", "WITH"):
                raise UpdateDatasetConflictError(
                    "the update names its own dataset (USING/WITH) and the request gives "
                    "using-graph-uri/using-named-graph-uri: use one or the other"
                )
            if word == "WHERE" and previous.upper() == "DELETE":
                shorthand = [match.start()]
            elif word == "WHERE" and previous == "}" and {"INSERT", "DELETE"} & set(op_words):
                edits.append((match.start(), match.start(), clause + " "))
            op_words.append(word)
        previous = value
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text
