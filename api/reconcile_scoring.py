"""Reconciliation scoring: name folding, name similarity (rapidfuzz), feature combination, the match rule.

Pure functions over plain values, documented in the README ("Reconcile from OpenRefine" → scoring):

- Names and titles are *folded* before comparing: Unicode NFKD with accents dropped, case-folded, every run
  of punctuation or whitespace made one space (so dblp's trailing period, `Déjà` / `Deja`, `Vu:` / `Vu`
  compare equal).
- `name` feature: the best of rapidfuzz `ratio` and `token_sort_ratio` on the folded texts, 0–1 (word
  order does not matter: `Keutzer Kurt` = `Kurt Keutzer`).
- Each property in the query gives a feature in 0–1 (the share of the supplied values the candidate has).
- `score` = 100 × (name + Σ property features) / (1 + number of properties): a disagreeing property pulls an
  exact name down to 50 with one property.
- `match: true` for at most one candidate per query (see `decide_match`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
MATCH_MIN_SCORE = 90.0  # the top candidate needs at least this score …
MATCH_MARGIN = 10.0  # … and this lead over the runner-up
FUZZY_NAME_MATCH = 0.9  # a non-exact name matches only with every supplied property agreeing


def fold(text: str) -> str:
    """Comparable form: accents dropped, case-folded, punctuation and whitespace runs → one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def tokens(folded: str) -> list[str]:
    return folded.split()


def name_similarity(query: str, texts: Sequence[str]) -> float:
    """Best similarity (0–1) of the folded `query` to any of the candidate's folded `texts`."""
    best = 0.0
    for text in texts:
        if text == query:
            return 1.0
        best = max(best, fuzz.ratio(query, text) / 100, fuzz.token_sort_ratio(query, text) / 100)
    return best


@dataclass
class Scored:
    """One candidate's evidence: the name similarity, one value per query property, identifier hits."""

    key: str
    name: float | None  # None when the query had no name
    exact_name: bool
    properties: dict[str, float] = field(default_factory=dict)
    identifier: bool = False  # an identifier property named exactly this entity
    score: float = 0.0
    match: bool = False

    def features(self) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        if self.name is not None:
            found.append({"id": "name", "value": round(self.name, 4)})
        found.extend({"id": pid, "value": round(value, 4)} for pid, value in self.properties.items())
        found.append({"id": "identifier", "value": self.identifier})
        return found


def combine(candidate: Scored) -> float:
    """The score (0–100): identifier hits score 100; else the mean of name and property features."""
    if candidate.identifier:
        return 100.0
    parts = list(candidate.properties.values())
    if candidate.name is not None:
        parts.insert(0, candidate.name)
    score = 100 * sum(parts) / len(parts) if parts else 0.0
    return round(score, 2)


def decide_match(ranked: Sequence[Scored]) -> None:
    """Set `match` on the unambiguous candidate, if any; `ranked` is sorted by descending score.

    The rule: only the top candidate can match, and only when
    1. an identifier property named it and no other candidate, or
    2. its name is exactly the query (folded), or ≥ 0.9 similar with every supplied property fully agreeing,
       its score is ≥ 90, and it leads the runner-up by ≥ 10 points (two `Sehoon Kim` with equal evidence
       tie, so neither matches).
    """
    for candidate in ranked:
        candidate.match = False
    if not ranked:
        return
    top = ranked[0]
    identified = [c for c in ranked if c.identifier]
    if identified:
        top.match = len(identified) == 1 and identified[0] is top
        return
    props = list(top.properties.values())
    name_ok = top.exact_name or (
        top.name is not None and top.name >= FUZZY_NAME_MATCH and bool(props) and all(v >= 1.0 for v in props)
    )
    if top.name is None:  # a query by properties only: never a certain match without an identifier
        name_ok = False
    lead = top.score - ranked[1].score if len(ranked) > 1 else top.score
    top.match = name_ok and top.score >= MATCH_MIN_SCORE and lead >= MATCH_MARGIN
