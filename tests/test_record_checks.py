"""loader/record_checks.py: broken pages are refused with file:line; a mutated seed either fails cleanly or
loads a subset of the original's facts (hypothesis, bounded)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scholarkg.loader.errors import LoaderError, PageError
from scholarkg.loader.pages import decode_source, parse_page
from scholarkg.loader.records import Page

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
AS_OF = dt.date(2026, 11, 23)


def _parse(text: str, label: str = "page.txt") -> Page:
    source = decode_source(label, text.encode("utf-8"))
    return parse_page(source.text, label, AS_OF)


def facts(page: Page) -> set[tuple[object, ...]]:
    out: set[tuple[object, ...]] = set()
    if page.owner is not None:
        out.add(("owner", page.owner.name))
    for e in page.entries:
        out.add(("title", e.title))
        out |= {("author", e.title, a.name, a.homonym) for a in e.authors}
        out |= {("org", e.title, o) for o in e.organizations}
        out |= {
            ("fact", e.title, k, str(v))
            for k, v in (
                ("abstract", e.abstract),
                ("published", e.published),
                ("year", e.year),
                ("category", e.category_code),
            )
            if v
        }
    return out


ORIGINAL = {path.name: facts(_parse(path.read_text("utf-8"), path.name)) for path in SEEDS}
LINES = {path.name: path.read_text("utf-8").split("\n") for path in SEEDS}


def _line(seed: str, number: int) -> str:
    return LINES[seed][number - 1]


def test_a_deleted_line_does_not_turn_an_abstract_into_names() -> None:
    """`sed '15d'` on the first seed: the abstract moved up into the author line's place."""
    seed = SEEDS[0].name
    lines = list(LINES[seed])
    del lines[14]
    with pytest.raises(PageError) as caught:
        _parse("\n".join(lines), seed)
    assert caught.value.line is not None and caught.value.source == seed


def test_a_duplicated_entry_header_is_refused() -> None:
    seed = SEEDS[0].name
    lines = list(LINES[seed])
    header = next(i for i, text in enumerate(lines) if text.startswith("LGApr 1, 2022"))
    lines.insert(header + 1, lines[header])
    with pytest.raises(PageError, match=r"entry header|line"):
        _parse("\n".join(lines), seed)


def test_control_characters_are_refused_or_stripped() -> None:
    seed = SEEDS[0].name
    text = "\n".join(LINES[seed])
    with pytest.raises(PageError, match=r"U\+0007") as caught:
        _parse(text.replace("Monarch:", "Mon\x07arch:", 1), seed)
    assert caught.value.line == next(i for i, t in enumerate(LINES[seed], 1) if "Monarch:" in t)
    cleaned = _parse(text.replace("Monarch:", "Mon\u200barch:", 1).replace("Tri Dao,", "Tri\tDao,", 1), seed)
    assert facts(cleaned) == ORIGINAL[seed]


def test_an_author_twice_in_one_list_is_refused() -> None:
    seed = SEEDS[0].name
    text = "\n".join(LINES[seed]).replace("Tri Dao, Beidi Chen,", "Tri Dao, Beidi Chen, Tri Dao,", 1)
    with pytest.raises(PageError, match="listed twice"):
        _parse(text, seed)


def test_an_abstract_as_title_and_invented_organisations_are_refused() -> None:
    from scholarkg.loader.record_checks import _check_entry
    from scholarkg.loader.records import Entry

    with pytest.raises(PageError, match="characters"):
        _check_entry(Entry(index=1, line=3, title="x" * 1500), "p.txt", 2027)
    with pytest.raises(PageError, match="organisation"):
        _check_entry(Entry(index=1, line=3, title="T", organizations=("meta-ai Zhenglun Kong",)), "p.txt", 2027)
    with pytest.raises(PageError, match="year"):
        _check_entry(Entry(index=1, line=3, title="T", year=3024), "p.txt", 2027)


_OPS = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "truncate", "control"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\t"]),
)


def _mutate(seed: str, ops: list[tuple[str, int, int, str]]) -> str:
    lines = list(LINES[seed])
    for kind, a, b, char in ops:
        i = a % max(1, len(lines) - 1)
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif kind == "truncate":
            lines = lines[: max(1, i)]
        elif kind == "control":
            j = b % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + char + lines[i][j:]
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([p.name for p in SEEDS[:4]]), st.lists(_OPS, min_size=1, max_size=2))
def test_a_mutated_seed_fails_cleanly_or_loads_a_subset(seed: str, ops: list[tuple[str, int, int, str]]) -> None:
    """One or two edits (delete, duplicate or swap a line, truncate, insert a control character) of a seed (the
    5th, large one is left out to keep examples quick)."""
    try:
        page = _parse(_mutate(seed, ops), seed)
    except LoaderError as error:
        assert str(error).startswith(seed)
        return
    extra = facts(page) - ORIGINAL[seed]
    assert not extra, sorted(map(str, extra))[:5]
