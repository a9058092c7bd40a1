"""Reading external dumps in bounded memory: format detection, .gz, and the records the matchers use.

Formats (`--format` forces one; otherwise detected from the first 64 KiB of content, not the file name):
- `dblp`: dblp RDF (Turtle or N-Triples, `https://dblp.org/rdf/schema#`);
- `wikidata`: a Wikidata RDF extract (Turtle or N-Triples, `http://www.wikidata.org/…`);
- `openalex`: OpenAlex works or authors as JSON Lines (one object per line, as in their snapshot).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

DUMP_FORMATS = ("dblp", "openalex", "wikidata")
PEEK_BYTES = 64 * 1024


class DumpError(ValueError):
    """A dump that cannot be read; the message names the file (and line when known)."""


@dataclass
class ExtAuthor:
    ordinal: int | None
    name: str | None = None
    iri: str | None = None  # the external person (dblp pid, Wikidata item, OpenAlex author)
    orcid: str | None = None  # as the dump states it (validated before use)


@dataclass
class ExtWork:
    iri: str
    title: str
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    authors: list[ExtAuthor] = field(default_factory=list)
    where: str = ""  # file:line for line-based dumps, else the file name


@dataclass
class ExtPerson:
    iri: str
    name: str | None = None
    orcids: list[str] = field(default_factory=list)
    wikidata: str | None = None
    dblp: str | None = None


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


@contextmanager
def open_dump(path: Path) -> Iterator[IO[bytes]]:
    """The dump's bytes, gunzipped on the fly when it is gzip (by magic number, not by name)."""
    if is_gzip(path):
        with gzip.open(path, "rb") as handle:
            yield handle  # type: ignore[misc]
    else:
        with path.open("rb") as handle:
            yield handle


def peek(path: Path) -> bytes:
    try:
        with open_dump(path) as handle:
            return handle.read(PEEK_BYTES)
    except (OSError, EOFError) as error:
        raise DumpError(f"{path.name}: cannot read ({error})") from None


def detect(path: Path) -> tuple[str, str]:
    """(dump format, syntax) from content: syntax is `jsonl`, `turtle` or `ntriples`."""
    head = peek(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise DumpError(f"{path.name}: empty file")
    if stripped.startswith("{"):
        return "openalex", "jsonl"
    syntax = rdf_syntax(text)
    if "https://dblp.org/rdf/schema#" in text:
        return "dblp", syntax
    if "http://www.wikidata.org/" in text:
        return "wikidata", syntax
    raise DumpError(
        f"{path.name}: cannot tell the format from the content (expected dblp RDF, a Wikidata RDF extract or "
        "OpenAlex JSON Lines); use --format"
    )


def rdf_syntax(text: str) -> str:
    for line in io.StringIO(text):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith(("@prefix", "prefix", "@base", "base")):
            return "turtle"
        if line.startswith(("<", "_:")) and line.endswith(".") and ";" not in line[-3:]:
            continue
        return "turtle"
    return "ntriples"
