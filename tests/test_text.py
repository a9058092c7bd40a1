"""loader/text.py and loader/dates.py: normalisation, URLs, yearless dates."""

from __future__ import annotations

import datetime as dt

import pytest

from scholarkg.loader.dates import parse_date
from scholarkg.loader.text import collapse, find_code_repositories, normalize_key, slugify


def test_normalize_key_is_nfc_casefolded_and_collapsed() -> None:
    assert normalize_key("  Angles  Don\u2019t\tLIE ") == "angles don\u2019t lie"
    assert normalize_key("Cafe\u0301") == normalize_key("Caf\u00e9")  # NFC
    assert normalize_key("STRASSE") == normalize_key("straße")  # case-folding, not lower()
    assert collapse("a \n b") == "a b"


def test_slugify_is_ascii() -> None:
    assert slugify("Zoë Müller-Lüdenscheidt 0006") == "zoe-muller-ludenscheidt-0006"
    assert slugify("!!!") == "x"


def test_code_repositories() -> None:
    text = (
        "Code: https://github.com/VITA-Group/UVC}. See (github.com/a/b) and https://wandb.ai/x/y, "
        "https://github.com/chenfengxu714/YOGO.git. and https://github. com and https://gitlab.com/o/r."
    )
    assert find_code_repositories(text) == (
        "https://github.com/VITA-Group/UVC",
        "https://github.com/a/b",
        "https://github.com/chenfengxu714/YOGO",
        "https://gitlab.com/o/r",
    )


@pytest.mark.parametrize(
    ("text", "as_of", "expected"),
    [
        ("Apr 1, 2022", dt.date(2026, 11, 23), dt.date(2022, 4, 1)),
        ("Feb 4", dt.date(2026, 11, 23), dt.date(2026, 2, 4)),
        ("Dec 24", dt.date(2026, 11, 23), dt.date(2025, 12, 24)),
        ("Nov 23", dt.date(2026, 11, 23), dt.date(2026, 11, 23)),
        ("Feb 29", dt.date(2026, 11, 23), dt.date(2024, 2, 29)),
    ],
)
def test_dates(text: str, as_of: dt.date, expected: dt.date) -> None:
    assert parse_date(text, as_of) == expected


@pytest.mark.parametrize("text", ["Feb 30, 2023", "Foo 1, 2020", "2020", ""])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text, dt.date(2026, 11, 23))
