"""`scholarkg link import FILE`: a CSV/TSV mapping `local,external[,relation]` → links.

`local` is a local IRI, or an exact name (`Sehoon Kim 0001` with its homonym number) or title, matched
case-insensitively; `external` any identifier `linking.identifiers` accepts; `relation` `sameAs` (default:
an accepted link) or `closeMatch` (a candidate for review). A header line `local,external[,relation]` is
optional. An ambiguous or unknown local, an invalid external id, a kind mismatch (an ORCID for a paper) or
a malformed row fails the whole file, naming file:line; nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from scholarkg.linking.identifiers import IdentifierError, parse_identifier
from scholarkg.linking.local import LocalGraph
from scholarkg.linking.model import Evidence, Link, LinkSource, now, source_node
from scholarkg.linking.names import normalize_title

MAX_MAPPING_BYTES = 50_000_000
RELATIONS = {"sameas": "accepted", "owl:sameas": "accepted", "closematch": "candidate", "skos:closematch": "candidate"}
IMPORT_SCORE = {"accepted": 1.0, "candidate": 0.5}


class MappingError(ValueError):
    """A mapping file that cannot be imported; the message names file:line."""


@dataclass(frozen=True)
class ImportResult:
    links: list[Link]
    rows: int
    source: LinkSource


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _resolve_local(value: str, want: str, graph: LocalGraph) -> tuple[str, str]:
    """(iri, kind) of the local entity `value` names; raises ValueError with the reason."""
    if value.startswith(("http://", "https://")):
        if value in graph.persons:
            found = [(value, "person")]
        elif value in graph.papers:
            found = [(value, "paper")]
        else:
            raise ValueError(f"unknown local entity {value!r} (no person or paper with this IRI)")
    else:
        found = [(iri, "person") for iri in graph.persons_named(value)]
        found += [(iri, "paper") for iri in graph.by_title.get(normalize_title(value), [])]
        if want != "any":
            found = [pair for pair in found if pair[1] == want] or found
        if not found:
            raise ValueError(f"unknown local {value!r}: no person with this name and no paper with this title")
        if len(found) > 1:
            raise ValueError(
                f"ambiguous local {value!r} names {len(found)} entities ({', '.join(i for i, _ in found)}); "
                "use an IRI, or a name with its homonym number"
            )
    iri, kind = found[0]
    if want not in ("any", kind):
        raise ValueError(f"a {want} identifier cannot be linked to the {kind} {iri}")
    return iri, kind


def _rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    except csv.Error as error:
        raise MappingError(f"line {reader.line_num}: {error}") from None
    return rows


def read_mapping(path: Path, graph: LocalGraph, base: str, *, display_name: str | None = None) -> ImportResult:
    """Every row of the mapping as a link, or `MappingError` naming the first bad line (nothing is half-read)."""
    name = display_name or path.name
    size = path.stat().st_size
    if size > MAX_MAPPING_BYTES:
        raise MappingError(f"{name}: {size} bytes is over the {MAX_MAPPING_BYTES}-byte limit for a mapping file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MappingError(f"{name}:{line}: not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in first else ","
    try:
        rows = _rows(text, delimiter)
    except MappingError as error:
        raise MappingError(f"{name}:{str(error).removeprefix('line ')}") from None
    if rows and [c.lower() for c in rows[0][1][:2]] == ["local", "external"]:
        rows = rows[1:]
    sha = hashlib.sha256(data).hexdigest()
    source = LinkSource(source_node(base, sha).value, name, sha)
    generated = now()
    links: list[Link] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        where = f"{name}:{line}"
        if len(cells) not in (2, 3):
            raise MappingError(
                f"{where}: expected local{delimiter}external[{delimiter}relation], got {len(cells)} fields"
            )
        local, external = cells[0], cells[1]
        relation = cells[2] if len(cells) == 3 and cells[2] else "sameAs"
        status = RELATIONS.get(relation.lower())
        if status is None:
            raise MappingError(f"{where}: relation {relation!r} is not sameAs or closeMatch")
        try:
            identifier = parse_identifier(external)
        except IdentifierError as error:
            raise MappingError(f"{where}: {error}") from None
        try:
            iri, kind = _resolve_local(local, identifier.kind, graph)
        except ValueError as error:
            raise MappingError(f"{where}: {error}") from None
        pair = (iri, identifier.iri)
        if pair in seen:
            raise MappingError(f"{where}: the same pair as line {seen[pair]}")
        seen[pair] = line
        links.append(
            Link(
                subject=iri,
                object=identifier.iri,
                kind=kind,
                method="import",
                score=IMPORT_SCORE[status],
                status=status,
                evidence=(
                    Evidence("import-line", f"{where}: {delimiter.join(cells)}", value=name, line=line),
                    Evidence("identifier", f"{identifier.label} (validated)", value=identifier.iri),
                ),
                sources=(source,),
                generated=generated,
            )
        )
    return ImportResult(links, len(rows), source)
