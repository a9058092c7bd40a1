"""loader/record_checks.py and the parsers' shape checks: every reproduction of issue 7 §3 is refused with
file:line and leaves the store unchanged; the per-page caps name their limit; a mutated seed either fails
cleanly or loads a subset of the original's facts (hypothesis, bounded and derandomized for CI)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Quad

from scholarkg.loader import cluster_page, profile_page
from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_bytes
from scholarkg.loader.names import author_name
from scholarkg.loader.pages import decode_source, parse_page
from scholarkg.loader.record_checks import (
    MAX_ENTRIES,
    MAX_LINE_CHARS,
    MAX_LINES,
    MAX_NAMES,
    MAX_TITLE_CHARS,
    _check_entry,
    _check_name,
)
from scholarkg.loader.records import Entry, Page
from scholarkg.loader.store import GraphStore

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
AS_OF = dt.date(2026, 11, 23)
PROFILE, PROFILE_14, LISTING, CLUSTER, PROFILE_247 = (path.name for path in SEEDS)
IRIS = Iris("https://x.test/")


def _parse(text: str, label: str) -> Page:
    source = decode_source(label, text.encode("utf-8"))
    return parse_page(source.text, label, AS_OF)


def facts(page: Page) -> set[tuple[object, ...]]:
    """What a page says about the world, independent of where on the page it says it (entry positions shift when
    a line is deleted). Author-list completeness is included except on cluster pages: there a deleted bullet line
    in a list shown in full is indistinguishable from a shorter list (see the README, "Limits and safety")."""
    out: set[tuple[object, ...]] = set()
    if page.owner is not None:
        out.add(("owner", page.owner.name, page.owner.homonym))
    out |= {("page", k, str(v)) for k, v in (("category", page.primary_category_code), ("metrics", page.metrics)) if v}
    out |= {("page", "listing", str(page.listing_date))} if page.listing_date else set()
    for e in page.entries:
        out.add(("title", e.title))
        out |= {("author", e.title, a.name, a.homonym) for a in e.authors}
        out |= {("org", e.title, o) for o in e.organizations}
        out |= {("repo", e.title, r) for r in e.code_repositories}
        if page.format != "author-cluster":
            out.add(("complete", e.title, e.author_list_complete))
        out |= {
            ("fact", e.title, k, str(v))
            for k, v in (
                ("abstract", e.abstract),
                ("published", e.published),
                ("year", e.year),
                ("category", e.category_code),
                ("score", e.trending_score),
                ("code", e.has_code),
                ("count", e.author_count),
                ("upvotes", e.upvotes),
                ("venue", e.venue),
            )
            if v is not None
        }
    return out


LINES = {path.name: path.read_text("utf-8").split("\n") for path in SEEDS}
ORIGINAL = {name: facts(_parse("\n".join(lines), name)) for name, lines in LINES.items()}


def _text(seed: str, edit: Callable[[list[str]], None]) -> str:
    lines = list(LINES[seed])
    edit(lines)
    return "\n".join(lines)


def _number(seed: str, startswith: str) -> int:
    """1-based number of the first line of `seed` that starts with `startswith`."""
    return next(i for i, text in enumerate(LINES[seed], 1) if text.startswith(startswith))


@pytest.fixture(scope="module")
def seeded_store() -> GraphStore:
    store = GraphStore.in_memory()
    for path in SEEDS:
        assert load_bytes(store, path.name, path.read_bytes(), as_of=AS_OF, iris=IRIS).ok
    return store


def _refused(store: GraphStore, seed: str, text: str | bytes, *, line: int | None, reason: str) -> PageError:
    """Loading `text` as `seed` is refused with `seed:line: …reason…`, and the store keeps every quad it had."""
    before: set[Quad] = set(store.store)
    data = text.encode("utf-8") if isinstance(text, str) else text
    result = load_bytes(store, seed, data, as_of=AS_OF, iris=IRIS)
    assert not result.ok and result.error is not None and result.quads == 0
    error = result.error
    assert error.source == seed and error.line == line, str(error)
    assert str(error).startswith(f"{seed}:{line}: " if line is not None else f"{seed}: ")
    assert reason in error.reason, str(error)
    assert set(store.store) == before
    return error


def test_the_seeds_pass_every_check(seeded_store: GraphStore) -> None:
    assert {g.value.rpartition("/")[2] for g in seeded_store.store.named_graphs()} >= {p.stem for p in SEEDS}
    assert all(ORIGINAL.values())


# --- issue 7 §3, one test per reproduction ----------------------------------------------------------------------


def test_sed_15d_does_not_store_abstract_sentences_as_names(seeded_store: GraphStore) -> None:
    """`sed '15d'` deletes the author line of the first entry: the abstract took its place as the author list."""
    assert LINES[PROFILE][14] == "Tri Dao, Beidi Chen, Nimit Sohoni et al."
    error = _refused(seeded_store, PROFILE, _text(PROFILE, lambda ls: ls.pop(14)), line=12, reason="author name")
    assert "no name has" in error.reason or "words" in error.reason


def test_a_duplicated_entry_header_never_lands_in_a_title(seeded_store: GraphStore) -> None:
    """The line `LGApr 1, 2022` twice: it was stored as the title `LGApr 1, 2022 Monarch: …`."""
    header = _number(PROFILE, "LGApr 1, 2022")
    text = _text(PROFILE, lambda ls: ls.insert(header, ls[header - 1]))
    _refused(seeded_store, PROFILE, text, line=header + 1, reason="looks like an entry header: 'LGApr 1, 2022'")
    # A duplicated header with a blank line between is an entry without a title.
    text = _text(PROFILE, lambda ls: ls.__setitem__(slice(header - 1, header - 1), [ls[header - 1], ""]))
    _refused(seeded_store, PROFILE, text, line=header, reason="not followed by a title")


@pytest.mark.parametrize(
    ("char", "reason"),
    [
        ("\x07", "U+0007"),
        ("\x1b", "U+001B"),
        ("\x0b", "U+000B"),
        ("\x7f", "U+007F"),
        ("\x85", "U+0085"),
        ("\u2028", "U+2028"),
        ("\r", "U+000D"),
        ("\t", "a tab inside a line"),
    ],
)
def test_control_characters_are_refused_with_their_line(seeded_store: GraphStore, char: str, reason: str) -> None:
    title = _number(PROFILE, "Monarch:")
    text = "\n".join(LINES[PROFILE]).replace("Monarch:", f"Mon{char}arch:", 1)
    _refused(seeded_store, PROFILE, text, line=title, reason=reason)


def test_a_nul_byte_is_a_binary_file(seeded_store: GraphStore) -> None:
    text = "\n".join(LINES[PROFILE]).replace("Monarch:", "Mon\x00arch:", 1)
    _refused(seeded_store, PROFILE, text, line=None, reason="binary")


def test_harmless_characters_are_stripped_and_change_no_fact() -> None:
    """Format characters are removed, CRLF is LF, a tab at either end of a line is indentation."""
    text = "\n".join(LINES[PROFILE])
    edited = (
        text.replace("Monarch:", "Mon\u200barch:", 1)
        .replace("Tri Dao,", "Tri\u00adDao,", 1)
        .replace("Structured", "\u202eStructured\u202c", 1)
        .replace("\n", "\r\n")
        .replace("CV\r\n", "\tCV\t\r\n", 1)
    )
    assert "Tri\u00adDao" in edited
    page = _parse("\ufeff" + edited, PROFILE)
    assert facts(page) - {("author", page.entries[0].title, "TriDao", None)} == ORIGINAL[PROFILE] - {
        ("author", page.entries[0].title, "Tri Dao", None)
    }  # a soft hyphen is removed, not turned into a space
    assert [a.name for a in page.entries[0].authors] == ["TriDao", "Beidi Chen", "Nimit Sohoni"]
    assert page.entries[0].title == "Monarch: Expressive Structured Matrices for Efficient and Accurate Training"
    cluster = "\n".join(f"\t{line}" if line.startswith("  •") else line for line in LINES[CLUSTER])
    assert facts(_parse(cluster, CLUSTER)) == ORIGINAL[CLUSTER]


def test_a_cluster_list_that_lost_its_owner_is_not_marked_complete(seeded_store: GraphStore) -> None:
    """Deleting `• Kurt Keutzer` from a list of seven left a list of six marked complete; deleting one name of
    the eight shown for QuantSpec (which hides Kurt Keutzer) flipped the list to complete."""
    dobi = _number(CLUSTER, "Dobi-SVD:") - 2  # the entry's venue line
    assert LINES[CLUSTER][dobi - 1] == "ICLR Conference 2025 Conference Paper"
    assert LINES[CLUSTER][dobi + 1].startswith("Dobi-SVD")
    owner = dobi + 7
    assert LINES[CLUSTER][owner - 1] == "  • Kurt Keutzer"
    _refused(seeded_store, CLUSTER, _text(CLUSTER, lambda ls: ls.pop(owner - 1)), line=dobi, reason="not the cluster's")
    quant = _number(CLUSTER, "QuantSpec") - 2
    assert LINES[CLUSTER][quant + 3] == "  • Rishabh Tiwari"
    _refused(
        seeded_store, CLUSTER, _text(CLUSTER, lambda ls: ls.pop(quant + 3)), line=quant, reason="not the cluster's"
    )


def test_an_author_twice_in_one_list_is_refused(seeded_store: GraphStore) -> None:
    text = "\n".join(LINES[PROFILE]).replace("Tri Dao, Beidi Chen,", "Tri Dao, Beidi Chen, Tri Dao,", 1)
    _refused(seeded_store, PROFILE, text, line=12, reason="listed twice")
    text = "\n".join(LINES[PROFILE]).replace("Tri Dao, Beidi Chen,", "Tri Dao, Beidi Chen, TRI  DAO,", 1)
    _refused(seeded_store, PROFILE, text, line=12, reason="listed twice")
    bullet = _number(CLUSTER, "  • Jinghan Ke")
    venue = _number(CLUSTER, "NeurIPS Conference 2025 Conference Paper")
    text = _text(CLUSTER, lambda ls: ls.insert(bullet + 1, ls[bullet - 1]))  # after the next name
    _refused(seeded_store, CLUSTER, text, line=venue, reason="listed twice")
    text = _text(CLUSTER, lambda ls: ls.insert(bullet, ls[bullet - 1]))  # right after itself
    _refused(seeded_store, CLUSTER, text, line=bullet + 1, reason="repeats its line")


def test_an_abstract_is_not_stored_as_a_title(seeded_store: GraphStore) -> None:
    """Deleting a listing entry's title line made its abstract (1,453–1,901 characters) the title."""
    title = _number(LISTING, "SplitMeanFlow:")
    text = _text(LISTING, lambda ls: ls.pop(title - 1))  # the blank line moves up: the abstract starts the entry
    error = _refused(seeded_store, LISTING, text, line=title + 1, reason="title")
    assert f"at most {MAX_TITLE_CHARS}" in error.reason
    with pytest.raises(PageError, match="characters"):
        _check_entry(Entry(index=1, line=3, title="x" * 1500), "p.txt", 2027)


