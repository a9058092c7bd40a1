"""`scholarkg link variants`: name-variant candidates inside our graph, with evidence; names compatibility."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.linking.local import LocalGraph, LocalPaper, LocalPerson, read_local
from scholarkg.linking.names import name_compatibility, normalize_title, split_homonym
from scholarkg.linking.variants import propose_variants
from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore

IRIS = Iris(DEFAULT_BASE)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Michael Mahoney", "Michael W. Mahoney", 0.85),
        ("Coleman Hooper", "Coleman Richard Charles Hooper", 0.85),
        ("Joey Gonzalez", "Joseph Gonzalez", 0.75),
        ("Joey Gonzalez", "Joseph E. Gonzalez", 0.75),
        ("Sehoon Kim", "Sehoon Kim 0001", 1.0),
        ("XINGYANG LI", "Xingyang Li", 1.0),
        ("Björn W. Schuller", "Bjorn Schuller", 0.85),
        ("Kai-Wei Chang", "Kaiwei Chang", 0.95),
        ("Amir Gholami", "Amir Gholaminejad", 0.0),  # a different family name is not a variant
        ("Michael W. Mahoney", "Michael J. Mahoney", 0.0),  # conflicting middle initials
        ("Sheng Shen", "Shen Sheng", 0.0),
    ],
)
def test_name_compatibility(a: str, b: str, expected: float) -> None:
    assert name_compatibility(a, b) == expected
    assert name_compatibility(b, a) == expected


def test_titles_and_homonyms() -> None:
    assert normalize_title("SqueezeLLM: Dense-and-Sparse Quantization.") == "squeezellm dense and sparse quantization"
    assert split_homonym("Sehoon Kim 0001") == ("Sehoon Kim", "0001")
    assert split_homonym("Sehoon Kim") == ("Sehoon Kim", None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_name_compatibility_is_symmetric_and_bounded(a: str, b: str) -> None:
    score = name_compatibility(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_compatibility(b, a)


@pytest.fixture(scope="module")
def proposals(loaded_store: GraphStore) -> dict[frozenset[str], object]:
    return {frozenset((link.subject, link.object)): link for link in propose_variants(read_local(loaded_store))}


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((IRIS.person(*split_homonym(a)).value, IRIS.person(*split_homonym(b)).value))


def test_variants_in_the_seeds(proposals: dict[frozenset[str], object]) -> None:
    mahoney = proposals[_pair("Michael Mahoney", "Michael W. Mahoney")]
    assert (mahoney.status, mahoney.method, mahoney.score) == ("candidate", "name-variant", 0.855)  # type: ignore[attr-defined]
    kinds = [e.kind for e in mahoney.evidence]  # type: ignore[attr-defined]
    assert kinds[0] == "name" and kinds.count("shared-coauthor") == 8
    assert IRIS.person("Kurt Keutzer").value in {e.value for e in mahoney.evidence}  # type: ignore[attr-defined]
    joey = proposals[_pair("Joey Gonzalez", "Joseph Gonzalez")]
    assert joey.score == 0.625  # type: ignore[attr-defined]
    sehoon = proposals[_pair("Sehoon Kim", "Sehoon Kim 0001")]
    assert sehoon.score == 0.9 and sehoon.status == "candidate"  # type: ignore[attr-defined]
    assert _pair("Amir Gholami", "Amir Gholaminejad") not in proposals
    # every proposal is a candidate with evidence, derived from the source pages that name the persons
    for link in proposals.values():
        assert link.status == "candidate" and link.evidence and link.sources  # type: ignore[attr-defined]
        assert all(s.iri.startswith(f"{DEFAULT_BASE}id/source/") for s in link.sources)  # type: ignore[attr-defined]
    assert len(proposals) == 13


def _person(iri: str, name: str, papers: set[str], homonym: str | None = None) -> LocalPerson:
    return LocalPerson(iri, name, homonym, papers=papers, categories={"c"}, sources={"https://x/id/source/p"})


def test_case_only_variant_and_never_a_namesake_or_other_homonym() -> None:
    papers = {
        "p1": LocalPaper("p1", "One", 2024, {1: "a", 2: "k"}),
        "p2": LocalPaper("p2", "Two", 2025, {1: "b", 2: "k"}),
        "p3": LocalPaper("p3", "Three", 2025, {1: "c"}),
        "p4": LocalPaper("p4", "Four", 2025, {1: "d", 2: "k"}),
        "p5": LocalPaper("p5", "Five", 2025, {1: "e", 2: "k"}),
    }
    persons = {
        "a": _person("a", "XINGYANG LI", {"p1"}),
        "b": _person("b", "Xingyang Li", {"p2"}),
        "c": _person("c", "Xingyang Li", {"p3"}),  # a namesake without shared co-author or paper
        "d": _person("d", "Wei Wang", {"p4"}, "0001"),
        "e": _person("e", "Wei Wang", {"p5"}, "0002"),  # different homonym numbers: two people
        "k": _person("k", "Kurt Keutzer", {"p1", "p2", "p4", "p5"}),
    }
    local = LocalGraph(papers, persons, {}, {}, {})
    found = {frozenset((link.subject, link.object)): link for link in propose_variants(local)}
    assert set(found) == {frozenset(("a", "b"))}
    (evidence, *_) = found[frozenset(("a", "b"))].evidence
    assert "(case-only)" in evidence.comment
