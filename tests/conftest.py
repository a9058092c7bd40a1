"""Shared loader fixtures: the seed pages (parsed), a store loaded with all seeds, and SPARQL helpers.

Generic on purpose (API fixtures belong in the API tests' own modules). Test modules use these through
fixtures only, never `from conftest import …` (several conftest modules share that name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from scholarkg.loader.identity import Iris
from scholarkg.loader.load import LoadResult, load_files
from scholarkg.loader.pages import parse_page, read_source
from scholarkg.loader.records import Page
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
AS_OF = dt.date(2026, 11, 23)  # yearless dates ("Feb 4") resolve against this retrieval date

Rows = list[dict[str, str | None]]
SelectValues = Callable[..., Rows]
ParseSeed = Callable[..., Page]
LoadSeeds = Callable[..., list[LoadResult]]


def _seed_paths() -> tuple[Path, ...]:
    return tuple(sorted(SEEDS_DIR.glob("*.txt")))


def _with_values(query: str, bindings: dict[str, NamedNode | Literal]) -> str:
    """Bind variables with a trailing VALUES clause: unlike pyoxigraph's `substitutions` (which GraphStore.select
    passes on), it also binds variables that are not projected, and it is joined before any GROUP BY."""
    if not bindings:
        return query
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"{query}\nVALUES ({names}) {{ ({terms}) }}"


def _select_values(store: GraphStore, query: str, **bindings: NamedNode | Literal) -> Rows:
    """SPARQL SELECT over the union of all graphs (project prefixes predeclared); terms as lexical values.

    `bindings` fix variables to RDF terms (`paper=iris.paper(title)`), projected or not.
    """
    return [
        {name: (None if term is None else term.value) for name, term in row.items()}  # type: ignore[attr-defined]
        for row in store.select(_with_values(query, bindings))
    ]


def _load(store: GraphStore, files: Iterable[Path], as_of: dt.date = AS_OF) -> list[LoadResult]:
    return list(load_files(store, list(files), as_of=as_of, iris=Iris(DEFAULT_BASE)))


@pytest.fixture(scope="session")
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_paths() -> tuple[Path, ...]:
    """The five seed files, in file-name order (000 … 004)."""
    paths = _seed_paths()
    assert [p.name[:3] for p in paths] == ["000", "001", "002", "003", "004"]
    return paths


@pytest.fixture(scope="session")
def iris() -> Iris:
    return Iris(DEFAULT_BASE)


@pytest.fixture(scope="session")
def parse_seed() -> ParseSeed:
    """`parse_seed(file_name, as_of=AS_OF)`: a seed page parsed afresh (e.g. with another as_of)."""

    def parse(name: str, as_of: dt.date = AS_OF) -> Page:
        path = SEEDS_DIR / name
        return parse_page(read_source(path).text, str(path), as_of)

    return parse


@pytest.fixture(scope="session")
def seed_pages(parse_seed: ParseSeed) -> dict[str, Page]:
    """Every seed page parsed as of AS_OF, by file name. Pages are frozen records."""
    return {path.name: parse_seed(path.name) for path in _seed_paths()}


@pytest.fixture(scope="session")
def load_pages() -> LoadSeeds:
    """`load_pages(store, files, as_of=AS_OF)`: load page files with the default base IRI; the results."""
    return _load


@pytest.fixture(scope="session")
def select_values() -> SelectValues:
    """`select_values(store, query, **bindings)`: SELECT rows as {variable: lexical value or None}."""
    return _select_values


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    """An on-disk store with all five seeds loaded as of AS_OF. Shared by the session: treat it as read-only."""
    store = GraphStore.open(tmp_path_factory.mktemp("loaded") / "store")
    failures = [str(r.error) for r in _load(store, _seed_paths()) if not r.ok]
    assert not failures, failures
    return store


@pytest.fixture(scope="session")
def sparql(loaded_store: GraphStore) -> SelectValues:
    """`sparql(query, **bindings)`: rows of lexical values from the seeded `loaded_store`."""

    def run(query: str, **bindings: NamedNode | Literal) -> Rows:
        return _select_values(loaded_store, query, **bindings)

    return run
