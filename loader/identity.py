"""Deterministic IRIs `{base}id/{kind}/{key}` and the named graph of each source page."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import PurePath

from pyoxigraph import NamedNode

from scholarkg.loader.text import normalize_key, slugify

ONTOLOGY_GRAPH = NamedNode("https://w3id.org/scholarkg/ontology")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=1 << 16)  # a person or paper recurs across pages: one normalization per name (bounded)
def keyed(text: str) -> str:
    """Readable, collision-safe key: a slug plus a digest of the normalized text."""
    key = normalize_key(text)
    return f"{slugify(key)}-{_digest(key)}"


def _safe(key: str) -> bool:
    return bool(key) and all(c.isascii() and (c.isalnum() or c in "-_.") for c in key)


@lru_cache(maxsize=1 << 10)  # asked once per entry and authorship of the page being mapped
def source_key(file_name: str) -> str:
    """A source page's key: a `.txt` name with a plain ASCII stem is its stem (`000_e49c997fbe9f6f5b`); any other
    name is a slug plus a digest of the exact name, joined by `~` (which plain stems never contain), so two
    different file names never share a key (`X.md` and `X.txt`, `Ä.txt` and `ä.txt` stay apart)."""
    path = PurePath(file_name)
    if path.suffix == ".txt" and _safe(path.stem):
        return path.stem
    return f"{slugify(normalize_key(file_name)) or 'page'}~{_digest(file_name)}"


class Iris:
    """Mints every IRI the loader writes, under one base."""

    def __init__(self, base: str) -> None:
        self.base = base

    def of(self, kind: str, key: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{key}")

    def paper(self, title: str) -> NamedNode:
        return self.of("paper", keyed(title))

    def person(self, name: str, homonym: str | None = None) -> NamedNode:
        return self.of("person", keyed(f"{name} {homonym}" if homonym else name))

    def organization(self, slug: str) -> NamedNode:
        return self.of("org", slug.lower() if _safe(slug) else keyed(slug))

    def category(self, notation: str) -> NamedNode:
        return self.of("category", notation)

    def venue_series(self, name: str) -> NamedNode:
        return self.of("venue", keyed(name))

    def venue_edition(self, name: str, year: int) -> NamedNode:
        return self.of("venue", keyed(f"{name} {year}"))

    def source(self, file_name: str) -> NamedNode:
        return self.of("source", source_key(file_name))

    def entry(self, file_name: str, index: int) -> NamedNode:
        return self.of("entry", f"{source_key(file_name)}.{index}")

    def authorship(self, file_name: str, index: int, position: int) -> NamedNode:
        return self.of("authorship", f"{source_key(file_name)}.{index}.{position}")

    def observation(self, file_name: str, metric: str) -> NamedNode:
        return self.of("observation", f"{source_key(file_name)}.{metric}")

    @property
    def taxonomy_scheme(self) -> NamedNode:
        return self.of("scheme", "arxiv")