def test_a_19_mb_line_is_refused_before_parsing(seeded_store: GraphStore) -> None:
    title = _number(PROFILE, "Monarch:")
    text = _text(PROFILE, lambda ls: ls.__setitem__(title - 1, "A" * (19 * 1024 * 1024)))
    error = _refused(seeded_store, PROFILE, text, line=title, reason=f"more than the {MAX_LINE_CHARS} allowed")
    assert str(19 * 1024 * 1024) in error.reason


def test_two_names_are_never_merged_into_one(seeded_store: GraphStore) -> None:
    """A duplicated author line `Alexander Liu, Samuel Yang` made the name `Samuel Yang Alexander Liu`."""
    line = _number(PROFILE, "Alexander Liu, Samuel Yang")
    text = _text(PROFILE, lambda ls: ls.insert(line, ls[line - 1]))
    _refused(seeded_store, PROFILE, text, line=line + 1, reason="author line repeats its line")


def test_organisations_are_never_invented(seeded_store: GraphStore) -> None:
    """A duplicated `Zhenglun Kong, … · harvard, meta-ai` line made the organisation `meta-ai Zhenglun Kong`."""
    line = _number(PROFILE_247, "Zhenglun Kong, Haoyu Ma")
    text = _text(PROFILE_247, lambda ls: ls.insert(line, ls[line - 1]))
    _refused(seeded_store, PROFILE_247, text, line=line + 1, reason="author line repeats its line")
    with pytest.raises(PageError, match="organisation"):
        _check_entry(Entry(index=1, line=3, title="T", organizations=("meta-ai Zhenglun Kong",)), "p.txt", 2027)


