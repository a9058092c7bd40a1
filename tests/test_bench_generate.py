"""bench/generate.py: a deterministic synthetic corpus whose every page the loader reads."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

import bench.generate as generate_module
from bench.generate import AS_OF, Corpus, generate, main
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_files
from scholarkg.loader.pages import parse_page
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore

PAPERS = 150


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, PAPERS, seed=7)


@pytest.fixture(scope="module")
def loaded(corpus: tuple[Path, dict[str, object]], tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    out, _ = corpus
    store = GraphStore.open(tmp_path_factory.mktemp("store") / "store")
    results = list(load_files(store, sorted(out.glob("*.txt")), as_of=AS_OF, iris=Iris(DEFAULT_BASE)))
    assert [str(r.error) for r in results if not r.ok] == []
    return store


def test_same_seed_gives_byte_identical_output(corpus: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = corpus
    again = tmp_path / "again"
    main(["--papers", str(PAPERS), "--seed", "7", str(again)])
    assert _files(again) == _files(out)
    other = tmp_path / "other"
    generate(other, PAPERS, seed=8)
    assert _files(other) != _files(out)


def test_all_three_formats_and_every_page_parses(corpus: tuple[Path, dict[str, object]]) -> None:
    out, summary = corpus
    pages = sorted(out.glob("*.txt"))
    formats = {parse_page(p.read_text(encoding="utf-8"), p.name, AS_OF).format for p in pages}
    assert formats == {"author-profile", "author-cluster", "daily-papers"}
    counts = summary["pages"]
    assert isinstance(counts, dict)
    assert sum(counts.values()) == len(pages)
    assert not (out / "corpus.json").name.endswith(".txt")


def test_realistic_features_are_present(corpus: tuple[Path, dict[str, object]]) -> None:
    out, summary = corpus
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.txt")))
    assert " et al." in text
    homonyms = [a for a in Corpus(PAPERS, seed=7).authors if a.homonym and a.papers]
    assert homonyms
    assert any(re.search(rf"{re.escape(a.printed)}(?:,| et al|$)", text, re.MULTILINE) for a in homonyms)
    assert "$" in text, "LaTeX in a title"
    assert re.search(
        r"^(?:\d+(?:\.\d+)?)?[A-Z][A-Z-]*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(?:Code)?$",
        text,
        re.MULTILINE,
    ), "a year-less date"
    assert " · " in text, "organisations after the author list"
    # The most prolific author has many co-authors, the one-paper author exactly one paper.
    authors = summary["authors_for_queries"]
    assert isinstance(authors, dict)
    assert authors["most_prolific"]["papers"] > authors["p99"]["papers"] >= authors["one_paper"]["papers"] == 1


def test_author_counts_and_productivity_shape() -> None:
    corpus = Corpus(400, seed=3)
    sizes = [len(p.authors) for p in corpus.papers]
    assert min(sizes) >= 2 and max(sizes) <= 12
    output = sorted((len(a.papers) for a in corpus.authors if a.papers), reverse=True)
    # Zipf-like: the top author writes far more than the median author, who writes one or two papers.
    assert output[0] >= 10 * output[len(output) // 2]
    assert output[len(output) // 2] <= 2
    assert sum(1 for n in output if n == 1) > len(output) / 4


def test_repeated_papers_merge_into_one_node(corpus: tuple[Path, dict[str, object]], loaded: GraphStore) -> None:
    _, summary = corpus
    assert summary["max_appearances"] >= 2
    stats = loaded.stats()
    assert stats["papers"] == PAPERS  # every paper, once, however many pages show it
    assert stats["sources"] == sum(summary["pages"].values())  # type: ignore[union-attr]
    # A paper shown on several pages: one node, stated in several page graphs.
    rows = list(
        loaded.store.query(
            """SELECT ?paper (COUNT(DISTINCT ?g) AS ?pages) WHERE {
                 GRAPH ?g { ?paper a <http://schema.org/ScholarlyArticle> } }
               GROUP BY ?paper ORDER BY DESC(?pages) LIMIT 1"""
        )
    )
    assert int(rows[0]["pages"].value) == summary["max_appearances"]
    prolific = summary["authors_for_queries"]["most_prolific"]  # type: ignore[index]
    iri = Iris(DEFAULT_BASE).person(prolific["name"], prolific["homonym"])
    count = list(
        loaded.store.query(
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <http://schema.org/author> {iri} }}",
            use_default_graph_as_union=True,
        )
    )
    assert int(count[0]["n"].value) == prolific["papers"]


def test_every_author_chosen_for_queries_is_printed_and_loaded(
    corpus: tuple[Path, dict[str, object]], loaded: GraphStore
) -> None:
    """The benchmark queries these three people: each must be a person in the store (a name some page prints,
    not one hidden behind `et al.`), with exactly the papers the summary says."""
    _, summary = corpus
    chosen = summary["authors_for_queries"]
    assert isinstance(chosen, dict)
    for role, author in chosen.items():
        iri = Iris(DEFAULT_BASE).person(author["name"], author["homonym"])
        rows = list(
            loaded.store.query(
                f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <http://schema.org/author> {iri} }}",
                use_default_graph_as_union=True,
            )
        )
        assert int(rows[0]["n"].value) == author["papers"], role


@pytest.mark.parametrize(("papers", "seed"), [(100, 4), (150, 1), (200, 1)])
def test_the_one_paper_author_is_printed_on_a_page(papers: int, seed: int, tmp_path: Path) -> None:
    """Corpora where the last one-paper author sits behind `et al.` on every page that shows the paper."""
    summary = Corpus(papers, seed).write(tmp_path)
    text = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.txt"))
    one = summary["authors_for_queries"]["one_paper"]  # type: ignore[index]
    assert one["papers"] == 1
    assert re.search(rf"(?:^|, |  • ){re.escape(one['printed'])}(?:,| et al\.| · |$)", text, re.MULTILINE)


def test_long_paper_lists_are_paginated_below_the_page_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A prolific author's papers span several pages of at most PAGE_ENTRIES entries (at 100k papers the top
    author has more than the loader's 2,000-entry cap), and together they still hold every paper of theirs."""
    monkeypatch.setattr(generate_module, "PAGE_ENTRIES", 5)
    summary = Corpus(150, seed=7).write(tmp_path)
    prolific = summary["authors_for_queries"]["most_prolific"]  # type: ignore[index]
    assert prolific["papers"] > 10
    titles: set[str] = set()
    owned = 0
    for path in sorted(tmp_path.glob("*.txt")):
        page = parse_page(path.read_text(encoding="utf-8"), path.name, AS_OF)
        if page.owner is not None:  # a profile or cluster page (listings have none)
            assert 1 <= len(page.entries) <= 5, path.name
        if page.owner is not None and page.owner.printed == prolific["printed"]:
            owned += 1
            titles.update(e.title for e in page.entries)
    assert owned >= 3 and len(titles) == prolific["papers"]


def test_year_less_dates_resolve_to_the_generated_day(tmp_path: Path) -> None:
    corpus = Corpus(60, seed=5, as_of=dt.date(2026, 3, 1))
    recent = dt.date(2025, 12, 24)
    assert corpus.printed_date(recent) == "Dec 24"
    assert corpus.printed_date(dt.date(2024, 12, 24)) == "Dec 24, 2024"
    assert corpus.printed_date(dt.date(2024, 2, 29)) == "Feb 29, 2024"
    summary = corpus.write(tmp_path)
    assert json.loads((tmp_path / "corpus.json").read_text(encoding="utf-8")) == summary


def test_rejects_an_empty_corpus() -> None:
    with pytest.raises(ValueError, match="--papers"):
        Corpus(0, seed=1)
