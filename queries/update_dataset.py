"""SPARQL 1.1 Protocol `using-graph-uri` / `using-named-graph-uri` for updates.

pyoxigraph's `Store.update` takes no dataset, so the protocol dataset is written into each
DELETE/INSERT … WHERE operation as `USING <g>` / `USING NAMED <g>` clauses just before its WHERE. An
operation that already has USING or WITH conflicts with a protocol dataset (protocol §2.2.3): error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from queries.guard import _TOKEN


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
    inserts: list[int] = []
    depth = 0
    op_words: list[str] = []
    previous = ""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group(0)
        if kind in ("string", "comment"):
            continue
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif value == ";" and depth == 0:
            op_words = []
        elif kind == "word" and depth == 0:
            word = value.upper()
            if word in ("USING", "WITH"):
                raise UpdateDatasetConflictError(
                    "the update names its own dataset (USING/WITH) and the request gives "
                    "using-graph-uri/using-named-graph-uri: use one or the other"
                )
            # DELETE/INSERT {template} WHERE gets USING; the `DELETE WHERE {…}` shorthand cannot have it.
            if word == "WHERE" and previous == "}" and {"INSERT", "DELETE"} & set(op_words):
                inserts.append(match.start())
            op_words.append(word)
        previous = value
    for position in reversed(inserts):
        text = text[:position] + clause + " " + text[position:]
    return text