def test_a_swapped_bullet_never_lands_in_a_title(seeded_store: GraphStore) -> None:
    """Swapping the blank line after `Large Language Models are Visual Reasoning Coordinators` with the first
    bullet made the title `… Coordinators • Liangyu Chen`."""
    title = _number(CLUSTER, "Large Language Models are Visual Reasoning Coordinators")

    def swap(ls: list[str]) -> None:
        ls[title], ls[title + 1] = ls[title + 1], ls[title]

    _refused(
        seeded_store,
        CLUSTER,
        _text(CLUSTER, swap),
        line=title + 1,
        reason="title has a line that looks like a bulleted author name",
    )


def test_the_count_line_must_agree_with_the_entries(seeded_store: GraphStore) -> None:
    """A missing entry, or a page that ends inside one, is an error (never a load with a warning)."""
    driving = _number(PROFILE, "CVJul 20, 2023")
    text = _text(PROFILE, lambda ls: ls.__delitem__(slice(driving - 1, driving + 6)))  # the whole entry
    _refused(seeded_store, PROFILE, text, line=_last(text, profile_page.HEADER), reason="says 7 papers")
    cut = _number(CLUSTER, "ICML Conference 2018 Conference Paper")
    text = _text(CLUSTER, lambda ls: ls.__delitem__(slice(cut - 1, None)))
    _refused(seeded_store, CLUSTER, text, line=_last(text, cluster_page.VENUE), reason="says 61 papers")
    # The last entry's title line is the end of the file: the author list is missing.
    text = "\n".join(LINES[LISTING][: _number(LISTING, "ED-ViT:")])
    _refused(seeded_store, LISTING, text, line=_number(LISTING, "ED-ViT:"), reason="lacks its")


