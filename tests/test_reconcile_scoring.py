"""Unit tests: folding, name similarity, the match rule, identifier keys, the name index, batch parsing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.api.errors import ApiError
from scholarkg.api.reconcile import BATCH_SIZE, parse_batch
from scholarkg.api.reconcile_index import Entry, NameIndex, identifier_key
from scholarkg.api.reconcile_scoring import Scored, combine, decide_match, fold, name_similarity


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Deja Vu: Contextual Sparsity.", "deja vu contextual sparsity"),
        ("Déjà  VU", "deja vu"),
        ("Michael W. Mahoney", "michael w mahoney"),
        ("  ", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_name_similarity() -> None:
    assert name_similarity("kurt keutzer", ["kurt keutzer"]) == 1.0
    assert name_similarity("keutzer kurt", ["kurt keutzer"]) == 1.0  # word order
    assert name_similarity("kurt keutzr", ["kurt keutzer"]) == pytest.approx(0.9565, abs=1e-3)
    assert name_similarity("sehoon kim", ["tianlong chen"]) < 0.5
    assert name_similarity("x", []) == 0.0


def scored(key: str, name: float | None, exact: bool = False, **props: float) -> Scored:
    candidate = Scored(key=key, name=name, exact_name=exact, properties=dict(props))
    candidate.score = combine(candidate)
    return candidate


def test_combine_is_the_mean_of_name_and_properties() -> None:
    assert scored("a", 1.0, True).score == 100.0
    assert scored("a", 1.0, True, coauthor=0.0).score == 50.0
    assert scored("a", 1.0, True, year=0.0, organization=0.0).score == pytest.approx(33.33, abs=0.01)
    identified = Scored(key="a", name=0.2, exact_name=False, identifier=True)
    assert combine(identified) == 100.0


def test_tied_homonyms_do_not_match() -> None:
    ranked = [scored("a", 1.0, True), scored("b", 1.0, True)]
    decide_match(ranked)
    assert [c.match for c in ranked] == [False, False]


def test_exact_unique_name_matches_and_typo_does_not() -> None:
    ranked = [scored("a", 1.0, True), scored("b", 0.6)]
    decide_match(ranked)
    assert [c.match for c in ranked] == [True, False]
    typo = [scored("a", 0.96)]
    decide_match(typo)
    assert typo[0].match is False
    supported = [scored("a", 0.96, coauthor=1.0), scored("b", 0.7, coauthor=0.0)]
    decide_match(supported)
    assert supported[0].match is True  # a near name with every property agreeing


def test_identifier_shared_by_two_candidates_matches_neither() -> None:
    a = Scored(key="a", name=1.0, exact_name=True, identifier=True)
    b = Scored(key="b", name=0.5, exact_name=False, identifier=True)
    for c in (a, b):
        c.score = combine(c)
    decide_match([a, b])
    assert (a.match, b.match) == (False, False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.booleans(), st.lists(st.floats(0, 1), max_size=3), st.booleans()),
        max_size=8,
    )
)
def test_at_most_one_match_and_only_the_top(candidates: list[tuple[float, bool, list[float], bool]]) -> None:
    ranked = []
    for i, (name, exact, props, identifier) in enumerate(candidates):
        c = Scored(
            key=str(i),
            name=1.0 if exact else name,
            exact_name=exact,
            properties={f"p{j}": v for j, v in enumerate(props)},
            identifier=identifier,
        )
        c.score = combine(c)
        ranked.append(c)
    ranked.sort(key=lambda c: -c.score)
    decide_match(ranked)
    matched = [c for c in ranked if c.match]
    assert len(matched) <= 1
    if matched:
        assert matched[0] is ranked[0]


@pytest.mark.parametrize(
    ("value", "scheme", "key"),
    [
        ("https://orcid.org/0000-0002-1825-0097", None, "orcid:0000-0002-1825-0097"),
        ("0000-0002-1694-233x", "orcid", "orcid:0000-0002-1694-233X"),
        ("0000-0002-1825-0098", "orcid", None),  # wrong check character
        ("0000-0002-1825-0097", None, None),  # a bare form needs the property to name its scheme
        ("https://doi.org/10.48550/ARXIV.2310.17157", None, "doi:10.48550/arxiv.2310.17157"),
        ("doi:10.1145/3-X", "doi", "doi:10.1145/3-x"),
        ("arXiv:2310.17157v2", "arxiv", "arxiv:2310.17157"),
        ("https://arxiv.org/abs/hep-th/9901001", None, "arxiv:hep-th/9901001"),
        ("Q42", "wikidata", "wikidata:Q42"),
        ("http://www.wikidata.org/entity/Q42", None, "wikidata:Q42"),
        ("https://www.wikidata.org/wiki/Q42", None, "wikidata:Q42"),
        ("72/3011-1", "dblp", "dblp:pid/72/3011-1"),
        ("https://dblp.org/pid/k/KurtKeutzer.html", None, "dblp:pid/k/KurtKeutzer"),
        ("https://dblp.org/rec/conf/icml/LiuWD23", None, "dblp:rec/conf/icml/LiuWD23"),
        ("https://openalex.org/A5023888391", None, "openalex:A5023888391"),
        ("Q42", "orcid", None),
        ("https://example.org/Q42", None, None),
    ],
)
def test_identifier_key(value: str, scheme: str | None, key: str | None) -> None:
    assert identifier_key(value, scheme) == key


def _index(*names: str) -> NameIndex:
    entries = [Entry(iri=f"urn:{i}", kind="person", name=n, texts=[fold(n)]) for i, n in enumerate(names)]
    return NameIndex(entries)


def test_index_candidates_tolerate_typos_and_rank_exact_first() -> None:
    index = _index("Kurt Keutzer", "Kurt Smith", "Anna Keutz", "Sehoon Kim")
    found = index.candidates(fold("Kurt Keutzr"), 3)
    assert index.entries[found[0][0]].name == "Kurt Keutzer"
    assert all(index.entries[i].name != "Sehoon Kim" for i, _ in found)
    exact = index.candidates(fold("sehoon kim"), 1)
    assert [(index.entries[i].name, s) for i, s in exact] == [("Sehoon Kim", 1.0)]
    assert index.candidates(fold("zzzz qqqq"), 5) == []


def test_index_prefix_completes_the_last_word() -> None:
    index = _index("Kurt Keutzer", "Kurt Smith", "Keanu Reeves")
    assert [index.entries[i].name for i in index.prefix("kurt ke", 0, 10)] == ["Kurt Keutzer"]
    assert [index.entries[i].name for i in index.prefix("ke", 0, 10)] == ["Keanu Reeves", "Kurt Keutzer"]
    assert [index.entries[i].name for i in index.prefix("ke", 1, 10)] == ["Kurt Keutzer"]
    assert index.prefix("  ", 0, 10) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 500) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_JSON, st.dictionaries(st.text(max_size=5), _JSON, max_size=4), st.text(max_size=40)))
def test_parse_batch_never_fails_other_than_a_client_error(document: object) -> None:
    raw = document if isinstance(document, str) else json.dumps(document)
    try:
        batch = parse_batch(raw)
    except ApiError as error:
        assert error.status in (413, 422)
        return
    assert isinstance(batch, dict) and len(batch) <= BATCH_SIZE
    for query in batch.values():
        assert (query.query or "").strip() or query.properties
