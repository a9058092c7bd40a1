"""Reconciliation candidates from the full-text index (`api/reconcile_index.py` `TextNames`): what a query
finds, typo tolerance, and the bound on its cost (searches and rows), on a real SQLite FTS5 index."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.api.reconcile_index import MAX_QUERY_TOKENS, POOL, SEARCH_LIMIT, Entry, TextNames
from scholarkg.api.reconcile_scoring import fold
from scholarkg.loader.text_index import TextIndex

NAMES = [
    "Kurt Keutzer",
    "Kurt Smith",
    "Anna Keutz",
    "Sehoon Kim",
    "Gabe Montague",
    "Amir Gholami",
    *(f"Kurt Person{i}" for i in range(12)),
]


class _Counting:
    def __init__(self, text: TextIndex) -> None:
        self.text = text
        self.calls: list[tuple[str, int]] = []

    def search(self, kind: str, query: str, limit: int) -> list[str]:
        self.calls.append((query, limit))
        return self.text.search(kind, query, limit)


class _Index:
    """What `TextNames` uses of `ReconcileIndex`: the engine's store's text index, `load` and `entry`."""

    def __init__(self, names: list[str]) -> None:
        text = TextIndex()
        text.replace_all((f"urn:p{i}", "person", name) for i, name in enumerate(names))
        self.counting = _Counting(text)
        self.engine = SimpleNamespace(store=SimpleNamespace(text=self.counting))
        self.entries = {
            f"urn:p{i}": Entry(iri=f"urn:p{i}", kind="person", name=n, texts=[fold(n)]) for i, n in enumerate(names)
        }
        self.loaded: list[str] = []

    def load(self, iris: list[str]) -> None:
        self.loaded.extend(iris)

    def entry(self, iri: str) -> Entry | None:
        return self.entries.get(iri)


def _names(names: TextNames, query: str, limit: int = 5) -> list[str]:
    return [entry.name for entry, _ in names.find(fold(query), limit)]


def test_a_typo_still_finds_the_person_through_bounded_searches() -> None:
    index = _Index(NAMES)
    names = TextNames("person", index)  # type: ignore[arg-type]
    found = names.find(fold("Kurt Keutzr"), 3)
    calls = list(index.counting.calls)
    assert found[0][0].name == "Kurt Keutzer"
    assert 0.9 < found[0][1] < 1.0
    assert "Sehoon Kim" not in _names(names, "Kurt Keutzr")
    assert calls[0] == ("kurt keutzr", SEARCH_LIMIT)  # all the words first
    assert calls[1] == ("kur keu", SEARCH_LIMIT)  # then the typo-tolerant forms
    assert len(calls) <= 2 + 2 * 2 and all(limit <= SEARCH_LIMIT for _, limit in calls)


def test_enough_hits_for_all_the_words_search_once() -> None:
    index = _Index(NAMES)
    names = TextNames("person", index)  # type: ignore[arg-type]
    found = _names(names, "kurt", 20)
    assert sorted(found) == sorted(["Kurt Keutzer", "Kurt Smith", *(f"Kurt Person{i}" for i in range(12))])
    assert len(index.counting.calls) == 1  # 14 hits ≥ FALLBACK_BELOW: no typo-tolerant search


def test_exact_name_first_and_a_weak_fuzzy_hit_dropped() -> None:
    names = TextNames("person", _Index(NAMES))  # type: ignore[arg-type]
    assert names.find(fold("sehoon kim"), 1)[0][0].name == "Sehoon Kim"
    assert names.find(fold("sehoon kim"), 1)[0][1] == 1.0
    assert _names(names, "Monarch") == []  # `mon*` finds Gabe Montague, but at 0.4 similarity: dropped
    assert _names(names, "Keutzer Kurt")[0] == "Kurt Keutzer"  # word order does not matter
    assert _names(names, "Sehoon Kim 0001")[0] == "Sehoon Kim"  # the homonym number is scored, not searched


def test_complete_pages_through_one_stable_list() -> None:
    names = TextNames("person", _Index(NAMES))  # type: ignore[arg-type]
    every = [e.name for e in names.complete("kurt pe", 0, 20)]
    assert sorted(every) == sorted(f"Kurt Person{i}" for i in range(12))
    pages = [e.name for start in range(0, 12, 5) for e in names.complete("kurt pe", start, 5)]
    assert pages == every
    assert [e.name for e in names.complete("kurt ke", 0, 5)] == ["Kurt Keutzer"]
    assert names.complete("  ", 0, 5) == []


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("kurtsehoimanzp 0'\"*():^-.")), max_size=60))
def test_any_query_costs_a_bounded_number_of_searches_and_rows(query: str) -> None:
    index = _Index(NAMES)
    names = TextNames("person", index)  # type: ignore[arg-type]
    found = names.find(fold(query), 10)
    assert len(found) <= 10
    assert len(index.counting.calls) <= 2 + 2 * MAX_QUERY_TOKENS
    assert all(limit <= SEARCH_LIMIT for _, limit in index.counting.calls)
    assert len(index.loaded) <= POOL