def test_a_profile_lists_all_its_papers_or_its_first_50(seeded_store: GraphStore) -> None:
    assert len(_parse(_profile(1, entries=60), "all.txt").entries) == 60
    assert len(_parse(_profile(1, entries=50, declared=60), "first.txt").entries) == 50
    text = _profile(1, entries=49, declared=60)
    _refused(seeded_store, "short.txt", text, line=_last(text, profile_page.HEADER), reason="so 60 or 50 listed")
    text = _profile(1, entries=50, declared=50 - 1)
    _refused(seeded_store, "long.txt", text, line=_last(text, profile_page.HEADER), reason="so 49 listed")


def _last(text: str, pattern: re.Pattern[str]) -> int:
    """Number of the last line of `text` that matches `pattern` (the last entry's first line)."""
    return max(i for i, line in enumerate(text.split("\n"), 1) if pattern.match(line))


@pytest.mark.parametrize(
    "name",
    [
        "danah boyd",
        "Maria de los Angeles de la Cruz",
        "Ludwig van der Berg",
        "Yao Lu 0006",
        "Michael W. Mahoney",
        "XINGYANG LI",
        "Jean-Baptiste O'Neil",
    ],
)
def test_real_name_shapes_are_accepted(name: str) -> None:
    _check_name(author_name(name), "p.txt", 3, "author name")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("and the model learns", "lower case"),
        ("we propose a Transformer", "lower case"),
        ("Wikitext-103 language modeling by 2x", "'1'"),
        ("(e.g. sparse", "'('"),
        ("To address these issues we propose a class", "words"),
        ("in a minimum of half the test scenarios.", "words"),
        ("A" * 81, "characters"),
        ("Alexander Liu · meta-ai", "'·'"),
        ("ends with a sentence.", "like a sentence"),
    ],
)
def test_sentence_shapes_are_not_names(name: str, reason: str) -> None:
    with pytest.raises(PageError, match=re.escape(reason)) as caught:
        _check_name(author_name(name), "p.txt", 3, "author name")
    assert str(caught.value).startswith("p.txt:3: author name")


def test_years_and_slugs_have_bounds() -> None:
    with pytest.raises(PageError, match="year 3024"):
        _check_entry(Entry(index=1, line=3, title="T", year=3024), "p.txt", 2027)
    with pytest.raises(PageError, match="year 1066"):
        _check_entry(Entry(index=1, line=3, title="T", year=1066), "p.txt", 2027)
    with pytest.raises(PageError, match="organisation"):
        _check_entry(Entry(index=1, line=3, title="T", organizations=("Meta AI",)), "p.txt", 2027)


