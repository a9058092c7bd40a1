"""Streaming reader for OpenAlex works and authors as JSON Lines (their snapshot's format), bounded memory.

A work (https://docs.openalex.org/api-entities/works/work-object) has `id`, `doi` (a lower-case
https://doi.org/ IRI), `title` / `display_name`, `publication_year`, `ids` and `authorships[]`; each authorship
has `author_position` (first/middle/last — the order of the list is the author order), `author{id,
display_name, orcid}`, `institutions[]{id, ror, …}` and `raw_author_name`. An author
(https://docs.openalex.org/api-entities/authors/author-object) has `id`, `display_name`, `orcid` and `ids`.
One object per line; lines are read one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from scholarkg.linking.dumps import DumpError, ExtAuthor, ExtPerson, ExtWork, open_dump

MAX_LINE_BYTES = 20_000_000


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with open_dump(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if len(raw) > MAX_LINE_BYTES:
                    raise DumpError(f"{path.name}:{number}: line longer than {MAX_LINE_BYTES} bytes")
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise DumpError(f"{path.name}:{number}: not a JSON object ({error})") from None
                if not isinstance(record, dict):
                    raise DumpError(f"{path.name}:{number}: not a JSON object")
                yield number, record
    except (OSError, EOFError) as error:
        raise DumpError(f"{path.name}: cannot read ({error})") from None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def read_works(path: Path, wanted: Callable[[ExtWork], bool], counter: list[int]) -> Iterator[ExtWork]:
    for number, record in _lines(path):
        if not isinstance(record.get("authorships"), list):
            continue  # an author (or another entity) line
        identifier, title = _text(record.get("id")), _text(record.get("title")) or _text(record.get("display_name"))
        if identifier is None or title is None:
            continue
        counter[0] += 1
        ids = record.get("ids") if isinstance(record.get("ids"), dict) else {}
        year = record.get("publication_year")
        work = ExtWork(
            iri=identifier,
            title=title,
            year=year if isinstance(year, int) else None,
            doi=_text(record.get("doi")) or _text(ids.get("doi")),
            arxiv=_text(ids.get("arxiv")),
            where=f"{path.name}:{number}",
        )
        if not wanted(work):
            continue
        for ordinal, authorship in enumerate(record["authorships"], start=1):
            if not isinstance(authorship, dict):
                continue
            author = authorship.get("author") if isinstance(authorship.get("author"), dict) else {}
            work.authors.append(
                ExtAuthor(
                    ordinal=ordinal,
                    name=_text(authorship.get("raw_author_name")) or _text(author.get("display_name")),
                    iri=_text(author.get("id")),
                    orcid=_text(author.get("orcid")),
                )
            )
        yield work


def read_persons(path: Path, wanted: set[str]) -> dict[str, ExtPerson]:
    persons: dict[str, ExtPerson] = {}
    if not wanted:
        return persons
    for _, record in _lines(path):
        identifier = _text(record.get("id"))
        if identifier not in wanted or isinstance(record.get("authorships"), list):
            continue
        person = ExtPerson(identifier, _text(record.get("display_name")))
        ids = record.get("ids") if isinstance(record.get("ids"), dict) else {}
        for orcid in (_text(record.get("orcid")), _text(ids.get("orcid"))):
            if orcid and orcid not in person.orcids:
                person.orcids.append(orcid)
        persons[identifier] = person
    return persons
