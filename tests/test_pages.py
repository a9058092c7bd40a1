"""Reading page files: format detection, forced formats, and every kind of bad input the loader must reject
with an error naming the file (and the line, where there is one)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from scholarkg.loader.errors import LoaderError, PageError, UnknownFormatError
from scholarkg.loader.identity import Iris
from scholarkg.loader.mapping import page_quads
from scholarkg.loader.pages import MAX_PAGE_BYTES, detect_format, parse_page, read_source
from scholarkg.loader.records import Page, PageFormat

FORMATS: dict[str, PageFormat] = {
    "000_e49c997fbe9f6f5b.txt": "author-profile",
    "001_7237205d067e25d8.txt": "author-profile",
    "002_59305120740d2a0e.txt": "daily-papers",
    "003_9e15f5f7954c11b9.txt": "author-cluster",
    "004_4c6bd25234ecab12.txt": "author-profile",
}
PROFILE = "000_e49c997fbe9f6f5b.txt"
LISTING = "002_59305120740d2a0e.txt"
CLUSTER = "003_9e15f5f7954c11b9.txt"


def _lines(seeds_dir: Path, name: str) -> list[str]:
    return (seeds_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _load(path: Path, as_of: dt.date, page_format: PageFormat | None = None) -> Page:
    """Read, parse and map one file, as the loader does (mapping checks category codes)."""
    source = read_source(path)
    page = parse_page(source.text, str(path), as_of, page_format)
    page_quads(
        page, file_name=source.name, label=str(path), sha256=source.sha256, as_of=as_of, iris=Iris("https://x.test/")
    )
    return page


def _assert_names(error: PageError, path: Path, line: int | None) -> None:
    text = str(error)
    assert error.source == str(path)
    assert path.name in text
    assert error.line == line
    if line is None:
        assert not re.search(re.escape(str(path)) + r":\d", text), text
    else:
        assert f"{path}:{line}: " in text, text


# --- format detection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "page_format"), FORMATS.items())
def test_detect_format(seeds_dir: Path, seed_pages: dict[str, Page], name: str, page_format: PageFormat) -> None:
    text = (seeds_dir / name).read_text(encoding="utf-8")
    assert detect_format(text, name) == page_format
    assert seed_pages[name].format == page_format


@pytest.mark.parametrize(("name", "page_format"), FORMATS.items())
def test_forcing_the_right_format_gives_the_same_page(
    seeds_dir: Path, seed_pages: dict[str, Page], as_of: dt.date, name: str, page_format: PageFormat
) -> None:
    assert _load(seeds_dir / name, as_of, page_format) == seed_pages[name]


@pytest.mark.parametrize(
    ("name", "forced", "line"),
    [
        (PROFILE, "daily-papers", 1),
        (PROFILE, "author-cluster", 1),
        (LISTING, "author-profile", 3),  # "Get trending papers…" is no profile metric
        (LISTING, "author-cluster", 1),
        (CLUSTER, "author-profile", 3),
        (CLUSTER, "daily-papers", 1),
    ],
)
def test_forcing_a_wrong_format_fails(
    seeds_dir: Path, as_of: dt.date, name: str, forced: PageFormat, line: int
) -> None:
    path = seeds_dir / name
    with pytest.raises(PageError) as caught:
        _load(path, as_of, forced)
    assert not isinstance(caught.value, UnknownFormatError)
    _assert_names(caught.value, path, line)


# --- undecodable or empty files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "page is empty"),
        (b"  \n\t\n\r\n   ", "page is empty"),
        (b"Alexander Liu\n\nCV\x00h-index4\n", "binary"),
        ("Zichang Liu\n".encode("utf-16"), "binary"),  # UTF-16 has NUL bytes
    ],
)
def test_empty_and_binary_files(tmp_path: Path, as_of: dt.date, content: bytes, reason: str) -> None:
    path = _write(tmp_path, "page.txt", content)
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert reason in caught.value.reason
    _assert_names(caught.value, path, None)


def test_invalid_utf8_names_the_line(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    data = (seeds_dir / PROFILE).read_bytes().splitlines(keepends=True)
    data[12] = data[12].replace(b"Monarch", b"Mon\xe9arch")  # latin-1 "é" on line 13
    path = _write(tmp_path, PROFILE, b"".join(data))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "not UTF-8" in caught.value.reason
    _assert_names(caught.value, path, 13)


def test_missing_and_oversized_files(tmp_path: Path, as_of: dt.date) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(PageError) as caught:
        _load(missing, as_of)
    _assert_names(caught.value, missing, None)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_PAGE_BYTES + 1)  # sparse: cheap to create, never read
    with pytest.raises(PageError) as caught:
        _load(huge, as_of)
    assert str(MAX_PAGE_BYTES) in caught.value.reason
    _assert_names(caught.value, huge, None)


def test_unknown_format(tmp_path: Path, as_of: dt.date) -> None:
    path = _write(tmp_path, "notes.txt", "Shopping list\n\nmilk\neggs\n")
    with pytest.raises(UnknownFormatError) as caught:
        _load(path, as_of)
    assert isinstance(caught.value, LoaderError)
    assert "no known format" in caught.value.reason
    _assert_names(caught.value, path, None)


def test_owner_line_alone_is_no_known_format(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    path = _write(tmp_path, PROFILE, "".join(_lines(seeds_dir, PROFILE)[:1]))
    with pytest.raises(UnknownFormatError) as caught:
        _load(path, as_of)
    _assert_names(caught.value, path, None)


def test_bom_and_crlf_are_accepted(
    tmp_path: Path, seeds_dir: Path, seed_pages: dict[str, Page], as_of: dt.date
) -> None:
    text = (seeds_dir / PROFILE).read_text(encoding="utf-8")
    path = _write(tmp_path, PROFILE, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert _load(path, as_of) == seed_pages[PROFILE]


# --- truncated pages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "keep", "line", "reason"),
    [
        # Profiles: cut after an entry header; after header and title; inside a header line.
        (PROFILE, 19, 19, "not followed by a title"),
        ("001_7237205d067e25d8.txt", 20, 20, "ends before its author list"),
        ("004_4c6bd25234ecab12.txt", 19, 19, "not followed by a title"),
        (PROFILE, 6, 3, "profile metrics lack novelty_percent, ai_score"),
        (PROFILE, 10, 10, "profile lists no papers"),
        # Listing: after a title; after the abstract; after "• 11 authors" and "·" (date missing).
        (LISTING, 21, 21, "lacks its '• N authors · date' lines"),
        (LISTING, 23, 23, "lacks its '• N authors · date' lines"),
        (LISTING, 26, 26, "expected the author count and a date"),
        (LISTING, 7, 7, "listing ends before its date line"),
        # Cluster: after a venue line; after venue and title; before the first paper.
        (CLUSTER, 31, 31, "venue line is not followed by a title"),
        (CLUSTER, 33, 33, "lacks its bulleted author list"),
        (CLUSTER, 14, 14, "cluster ends before its papers"),
    ],
)
def test_truncated_pages(
    tmp_path: Path, seeds_dir: Path, as_of: dt.date, name: str, keep: int, line: int, reason: str
) -> None:
    path = _write(tmp_path, name, "".join(_lines(seeds_dir, name)[:keep]))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert reason in caught.value.reason
    _assert_names(caught.value, path, line)


@pytest.mark.parametrize("name", FORMATS)
def test_cut_just_after_an_entry_header(
    tmp_path: Path, seeds_dir: Path, seed_pages: dict[str, Page], as_of: dt.date, name: str
) -> None:
    """Every seed, cut right after the first line of its second-to-last entry, is rejected at that line."""
    header_line = seed_pages[name].entries[-2].line
    path = _write(tmp_path, name, "".join(_lines(seeds_dir, name)[:header_line]))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    _assert_names(caught.value, path, header_line)


def test_cut_inside_an_entry_header(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    lines = _lines(seeds_dir, "004_4c6bd25234ecab12.txt")
    assert lines[18] == "97.3CRMay 27\n"
    path = _write(tmp_path, "004_4c6bd25234ecab12.txt", "".join(lines[:18]) + "97.3CRMa")
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "expected an entry header" in caught.value.reason
    assert "'97.3CRMa'" in caught.value.reason
    _assert_names(caught.value, path, 19)


# --- bad values -----------------------------------------------------------------------------------------------------


def test_impossible_date_in_a_profile(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    text = (seeds_dir / PROFILE).read_text(encoding="utf-8")
    path = _write(tmp_path, PROFILE, text.replace("LGApr 1, 2022\n", "LGFeb 30, 2023\n", 1))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "Feb 30, 2023" in caught.value.reason
    _assert_names(caught.value, path, 12)


def test_impossible_date_in_the_listing(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    text = (seeds_dir / LISTING).read_text(encoding="utf-8")
    assert text.count("\nNov 30, 2023\n") == 1
    path = _write(tmp_path, LISTING, text.replace("\nNov 30, 2023\n", "\nFeb 30, 2023\n"))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "Feb 30, 2023" in caught.value.reason
    _assert_names(caught.value, path, 19)


def test_unknown_category_code_fails_at_mapping(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    text = (seeds_dir / PROFILE).read_text(encoding="utf-8")
    path = _write(tmp_path, PROFILE, text.replace("LGApr 1, 2022\n", "ZZApr 1, 2022\n", 1))
    page = parse_page(path.read_text(encoding="utf-8"), str(path), as_of)  # the parser accepts any code
    assert page.entries[0].category_code == "ZZ"
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "unknown arXiv category code 'ZZ'" in caught.value.reason
    _assert_names(caught.value, path, 12)


def test_unknown_primary_category_names_its_line(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    lines = _lines(seeds_dir, PROFILE)
    assert lines[2] == "CV\n"
    lines[2] = "QQ\n"
    path = _write(tmp_path, PROFILE, "".join(lines))
    with pytest.raises(PageError) as caught:
        _load(path, as_of)
    assert "'QQ'" in caught.value.reason
    _assert_names(caught.value, path, 3)


def test_malformed_repository_url_is_not_a_repository(tmp_path: Path, seeds_dir: Path, as_of: dt.date) -> None:
    """A URL that is no valid IRI (bad %-escape, '[') must not become schema:codeRepository — nor crash the load."""
    text = (seeds_dir / PROFILE).read_text(encoding="utf-8")
    old = "https://github.com/princetonvisualai/revise-tool"
    assert text.count(old) == 1
    new = "https://github.com/princetonvisualai/revise%zz and https://github.com/a/b[1] and https://github.com/ok/repo."
    path = _write(tmp_path, PROFILE, text.replace(old, new))
    page = _load(path, as_of)
    assert page.entries[2].code_repositories == ("https://github.com/ok/repo",)