# --- per-page caps -----------------------------------------------------------------------------------------------


def _letters(i: int, width: int) -> str:
    out = ""
    for _ in range(width):
        out += "abcdefghijklmnopqrstuvwxyz"[i % 26]
        i //= 26
    return out.capitalize()


def _profile(names: int, entries: int = 1, declared: int | None = None) -> str:
    """A profile page with `entries` entries listing `names` distinct names each on their author lines, that
    says it has `declared` papers (default: `entries`)."""
    declared = entries if declared is None else declared
    authors = ", ".join(f"{_letters(i, 4)} {_letters(i * 7 + 3, 5)}" for i in range(names))
    body = "\n\n".join(f"LGApr 1, 2022\nPaper {_letters(n, 4)}\n\n{authors}\n\nAn abstract." for n in range(entries))
    return (
        f"Alexander Liu\n\nCV\nh-index4\n{declared}papers\n1citations\nNovelty1%\nAI Score1\n\n"
        f"{declared} Papers\n\n{body}\n"
    )


def test_names_per_page_are_capped(seeded_store: GraphStore) -> None:
    per_entry = 1_000
    entries = MAX_NAMES // per_entry
    page = _parse(_profile(per_entry, entries), "many.txt")
    assert sum(len(entry.authors) for entry in page.entries) == MAX_NAMES
    text = _profile(per_entry, entries + 1)
    line = 15 + 7 * entries  # the author line of entry `entries + 1`
    assert text.split("\n")[line - 1].startswith("Aaaa Daaaa, ")
    error = _refused(seeded_store, "many.txt", text, line=line, reason=f"more than {MAX_NAMES} author names")
    assert "per-page limit" in error.reason


def test_entries_per_page_are_capped(seeded_store: GraphStore) -> None:
    text = _profile(1, entries=MAX_ENTRIES + 1)
    line = 12 + 7 * MAX_ENTRIES  # the header line of entry MAX_ENTRIES + 1
    assert text.split("\n")[line - 1] == "LGApr 1, 2022"
    _refused(seeded_store, "long.txt", text, line=line, reason=f"more than {MAX_ENTRIES} entries")


def test_lines_per_page_are_capped(seeded_store: GraphStore) -> None:
    text = _profile(1) + "\n" * MAX_LINES
    _refused(seeded_store, "tall.txt", text, line=MAX_LINES + 1, reason=f"more than the {MAX_LINES} allowed")


# --- the mutation property -------------------------------------------------------------------------------------

CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x0b", "\x0c", "\r", "\u2028", "\u200b", "\u00ad", "\ufeff", "\t"]
_OPS = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "truncate", "control"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(CONTROL),
)


def _mutate(seed: str, ops: list[tuple[str, int, int, str]]) -> str:
    lines = list(LINES[seed])
    for kind, a, b, char in ops:
        if not lines:
            break
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


def check_mutation(seed: str, ops: list[tuple[str, int, int, str]]) -> None:
    try:
        page = _parse(_mutate(seed, ops), seed)
    except PageError as error:
        assert error.source == seed and str(error).startswith(seed)
        whole_page = ("binary", "no known format", "is empty")  # the only refusals without a line
        assert error.line is not None or any(why in error.reason for why in whole_page), str(error)
        return
    extra = facts(page) - ORIGINAL[seed]
    assert not extra, sorted(map(str, extra))[:5]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from([p.name for p in SEEDS]), st.lists(_OPS, min_size=1, max_size=2))
def test_a_mutated_seed_fails_cleanly_or_loads_a_subset(seed: str, ops: list[tuple[str, int, int, str]]) -> None:
    """One or two edits (delete, duplicate or swap a line, truncate, insert a control character) of a seed."""
    check_mutation(seed, ops)


@pytest.mark.parametrize("seed", [p.name for p in SEEDS])
@pytest.mark.parametrize("kind", ["delete", "duplicate", "swap"])
def test_every_single_line_edit_fails_cleanly_or_loads_a_subset(seed: str, kind: str) -> None:
    """Exhaustively: each of the first 30 lines of each seed (the whole of the first, every part of each format)
    deleted, duplicated, or swapped with the next. (All lines of all seeds: ~4,400 edits, about a minute.)"""
    for i in range(len(LINES[seed]) - 1 if seed == PROFILE else 30):
        check_mutation(seed, [(kind, i, 0, "")])
